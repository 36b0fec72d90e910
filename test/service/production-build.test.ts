import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServiceProcess } from '../helpers/http-service.js';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';

const BUNDLE = 'out/server/gongwen-server.mjs';
// esbuild over the whole service, then a process start: more time than the default, not about speed.
const BUILD_TIMEOUT = 240_000;

describe('the production build of the service', () => {
  it(
    'is one JavaScript file started with plain node: ready, and a clerk logs in',
    async () => {
      const built = spawnSync('npm', ['run', '-s', 'build:server'], { encoding: 'utf8', timeout: 180_000 });
      expect(built.stderr).toBe('');
      expect(built.status).toBe(0);
      const bundle = readFileSync(BUNDLE, 'utf8');
      // The migrations are in it (the start runs them); the native module is not.
      expect(bundle).toContain('20261127-0001-initial');
      expect(bundle).toMatch(/from ["']better-sqlite3["']|require\(["']better-sqlite3["']\)/);
      const manifest = JSON.parse(readFileSync('out/server/package.json', 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(manifest.dependencies)).toEqual(['better-sqlite3']);

      const service = await startServiceProcess('sqlite', { built: BUNDLE });
      try {
        const ready = await fetch(`${service.url}/readyz`);
        expect(ready.status).toBe(200);
        const login = await fetch(`${service.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ account: 'vendor', password: DEMO_PASSWORD }),
        });
        expect(login.status).toBe(200);
        expect(((await login.json()) as { user: { account: string } }).user.account).toBe('vendor');
        // The process that answered is the bundle under node, not tsx over the source.
        const cmdline = readFileSync(`/proc/${service.pid}/cmdline`, 'utf8').split('\0');
        expect(cmdline).toContain(BUNDLE);
        expect(cmdline.join(' ')).not.toMatch(/tsx|src-server/);
      } finally {
        await service.stop();
      }
    },
    BUILD_TIMEOUT,
  );
});
