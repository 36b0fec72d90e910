import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode, messageOf } from '../../src-shared/common/errors.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';

/** Sends raw bytes over a real socket (inject skips Node's HTTP parser) and returns what came back. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const MARK = 'ECHOED-MARKER';

/**
 * Errors before a route runs (Node's HTTP parser, Fastify's router) answer in the contract's
 * shape, `{code, message}` from the catalogue, and never echo the request.
 */
describe.each(databaseKinds())('errors before any route, on %s', (kind) => {
  let service: TestService;
  let port: number;

  beforeAll(async () => {
    service = await startTestService(kind);
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    port = (service.app.server.address() as AddressInfo).port;
  });
  afterAll(() => service.close());

  const cases: [string, string, number, string][] = [
    ['a 64 KB header', `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${MARK}${'a'.repeat(64 * 1024)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a 100 KB URL', `GET /api/${MARK}${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a NUL in a header', `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Bad: ${MARK}\u0000\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
    ['a bare CR in a header', `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Bad: ${MARK}\rmore\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
    [
      'Content-Length with Transfer-Encoding',
      `POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'MALFORMED_REQUEST',
    ],
    ['malformed percent-encoding in a path', `GET /api/documents/%E0%A4%zz${MARK} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
  ];

  it.each(cases)('answers %s with the catalogue’s code and sentence, echoing nothing', async (_name, bytes, status, code) => {
    const answer = await raw(port, bytes);
    expect(Number(answer.slice(9, 12))).toBe(status);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    expect(isErrorCode(body.code)).toBe(true);
    expect(body).toEqual({ code, message: messageOf(code as Parameters<typeof messageOf>[0]) });
    expect(answer).not.toContain(MARK);
  });
});
