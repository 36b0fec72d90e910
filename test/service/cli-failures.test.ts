import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/http-service.js';

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the service's CLI as an operator would, over its own data folder (SQLite unless `env` says). */
function cli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Outcome {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', ...args], {
    env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '', GONGWEN_DEBUG: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failure the operator can act on: one or two sentences on stderr, no stack frames, no Error dump. */
function expectSentence(outcome: Outcome, exitCode: number, sentence: RegExp): void {
  expect(outcome.stderr).toMatch(sentence);
  expect(outcome.stderr).not.toMatch(/^\s+at .+/m);
  expect(outcome.stderr).not.toMatch(/\{\s*$|code: '|errno/m);
  expect(outcome.status).toBe(exitCode);
}

const CLI_TIMEOUT = 180_000;
const GOOD_PASSWORD = 'correct horse battery';

describe('CLI failures are a sentence and an exit code', () => {
  it(
    'a duplicate account, and add-user’s password policy',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      expect(cli(dataDir, ['add-unit', 'U1', '資訊室']).status).toBe(0);
      const first = cli(dataDir, ['add-user', 'wu.ming', '吳明', 'U1', '科員'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD });
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expectSentence(
        cli(dataDir, ['add-user', 'wu.ming', '吳明', 'U1', '科員'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD }),
        1,
        /account wu\.ming already exists/,
      );
      expectSentence(cli(dataDir, ['add-user', 'lee.hua', '李華', 'U1', '科員'], { GONGWEN_NEW_PASSWORD: 'abc' }), 1, /at least 12 characters/);
      expectSentence(
        cli(dataDir, ['add-user', 'lee.hua', '李華', 'U1', '科員'], { GONGWEN_NEW_PASSWORD: 'lee.hua-2026-11' }),
        1,
        /must not contain the account/,
      );
      expectSentence(cli(dataDir, ['add-user', 'lee.hua', '李華', 'U9', '科員'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD }), 1, /unit U9 does not exist/);
    },
    CLI_TIMEOUT,
  );

  it(
    'list-users, reset-password and separate-user: the people at the command line, failures as sentences',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      expect(cli(dataDir, ['add-unit', 'U1', '資訊室']).status).toBe(0);
      expect(cli(dataDir, ['add-user', 'wu.ming', '吳明', 'U1', '科員'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD }).status).toBe(0);
      expect(cli(dataDir, ['add-user', 'lee.hua', '李華', 'U1', '科長'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD }).status).toBe(0);
      const listed = cli(dataDir, ['list-users']);
      expect(listed.status).toBe(0);
      expect(listed.stdout).toContain('wu.ming\t吳明\tU1 資訊室\t科員\tactive\t0 cards\tlast login never');

      const reset = cli(dataDir, ['reset-password', 'wu.ming'], { GONGWEN_NEW_PASSWORD: 'a quiet harbour at dawn' });
      expect(reset.stderr).toBe('');
      expect(reset).toMatchObject({ status: 0, stdout: expect.stringContaining('wu.ming has a new password: 0 sessions ended') });
      expectSentence(cli(dataDir, ['reset-password', 'wu.ming'], { GONGWEN_NEW_PASSWORD: 'abc' }), 1, /PASSWORD_POLICY: .*\(at least 12 characters/);
      expectSentence(cli(dataDir, ['reset-password', 'nobody'], { GONGWEN_NEW_PASSWORD: GOOD_PASSWORD }), 1, /USER_UNKNOWN: There is no user/);
      expectSentence(cli(dataDir, ['reset-password', 'wu.ming'], { GONGWEN_NEW_PASSWORD: '' }), 2, /usage: reset-password <account>/);
      expectSentence(cli(dataDir, ['list-users', '--state', 'gone']), 2, /usage: list-users/);

      expect(cli(dataDir, ['separate-user', 'lee.hua']).status).toBe(0);
      expect(cli(dataDir, ['list-users', '--state', 'separated']).stdout).toMatch(/^lee\.hua\t李華\tU1 資訊室\t科長\tseparated \d{4}-/m);
      expect(cli(dataDir, ['list-users', '--state', 'active']).stdout).not.toContain('lee.hua');
      expectSentence(cli(dataDir, ['separate-user', 'nobody']), 1, /USER_UNKNOWN/);
      expectSentence(cli(dataDir, ['retire-card', 'nobody', '0'.repeat(64)]), 1, /There is no account nobody/);
      expect(cli(dataDir, ['verify-audit']).stdout).toMatch(/audit log intact/);
    },
    2 * CLI_TIMEOUT, // sixteen commands, each a process of its own
  );

  it(
    'a missing file',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      expectSentence(cli(dataDir, ['register-card', 'wu.ming', join(dataDir, 'no-such.pem')]), 1, /no-such\.pem.*(does not exist|no such file)/i);
      expectSentence(
        cli(dataDir, ['serve'], { GONGWEN_TEMP_CA_CERT: join(dataDir, 'missing-ca.pem'), GONGWEN_TEMP_CA_KEY: join(dataDir, 'missing-ca.key') }),
        1,
        /Cannot read the temp CA certificate .*missing-ca\.pem/,
      );
    },
    CLI_TIMEOUT,
  );

  it(
    'a port in use, a port that is not one, an option that does not exist',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      const port = await freePort();
      const taken: Server = await new Promise((resolve) => {
        const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
      });
      try {
        expectSentence(cli(dataDir, ['serve', '--port', String(port)]), 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      } finally {
        taken.close();
      }
      expectSentence(cli(dataDir, ['serve', '--port', 'eighty']), 2, /--port/);
      expectSentence(cli(dataDir, ['serve', '--colour']), 2, /--colour/);
    },
    CLI_TIMEOUT,
  );

  it(
    'a database that cannot be reached',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      const port = await freePort(); // nothing listens there
      expectSentence(
        cli(dataDir, ['verify-audit'], { DATABASE_URL: `postgres://gongwen:secret-password@127.0.0.1:${port}/gongwen` }),
        1,
        /Cannot reach the database/,
      );
      const r = cli(dataDir, ['verify-audit'], { DATABASE_URL: `postgres://gongwen:secret-password@127.0.0.1:${port}/gongwen` });
      expect(r.stderr).not.toContain('secret-password');
    },
    CLI_TIMEOUT,
  );

  it(
    'backup refuses PostgreSQL and points to pg_dump; refuses to overwrite',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      expectSentence(cli(dataDir, ['backup', join(dataDir, 'x.sqlite')], { DATABASE_URL: 'postgres://gongwen@127.0.0.1:1/gongwen' }), 1, /pg_dump/);
      expect(cli(dataDir, ['add-unit', 'U1', '資訊室']).status).toBe(0);
      writeFileSync(join(dataDir, 'exists.sqlite'), 'x');
      expectSentence(cli(dataDir, ['backup', join(dataDir, 'exists.sqlite')]), 1, /already exists/);
    },
    CLI_TIMEOUT,
  );
});
