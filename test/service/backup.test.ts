import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { enableTempCert, loginClerk, signedSend } from '../../bench/lib/world.js';
import { startServiceProcess } from '../helpers/http-service.js';

const run = promisify(execFile);
const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', ...args], { env, encoding: 'utf8' });

/**
 * `gongwen-server backup` while clerks are sending: the copy is consistent (its audit chain
 * verifies) and holds every send the service had acknowledged before the backup began.
 */
describe('online backup of the SQLite database', () => {
  it('under a load of sends, restores to a database that verifies and holds every acknowledged send', { timeout: 240_000 }, async () => {
    const service = await startServiceProcess('sqlite');
    try {
      const clerk = await loginClerk(service.url, 'vendor');
      const temp = await enableTempCert(clerk);
      const acknowledged: string[] = [];
      let stop = false;
      let failures = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const doc = await clerk.client.document((await clerk.client.createDocument({ subject: `備份測試 ${w}-${i}`, body: '' })).id);
          try {
            await clerk.client.act(doc.id, await signedSend('vendor', doc, 'yeh.yenchih', temp));
            acknowledged.push(doc.id);
          } catch {
            failures++;
          }
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(worker));
      while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 50));

      const beforeBackup = [...acknowledged];
      const backupFile = join(mkdtempSync(join(tmpdir(), 'gongwen-backup-')), 'copy.sqlite');
      const { stdout } = await cli(service.env, 'backup', backupFile);
      const duringBackup = acknowledged.length - beforeBackup.length;
      stop = true;
      await load;
      expect(stdout).toMatch(/backup written to/);
      expect(failures).toBe(0);
      expect(duringBackup).toBeGreaterThan(0); // the service kept committing while the copy was made
      expect(statSync(backupFile).mode & 0o777).toBe(0o600);

      // Restore into a fresh data folder, as the README says, and check it.
      const restored = mkdtempSync(join(tmpdir(), 'gongwen-restored-'));
      copyFileSync(backupFile, join(restored, 'gongwen.sqlite'));
      const verified = await cli({ ...service.env, GONGWEN_DATA_DIR: restored, DATABASE_URL: '' }, 'verify-audit');
      expect(verified.stdout).toMatch(/audit log intact: \d+ entries/);
      const db = new Database(join(restored, 'gongwen.sqlite'), { readonly: true });
      try {
        const sent = db.prepare('select count(*) as n from steps where document_id = ? and seq = 1 and sent_at is not null and signature is not null');
        const missing = beforeBackup.filter((id) => (sent.get(id) as { n: number }).n !== 1);
        expect(missing).toEqual([]);
      } finally {
        db.close();
      }
      console.log(`backup under load: ${beforeBackup.length} sends acknowledged before, ${duringBackup} during; all before are in the copy`);
    } finally {
      await service.stop();
    }
  });
});
