import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http-service.js';

/**
 * A PostgreSQL server of the test's own, so that the test may restart it (the shared one of
 * npm test must stay up for the other suites). Runs as the postgres user when we are root, as
 * initdb requires.
 */
export interface PrivatePostgres {
  url: string;
  /** Restarts it without blocking: requests keep coming while it is down. */
  restart(): Promise<void>;
  stop(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const bin = join('/usr/lib/postgresql', versions[0]!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, uid, uid);
  }
  const port = await freePort();
  as('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const ctl = (...args: string[]) => as('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', ...args]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  ctl('-o', options, 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      const args = ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-m', 'fast', '-o', options, 'restart'];
      await (root ? promisify(execFile)('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]) : promisify(execFile)(join(bin, 'pg_ctl'), args));
    },
    stop: () => {
      try {
        ctl('-m', 'fast', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
