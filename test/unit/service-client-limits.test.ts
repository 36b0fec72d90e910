import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src-main/service-client/service-client.js';

// A lying service (or what sits in front of it): redirects and answers of any size. Real HTTP
// servers on loopback; the client is the one the app uses.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(answer: (path: string, res: ServerResponse) => void): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`.trim());
    answer(req.url ?? '', res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const me = JSON.stringify({ account: 'vendor', name: '廠商', unit: 'x', unitId: 'u', title: 'y' });

describe('the service client and a service that redirects', () => {
  it('does not follow a redirect (here to another server), and says the answer is not one it accepts', async () => {
    const elsewhere = await serve((_path, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(me));
    const service = await serve((path, res) => res.writeHead(302, { location: `${elsewhere.url}${path}` }).end());
    const client = new ServiceClient({ baseUrl: service.url, retries: 0 });
    await expect(client.me()).rejects.toMatchObject({ code: 'SERVICE_ANSWER_INVALID', detail: expect.stringContaining('302') });
    expect(elsewhere.requests).toEqual([]);
    expect(service.requests).toHaveLength(1);
  });
});

describe('the service client and an answer too large to hold', () => {
  const limit = 64 * 1024;

  it('refuses an answer by its content-length, without reading it and without trying again', async () => {
    let written = 0;
    const service = await serve((_path, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1000 * 1024 * 1024) });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (written < 1000 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
    });
    const client = new ServiceClient({ baseUrl: service.url, maxAnswerBytes: limit });
    await expect(client.me()).rejects.toMatchObject({ code: 'SERVICE_ANSWER_TOO_LARGE' });
    expect(service.requests).toHaveLength(1); // a GET, yet not tried again
    expect(written).toBeLessThan(100 * 1024 * 1024);
  });

  it('cuts off a streamed answer with no content-length once it passes the limit', async () => {
    let written = 0;
    let closed = false;
    const service = await serve((_path, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length announced
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (!closed && written < 1000 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
      };
      res.on('drain', pump);
      res.on('close', () => (closed = true));
      pump();
    });
    const client = new ServiceClient({ baseUrl: service.url, maxAnswerBytes: limit });
    await expect(client.me()).rejects.toMatchObject({ code: 'SERVICE_ANSWER_TOO_LARGE' });
    expect(service.requests).toHaveLength(1);
    expect(written).toBeLessThan(100 * 1024 * 1024);
  });

  it('reads an answer under the limit as before', async () => {
    const service = await serve((_path, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(me));
    expect(await new ServiceClient({ baseUrl: service.url, maxAnswerBytes: limit }).me()).toMatchObject({ account: 'vendor' });
  });
});
