import { execFileSync } from 'node:child_process';

/**
 * The service's CLI run as an operator runs it, over a SQLite data folder: its exit code, and
 * what it printed (stdout when it succeeded, its sentence on stderr when it did not).
 */
export function serviceCli(dataDir: string, args: readonly string[], env: Record<string, string> = {}): { code: number; out: string } {
  try {
    return {
      code: 0,
      out: execFileSync('npx', ['tsx', 'src-server/cli.ts', ...args], {
        env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '', GONGWEN_NEW_PASSWORD: 'a-long-passphrase-for-tests', ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, out: e.stderr };
  }
}
