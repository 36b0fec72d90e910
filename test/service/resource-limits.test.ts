import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src-shared/common/api/documents.js';
import { CONNECTIONS_PER_ADDRESS, TIMEOUTS, serviceRoutes } from '../../src-server/http/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/**
 * A stranger cannot make the service read (or parse) a body: the session is checked first; each
 * route takes bodies of its own size; JSON nested deeper, or with more values, than any request
 * of the contract is refused before it is built; slow and greedy clients meet explicit limits.
 */
describe.each(databaseKinds())('resource limits on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
  });
  afterAll(() => service.close());

  const json = (body: string, token?: string) => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    'content-length': String(Buffer.byteLength(body)),
  });

  it('checks the session before reading the body', async () => {
    // Deeply nested and never closed: a parse would fail (400); the session check answers first.
    const nested = '['.repeat(100_000);
    for (const url of ['/api/documents', '/api/resign', '/api/temp-cert/application']) {
      const r = await call(service, { method: 'POST', url, payload: nested, headers: json(nested) });
      expect([url, r.status, (r.body as { code: string }).code]).toEqual([url, 401, 'UNAUTHENTICATED']);
    }
  });

  it('gives each route a body limit that fits it', async () => {
    const doc = await drafter.createDocument();
    const big = (kb: number) => JSON.stringify({ padding: 'x'.repeat(kb * 1024) });
    const cases: [string, string, number][] = [
      ['POST', '/api/session', 64],
      ['POST', `/api/documents/${doc.id}/actions`, 1024],
      ['POST', '/api/resign', 2048],
      ['POST', '/api/temp-cert/enable', 256],
    ];
    for (const [method, url, kb] of cases) {
      const before = await snapshot(service.ctx.storage.db);
      const r = await call(service, { method: method as 'POST', url, payload: big(kb), headers: json(big(kb), drafter.token) });
      expect([url, r.status, (r.body as { code: string }).code]).toEqual([url, 413, 'PAYLOAD_TOO_LARGE']);
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
    }
  });

  it('reads no JSON body larger than a new document’s 1 MiB on any route: large bytes come raw', () => {
    const tooLarge = serviceRoutes(service.ctx)
      .filter((r) => r.consumes === undefined && (r.bodyLimit ?? 0) > LIMITS.inlineDocumentBytes)
      .map((r) => `${r.method} ${r.url}`);
    expect(tooLarge).toEqual([]);
  });

  it('refuses JSON nested deeper, or holding more values, than any request of the contract', async () => {
    const deep = JSON.stringify({ subject: 's', body: '', attachments: [JSON.parse('['.repeat(40) + ']'.repeat(40))] });
    const many = JSON.stringify({ note: 'n', certificates: ['AAAA'], items: Array.from({ length: 50_000 }, () => ({})) });
    for (const [url, body] of [
      ['/api/documents', deep],
      ['/api/resign', many],
    ] as const) {
      const r = await call(service, { method: 'POST', url, payload: body, headers: json(body, drafter.token) });
      expect([url, r.status, (r.body as { code: string }).code]).toEqual([url, 400, 'MALFORMED_REQUEST']);
    }
  });

  it('sets header, request and keep-alive timeouts explicitly, and caps connections per address', async () => {
    const server = service.app.server;
    expect(server.headersTimeout).toBe(TIMEOUTS.headersMs);
    expect(server.requestTimeout).toBe(TIMEOUTS.requestMs);
    expect(server.keepAliveTimeout).toBe(TIMEOUTS.keepAliveMs);
    expect(TIMEOUTS.headersMs).toBeLessThanOrEqual(30_000);

    await service.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    const sockets: Socket[] = [];
    const closed: boolean[] = [];
    try {
      for (let i = 0; i <= CONNECTIONS_PER_ADDRESS; i++) {
        const socket = connect(port, '127.0.0.1');
        const index = i;
        closed[index] = false;
        socket.on('close', () => (closed[index] = true));
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('connect', resolve));
        sockets.push(socket);
      }
      // The one over the cap is closed by the service; the others stay open.
      await new Promise<void>((resolve) => {
        const check = () => (closed[CONNECTIONS_PER_ADDRESS] ? resolve() : setTimeout(check, 20));
        check();
      });
      expect(closed.slice(0, CONNECTIONS_PER_ADDRESS).every((c) => !c)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
