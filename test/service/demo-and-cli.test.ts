import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { formatProcessingTime, formatRocDateTime } from '../../src-shared/common/roc-date.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { SEED_DOCUMENT_NUMBER } from '../../tools/demo/seed-demo.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { buildApp } from '../../src-server/http/app.js';
import { configFromEnvironment, createContext } from '../../src-server/service.js';

const seedDemo = (dataDir: string) =>
  execFileSync('npx', ['tsx', 'tools/demo/seed-demo-command.ts'], {
    env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const cli = (dataDir: string, ...args: string[]) =>
  execFileSync('npx', ['tsx', 'src-server/cli.ts', ...args], {
    env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

// Each CLI call starts a TypeScript process of its own (a few seconds on a busy two-core machine),
// so these tests get more time than the suite's 30 s default: they are not about speed.
const CLI_TEST_TIMEOUT = 180_000;

describe('seed-demo and the CLI', () => {
  it(
    'seeds 1033151119 with the source document’s flow table, re-signed, and exports evidence openssl accepts',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-demo-'));
      expect(seedDemo(dataDir)).toMatch(/demo data seeded/);
      expect(seedDemo(dataDir)).toMatch(/already present/); // a second run changes nothing

      const ctx = await createContext(configFromEnvironment({ GONGWEN_DATA_DIR: dataDir }));
      const app = await buildApp(ctx);
      try {
        const login = await app.inject({ method: 'POST', url: '/api/session', payload: { account: 'vendor', password: 'gongwen-demo' } });
        const auth = { authorization: `Bearer ${login.json().token}` };
        const list = await app.inject({ method: 'GET', url: `/api/documents?box=involved&q=${SEED_DOCUMENT_NUMBER}`, headers: auth });
        const [summary] = list.json().documents;
        const view = (await app.inject({ method: 'GET', url: `/api/documents/${summary.id}`, headers: auth })).json();
        // The flow table as the source document shows it.
        const table = view.flow.map((r: any) => [
          r.seq,
          r.status,
          r.unit,
          r.holderName,
          formatRocDateTime(r.receivedAt),
          formatRocDateTime(r.sentAt),
          formatProcessingTime(r.receivedAt, r.sentAt),
          r.action,
          r.tempCertUsed ? '是' : '否',
          r.approver ?? '',
        ]);
        expect(table).toEqual([
          [1, '線上簽核', '資通建設科', '公文系統廠商', '103/05/27 17:24', '103/05/27 17:24', '00:00', '送請簽核', '是', ''],
          [2, '待核示', '資通建設科', '葉彥志', '', '', '00:00', '送請簽核', '否', ''],
        ]);
        expect(view.flow[0].resignNote).toBe('出差返回，以實體卡補簽');
        const total = (await app.inject({ method: 'GET', url: '/api/documents?box=involved&limit=500', headers: auth })).json().total;
        expect(total).toBeGreaterThan(10);
      } finally {
        await app.close();
      }

      const out = mkdtempSync(join(tmpdir(), 'gongwen-evidence-'));
      expect(cli(dataDir, 'export-evidence', SEED_DOCUMENT_NUMBER, out)).toMatch(/files written/);
      // The README's commands, run as printed: each token verifies, and the 2014 signature, whose
      // temporary certificate expired long ago, verifies as of its time-stamp (2014-05-27 09:24).
      const runs = runReadmeCommands(out);
      const commands = runs.map((r) => r.command);
      const signedAt = Date.parse('2014-05-27T09:24:00Z') / 1000;
      expect(commands).toEqual([
        expect.stringMatching(/^cat trust\/temp-ca\.pem crls\/[0-9a-f]{64}\.pem > step-1\.ca-and-crls\.pem$/),
        'openssl ts -verify -token_in -in step-1.signature.tst -data step-1.signature-value -CAfile trust/tsa.pem',
        `openssl cms -verify -inform DER -in step-1.p7s -binary -content step-1.payload -CAfile step-1.ca-and-crls.pem -purpose any -out /dev/null -crl_check -attime ${signedAt}`,
        'openssl ts -verify -token_in -in step-1.countersignature.tst -data step-1.countersignature-value -CAfile trust/tsa.pem',
        expect.stringMatching(
          /^openssl smime -verify -inform DER -in step-1\.countersignature\.p7s -binary -content step-1\.signature-value -CAfile trust\/card-roots\.pem -purpose any -out \/dev\/null -attime \d+$/,
        ),
      ]);
      for (const run of runs) {
        expect(run.status, `${run.command}\n${run.output}`).toBe(0);
        if (run.command.includes(' ts -verify')) expect(run.output).toMatch(/Verification: OK/);
      }
      // The TSA's certificate covers the time it stamped (openssl ts -verify does not check this).
      expect(Date.parse(new X509Certificate(readFileSync(join(out, 'trust', 'tsa.pem'))).validFrom)).toBeLessThanOrEqual(Date.parse('2014-05-27T09:24:00Z'));
      expect(() =>
        execSync(`openssl cms -verify -inform DER -in step-1.p7s -binary -content step-1.payload -CAfile trust/temp-ca.pem -purpose any -out /dev/null`, {
          cwd: out,
          stdio: 'pipe',
        }),
      ).toThrow(/certificate has expired/);
      const verified = verifyStepSignature(readFileSync(join(out, 'step-1.p7s')), readFileSync(join(out, 'step-1.payload')));
      expect(verified.countersignatures[0]?.certificate.subject).toContain('公文系統廠商');
      expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('re-signed with the card');
      // The project's verifier on the folder alone says the same, and which mode it used.
      const yearsLater = cli(dataDir, 'verify-evidence', out);
      expect(yearsLater).toMatch(/^step 1 signature +valid +as of its time-stamp 2014-05-27T09:24:00\.000Z \(103\/05\/27 17:24\)/m);
      expect(yearsLater).toMatch(/^step 1 countersignature +valid +as of its time-stamp /m);
      expect(yearsLater).toMatch(/^2 valid, 0 not valid\.$/m);

      expect(cli(dataDir, 'verify-audit')).toMatch(/audit log intact: \d+ entries/);

      // An entry left unchained for two minutes (sealing that keeps failing, on PostgreSQL; put
      // here by hand, as SQLite never leaves one) is reported, and the check fails.
      const at = new Date(Date.now() - 120_000).toISOString();
      const sqlite = new SqliteDatabase(join(dataDir, 'gongwen.sqlite'));
      sqlite.prepare(`insert into audit_pending (at, actor, action, subject, detail) values (?, 'tester', 'test.stale', null, '{}')`).run(at);
      sqlite.close();
      const stale = spawnSync('npx', ['tsx', 'src-server/cli.ts', 'verify-audit'], {
        env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '' },
        encoding: 'utf8',
      });
      expect(stale.stdout).toContain(`1 audit entry has waited since ${at} to be chained`);
      expect(stale.status).toBe(1);
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    "set-unit-head names who approves a unit's temp-cert applications, and refuses an unknown unit or account",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-heads-'));
      cli(dataDir, 'add-unit', 'ict', '資通建設科');
      execFileSync('npx', ['tsx', 'src-server/cli.ts', 'add-user', 'yeh.yenchih', '葉彥志', 'ict', '科長'], {
        env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '', GONGWEN_NEW_PASSWORD: 'a-long-enough-passphrase-9' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(cli(dataDir, 'set-unit-head', 'ict', 'yeh.yenchih')).toMatch(/yeh.yenchih is now the head of ict/);
      expect(() => cli(dataDir, 'set-unit-head', 'nowhere', 'yeh.yenchih')).toThrow(/UNIT_UNKNOWN/);
      expect(() => cli(dataDir, 'set-unit-head', 'ict', 'nobody')).toThrow(/USER_UNKNOWN/);
      expect(() => cli(dataDir, 'set-unit-head', 'ict')).toThrow(/usage: set-unit-head/);
      const ctx = await createContext(configFromEnvironment({ GONGWEN_DATA_DIR: dataDir }));
      try {
        const unit = await ctx.storage.db.selectFrom('units').select('head_user_id').where('id', '=', 'ict').executeTakeFirstOrThrow();
        const head = await ctx.storage.db.selectFrom('users').select('id').where('account', '=', 'yeh.yenchih').executeTakeFirstOrThrow();
        expect(unit.head_user_id).toBe(head.id);
      } finally {
        await ctx.storage.close();
      }
    },
    CLI_TEST_TIMEOUT,
  );

  it(
    'says what it expects when a command is given wrongly, and a clear error for an unknown document',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-cli-'));
      expect(() => cli(dataDir, 'export-evidence')).toThrow(/usage: export-evidence/);
      expect(() => cli(dataDir, 'export-evidence', '1159999999', dataDir)).toThrow(/DOCUMENT_NOT_FOUND/);
    },
    CLI_TEST_TIMEOUT,
  );
});
