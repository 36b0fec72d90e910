import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src-server/storage/database.js';

/**
 * Group commit on a real SQLite file: units queued together share one transaction, a unit that
 * fails is rolled back alone, and a commit that fails fails every unit in it and applies nothing.
 */
describe('group commit (SQLite)', () => {
  let storage: Storage;
  const unitNames = async () => (await storage.db.selectFrom('units').select('name').orderBy('name').execute()).map((u) => u.name);

  beforeEach(async () => {
    storage = await openStorage(join(await mkdtemp(join(tmpdir(), 'group-commit-')), 'test.sqlite'));
  });
  afterEach(async () => storage.close());

  it('commits units queued together in one transaction, each seeing the ones before it', async () => {
    const results = await Promise.all(
      ['甲', '乙', '丙'].map((name, i) =>
        storage.write(async (trx) => {
          await trx
            .insertInto('units')
            .values({ id: `u${i}`, name })
            .execute();
          return (await trx.selectFrom('units').select('id').execute()).length;
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(await unitNames()).toEqual(['丙', '乙', '甲'].sort());
  });

  it('rolls back a failing unit alone; it reports its own error, the others commit', async () => {
    const outcomes = await Promise.allSettled([
      storage.write((trx) => trx.insertInto('units').values({ id: 'a', name: '秘書處' }).execute()),
      storage.write(async (trx) => {
        await trx.insertInto('units').values({ id: 'b', name: '人事處' }).execute();
        await trx.insertInto('units').values({ id: 'c', name: '秘書處' }).execute(); // duplicate name
      }),
      storage.write((trx) => trx.insertInto('units').values({ id: 'd', name: '資訊處' }).execute()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(await unitNames()).toEqual(['秘書處', '資訊處'].sort()); // nothing of the failed unit, not even its first insert
  });

  it('fails every unit of a commit that fails, and applies none of them', async () => {
    const outcomes = await Promise.allSettled([
      storage.write((trx) => trx.insertInto('units').values({ id: 'a', name: '秘書處' }).execute()),
      storage.write(async (trx) => {
        // A foreign-key violation checked only at COMMIT: the one failure a savepoint cannot contain.
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await trx
          .insertInto('users')
          .values({ id: 'x', account: 'ghost', name: '無', unit_id: 'no-such-unit', title: '科員', password_hash: '-', created_at: '2026-11-27T00:00:00Z' })
          .execute();
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await unitNames()).toEqual([]);
    // And the queue goes on working afterwards.
    await storage.write((trx) => trx.insertInto('units').values({ id: 'e', name: '主計處' }).execute());
    expect(await unitNames()).toEqual(['主計處']);
  });

  it('settles a unit only once its commit is visible to other connections', async () => {
    const other = await openStorage(await pathOf(storage));
    try {
      let seenInside = -1;
      await storage.write(async (trx) => {
        await trx.insertInto('units').values({ id: 'a', name: '秘書處' }).execute();
        seenInside = (await other.db.selectFrom('units').select('id').execute()).length;
      });
      expect(seenInside).toBe(0); // not committed while the group is open
      expect((await other.db.selectFrom('units').select('id').execute()).length).toBe(1); // committed when settled
    } finally {
      await other.close();
    }
  });
});

async function pathOf(storage: Storage): Promise<string> {
  const rows = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(storage.db);
  return rows.rows[0]!.file;
}
