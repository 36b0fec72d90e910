import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src-server/http/app.js';
import { loadTls, parseTrustedProxies, proxyMatcher } from '../../src-server/http/tls.js';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { startTestService } from '../helpers/service.js';

/** Issue 18: the service serves HTTPS itself, or sits behind a reverse proxy it is told to believe. */
describe('HTTPS and a trusted reverse proxy', () => {
  let dir: string;
  const files = () => ({ cert: join(dir, 'tls.cert.pem'), key: join(dir, 'tls.key.pem') });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gongwen-tls-'));
    const make = (name: string) =>
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
        '-keyout', join(dir, `${name}.key.pem`), '-out', join(dir, `${name}.cert.pem`),
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ], { stdio: 'ignore' }); // prettier-ignore
    make('tls');
    make('other');
  });

  it('answers over TLS with the configured certificate, which a client trusting it verifies', async () => {
    const tls = await loadTls(files().cert, files().key, new Date());
    const own = await startTestService('sqlite', { people: [] }); // closing an app closes its context's database
    const app = await buildApp(own.ctx, { tls });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const ca = await readFile(files().cert);
      const answer = await new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/health', ca, servername: 'localhost' }, (res) => {
          const protocol = (res.socket as TLSSocket).getProtocol() ?? '';
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: true });
      expect(answer.protocol).toMatch(/^TLSv1\.[23]$/);
      // a client that does not trust the certificate is refused the handshake
      await expect(
        new Promise((resolve, reject) => request({ host: '127.0.0.1', port, path: '/api/health' }, resolve).on('error', reject).end()),
      ).rejects.toThrow(/self[- ]signed|unable to verify/i);
    } finally {
      await app.close();
      await own.close().catch(() => undefined);
    }
  });

  it('refuses to start on TLS files that do not fit, in a sentence', async () => {
    await writeFile(join(dir, 'junk.pem'), 'not a certificate');
    const now = new Date();
    await expect(loadTls(files().cert, undefined, now)).rejects.toThrow('GONGWEN_TLS_CERT and GONGWEN_TLS_KEY go together');
    await expect(loadTls(join(dir, 'absent.pem'), files().key, now)).rejects.toThrow(/GONGWEN_TLS_CERT names .*absent\.pem, which cannot be read \(ENOENT\)/);
    await expect(loadTls(join(dir, 'junk.pem'), files().key, now)).rejects.toThrow(/is not a PEM certificate/);
    await expect(loadTls(files().cert, join(dir, 'junk.pem'), now)).rejects.toThrow(/is not an unencrypted PEM private key/);
    await expect(loadTls(files().cert, join(dir, 'other.key.pem'), now)).rejects.toThrow(/is not the key of the certificate/);
    await expect(loadTls(files().cert, files().key, new Date(Date.now() + 5 * 86_400_000))).rejects.toThrow(/is valid from .* not now/);
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    expect(() => parseTrustedProxies('10.0.0.5, proxy.example')).toThrow(/not "proxy.example"/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/not "10.0.0.0\/33"/);
    const matches = proxyMatcher(parseTrustedProxies('10.1.0.0/16, ::1'));
    expect([matches('10.1.2.3'), matches('::ffff:10.1.2.3'), matches('10.2.0.1'), matches('::1')]).toEqual([true, true, false, true]);

    const addressSeen = async (trustedProxies: string[] | undefined) => {
      const own = await startTestService('sqlite');
      const app = await buildApp(own.ctx, { trustedProxies });
      try {
        const login = await app.inject({ method: 'POST', url: '/api/session', payload: { account: 'chen.chiming', password: DEMO_PASSWORD } });
        const token = login.json<{ token: string }>().token;
        const headers = { authorization: `Bearer ${token}`, 'x-forwarded-for': '192.0.2.44' };
        const applied = await app.inject({
          method: 'POST',
          url: '/api/temp-cert/application',
          headers,
          payload: { password: 'temp-cert-pass-1', reason: '出差', loginPassword: DEMO_PASSWORD },
        });
        expect(applied.statusCode).toBe(200);
        const deleted = await app.inject({ method: 'DELETE', url: '/api/temp-cert/application', headers, payload: { loginPassword: DEMO_PASSWORD } });
        expect(deleted.statusCode).toBe(200);
        await own.ctx.storage.sealAudit();
        const row = await own.ctx.storage.db.selectFrom('audit_log').select('detail').orderBy('seq', 'desc').executeTakeFirstOrThrow();
        return JSON.parse(row.detail) as { address?: string };
      } finally {
        await app.close();
        await own.close().catch(() => undefined);
      }
    };
    // inject's socket is 127.0.0.1: trusted, the clerk's address is the forwarded one; not trusted, it is the socket's
    expect((await addressSeen(['127.0.0.1'])).address).toBe('192.0.2.44');
    expect((await addressSeen(undefined)).address).toBe('127.0.0.1');
  });
});
