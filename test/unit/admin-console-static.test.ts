import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAdminConsole } from '../../src-server/http/admin-console.js';

/**
 * How the service serves the admin console's build (issue 18): the page with a fresh nonce in a
 * strict CSP and never cached, the hashed assets cached for good, both unframeable; and without a
 * build, a sentence saying how to make one, not a 500.
 */
const PAGE = `<!doctype html><html><head><meta property="csp-nonce" nonce="GONGWEN_CSP_NONCE">
<script type="module" src="/admin/assets/index-abc.js" nonce="GONGWEN_CSP_NONCE"></script></head><body></body></html>`;

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function consoleOver(dir: string): Promise<FastifyInstance> {
  app = Fastify();
  await registerAdminConsole(app, dir);
  await app.ready();
  return app;
}

async function builtConsole(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-admin-build-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), PAGE);
  await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log(1);');
  return dir;
}

describe('the admin console at /admin', () => {
  it('answers its page with a fresh nonce per answer, a strict CSP, no framing and no caching', async () => {
    const service = await consoleOver(await builtConsole());
    const first = await service.inject({ method: 'GET', url: '/admin/' });
    const second = await service.inject({ method: 'GET', url: '/admin' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    const nonceOf = (csp: string) => /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    const nonce = nonceOf(String(first.headers['content-security-policy']));
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{24}$/);
    expect(nonceOf(String(second.headers['content-security-policy']))).not.toBe(nonce);
    expect(first.body).toContain(`nonce="${nonce}"`);
    expect(first.body).not.toContain('GONGWEN_CSP_NONCE');
    const csp = String(first.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['content-type']).toMatch(/^text\/html/);
  });

  it('serves the hashed assets for a year, unframeable, and a missing one as the contract’s 404', async () => {
    const service = await consoleOver(await builtConsole());
    const asset = await service.inject({ method: 'GET', url: '/admin/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1);');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['x-frame-options']).toBe('DENY');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    const missing = await service.inject({ method: 'GET', url: '/admin/assets/nothing.js' });
    expect(missing.statusCode).toBe(404);
    const escape = await service.inject({ method: 'GET', url: '/admin/assets/..%2findex.html' });
    expect(escape.statusCode).toBe(404);
  });

  it('says the console is not built, in zh-TW and on request in English, when out/admin is missing', async () => {
    const service = await consoleOver(join(tmpdir(), 'gongwen-no-such-admin-build'));
    const zh = await service.inject({ method: 'GET', url: '/admin/' });
    expect(zh.statusCode).toBe(503);
    expect(zh.body).toBe('CONSOLE_NOT_BUILT: 管理主控台尚未建置：請在服務的程式目錄執行 npm run build:admin 後重新整理。\n');
    const en = await service.inject({ method: 'GET', url: '/admin', headers: { 'accept-language': 'en' } });
    expect(en.body).toContain('run npm run build:admin');
    expect((await service.inject({ method: 'GET', url: '/admin/assets/index.js' })).statusCode).toBe(404);
  });
});
