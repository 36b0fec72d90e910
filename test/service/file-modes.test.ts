import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src-server/service.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** The service's data is readable only by the service's user, whatever the umask. */
describe('data file modes', () => {
  it('a new data folder is 0700, the database and its WAL 0600, the temp CA key 0600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'gongwen-modes-')), 'data');
    const previous = process.umask(0o022); // the usual umask: files 0644, folders 0755 unless the service says otherwise
    try {
      const ctx = await createContext({ dataDir });
      await ctx.storage.write((trx) => trx.insertInto('units').values({ id: 'X1', name: '測試科' }).execute());
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, 'gongwen.sqlite'))).toBe(0o600);
      expect(modeOf(join(dataDir, 'gongwen.sqlite-wal'))).toBe(0o600);
      expect(modeOf(join(dataDir, 'temp-ca'))).toBe(0o700);
      expect(modeOf(join(dataDir, 'temp-ca', 'temp-ca.key.pem'))).toBe(0o600);
      await ctx.storage.close();
    } finally {
      process.umask(previous);
    }
  });

  it('an existing data folder and database left open to others are closed at start', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'gongwen-modes-')), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'gongwen.sqlite'), '');
    chmodSync(join(dataDir, 'gongwen.sqlite'), 0o644);
    const ctx = await createContext({ dataDir });
    await ctx.storage.close();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'gongwen.sqlite'))).toBe(0o600);
  });
});
