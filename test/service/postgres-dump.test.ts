import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src-server/http/app.js';
import { createContext } from '../../src-server/service.js';
import { createTestDatabase } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { Clerk, seedPeople, type TestService } from '../helpers/service.js';
import { writeSealKeyFile } from '../helpers/seal-key.js';

const pgBin = (tool: string) => {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return join('/usr/lib/postgresql', versions[0]!, 'bin', tool);
};

/**
 * The README's PostgreSQL backup commands, as printed: pg_dump of a live service's database,
 * pg_restore into a new one, and verify-audit on the restored copy.
 */
describe.skipIf(!process.env.GONGWEN_TEST_POSTGRES_URL)('PostgreSQL backup with pg_dump / pg_restore (needs PostgreSQL)', () => {
  it('a dump taken while the service runs restores to a database whose audit chain verifies and holds the send', { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const source = await createTestDatabase('postgres');
    const restored = await createTestDatabase('postgres');
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-dump-'));
    mkdirSync(join(dataDir, 'trust'));
    writeFileSync(join(dataDir, 'trust', 'card-roots.pem'), pki.gcaRootPem);
    const tempCa = {
      GONGWEN_TEMP_CA_CERT: join(pki.dir, 'temp-ca.cert.pem'),
      GONGWEN_TEMP_CA_KEY: join(pki.dir, 'temp-ca.key.pem'),
      GONGWEN_SEAL_KEY_FILE: writeSealKeyFile(), // the TSA key, sealed in the database (and in its dump)
    };
    const ctx = await createContext({
      dataDir,
      databaseUrl: source.url,
      tempCaCertPath: tempCa.GONGWEN_TEMP_CA_CERT,
      tempCaKeyPath: tempCa.GONGWEN_TEMP_CA_KEY,
      sealKeyPath: tempCa.GONGWEN_SEAL_KEY_FILE,
    });
    const app = await buildApp(ctx);
    const service: TestService = {
      app,
      ctx,
      dataDir,
      kind: 'postgres',
      clock: { offsetMs: 0 },
      close: () => app.close(),
      twin: () => Promise.reject(new Error('no twin in this test')),
    };
    try {
      await seedPeople(ctx);
      const drafter = await Clerk.login(service, 'chen.chiming');
      const doc = await drafter.createDocument('備份測試', '內容');
      expect((await drafter.act(doc.id, '送請簽核', 'yeh.yenchih', await drafter.card())).status).toBe(200);

      // The README's commands (the service keeps its connections open meanwhile).
      const dump = join(dataDir, 'gongwen.dump');
      execFileSync(pgBin('pg_dump'), ['--format=custom', `--file=${dump}`, source.url], { stdio: 'pipe' });
      execFileSync(pgBin('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${restored.url}`, dump], { stdio: 'pipe' });

      const verified = spawnSync(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'verify-audit'], {
        env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: restored.url, ...tempCa },
        encoding: 'utf8',
      });
      expect(verified.stderr).toBe('');
      expect(verified.stdout).toMatch(/audit log intact: \d+ entries/);
      expect(verified.status).toBe(0);

      const copy = await createContext({
        dataDir,
        databaseUrl: restored.url,
        tempCaCertPath: tempCa.GONGWEN_TEMP_CA_CERT,
        tempCaKeyPath: tempCa.GONGWEN_TEMP_CA_KEY,
        sealKeyPath: tempCa.GONGWEN_SEAL_KEY_FILE,
      });
      try {
        const steps = await copy.storage.db.selectFrom('steps').select(['seq', 'sent_at']).where('document_id', '=', doc.id).orderBy('seq').execute();
        expect(steps.map((s) => [s.seq, s.sent_at !== null])).toEqual([
          [1, true],
          [2, false],
        ]);
      } finally {
        await copy.storage.close();
      }
    } finally {
      await app.close();
      await source.drop();
      await restored.drop();
    }
  });
});
