import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendAudit, appendAuditEntries, verifyAuditChain, type AuditEntry } from '../../src-server/audit/audit-log.js';
import { openStorage, type Storage } from '../../src-server/storage/database.js';
import { refuseAuditChaining } from '../helpers/audit-sealing-fault.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';

/**
 * The audit chain when writes do not wait for each other's chaining (PostgreSQL: entries are
 * committed pending with their change and sealed into the chain by a round the write starts but
 * does not wait for; SQLite: chained at once). When a write is answered its entry is committed,
 * and once a reader seals (`Storage.sealAudit`) it is in the chain, exactly once, with no gap or
 * fork, whichever service instance wrote it; a write that rolls back leaves no entry anywhere; an
 * entry left pending is sealed by the next write's round and at start-up, and reported when it waits.
 */
const entry = (subject: string): AuditEntry => ({ actor: 'tester', action: 'test.sealing', subject, detail: { subject } });

const opened: Storage[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const storage of opened.splice(0)) await storage.close();
  for (const database of databases.splice(0)) await database.drop();
});

async function database(kind: 'sqlite' | 'postgres'): Promise<string> {
  const created = await createTestDatabase(kind);
  databases.push(created);
  return created.url;
}
async function open(url: string): Promise<Storage> {
  const storage = await openStorage(url);
  opened.push(storage);
  return storage;
}
const audited = (storage: Storage, subject: string) => storage.write((trx) => appendAudit(trx, storage.dialect, new Date(), entry(subject)));
const chainedSubjects = async (storage: Storage) => (await storage.db.selectFrom('audit_log').select('subject').orderBy('seq').execute()).map((r) => r.subject);
const pendingCount = async (storage: Storage) => (await storage.db.selectFrom('audit_pending').select('id').execute()).length;
/** Where an entry is kept, chained or pending: committed exactly once whichever. */
const entriesOf = async (storage: Storage, subject: string) =>
  // One statement, one snapshot: two would miss an entry a round moves between them.
  (
    await storage.db
      .selectFrom('audit_log')
      .select('subject')
      .where('subject', '=', subject)
      .unionAll(storage.db.selectFrom('audit_pending').select('subject').where('subject', '=', subject))
      .execute()
  ).length;
/** The next write's own round, with no reader sealing: it runs after the write is answered. */
const sealedByTheWritesRound = (storage: Storage) => vi.waitFor(async () => expect(await pendingCount(storage)).toBe(0), { timeout: 10_000, interval: 20 });
/** An entry committed with its change but never sealed: a crash between the commit and the sealing. */
const leavePending = (storage: Storage, subject: string, at = new Date()) =>
  storage.db.transaction().execute((trx) => appendAuditEntries(trx, storage.dialect, at, [entry(subject)]));

describe.each(databaseKinds())('the audit chain under concurrent writes (%s)', (kind) => {
  it('every answered write has its entry committed once, and chained once a reader seals, from every instance', { timeout: 120_000 }, async () => {
    const url = await database(kind);
    // Two service instances on one PostgreSQL; SQLite has one writer.
    const instances = kind === 'postgres' ? [await open(url), await open(url)] : [await open(url)];
    const subjects = Array.from({ length: 240 }, (_, i) => `entry-${i}`);
    await Promise.all(
      subjects.map(async (subject, i) => {
        const storage = instances[i % instances.length]!;
        await audited(storage, subject);
        // Answered: its entry is committed (chained, or pending for a round under way).
        expect(await entriesOf(storage, subject)).toBe(1);
      }),
    );
    // A reader on one instance seals every instance's entries.
    await instances[0]!.sealAudit();
    const verdict = await verifyAuditChain(instances[0]!.db);
    expect(verdict).toEqual({ ok: true, entries: subjects.length });
    expect((await chainedSubjects(instances[0]!)).sort()).toEqual([...subjects].sort());
    expect(await pendingCount(instances[0]!)).toBe(0);
  });

  it('a write that rolls back leaves neither its change nor its entry, chained or pending', async () => {
    const storage = await open(await database(kind));
    await audited(storage, 'before');
    const refused = storage.write(async (trx) => {
      await trx.insertInto('units').values({ id: 'u-rolled-back', name: '不留' }).execute();
      await appendAudit(trx, storage.dialect, new Date(), entry('rolled-back'));
      throw new Error('refused after the entry was written');
    });
    await expect(refused).rejects.toThrow('refused after the entry was written');
    await audited(storage, 'after');
    await storage.sealAudit();
    expect(await storage.db.selectFrom('units').select('id').where('id', '=', 'u-rolled-back').execute()).toEqual([]);
    expect(await chainedSubjects(storage)).toEqual(['before', 'after']);
    expect(await pendingCount(storage)).toBe(0);
    expect(await verifyAuditChain(storage.db)).toEqual({ ok: true, entries: 2 });
  });
});

describe.skipIf(!databaseKinds().includes('postgres'))('audit entries left pending (PostgreSQL)', () => {
  it('an entry left pending is sealed by the next write’s round, in order', async () => {
    const storage = await open(await database('postgres'));
    await audited(storage, 'first');
    await sealedByTheWritesRound(storage);
    await leavePending(storage, 'left pending');
    expect(await chainedSubjects(storage)).toEqual(['first']);
    expect(await pendingCount(storage)).toBe(1);
    await audited(storage, 'next');
    await sealedByTheWritesRound(storage);
    expect(await chainedSubjects(storage)).toEqual(['first', 'left pending', 'next']);
    expect(await verifyAuditChain(storage.db)).toEqual({ ok: true, entries: 3 });
  });

  it('an entry left pending by an instance that stopped is sealed when an instance starts', async () => {
    const url = await database('postgres');
    const stopped = await openStorage(url);
    await leavePending(stopped, 'left by a crash');
    expect(await pendingCount(stopped)).toBe(1);
    await stopped.close();
    const started = await open(url);
    expect(await chainedSubjects(started)).toEqual(['left by a crash']);
    expect(await pendingCount(started)).toBe(0);
  });

  it('a sealing that fails does not fail the committed write; the entry waits for the next round', async () => {
    const storage = await open(await database('postgres'));
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const allowChaining = await refuseAuditChaining(storage.db);
    await storage.write(async (trx) => {
      await trx.insertInto('units').values({ id: 'u-kept', name: '保留' }).execute();
      await appendAudit(trx, storage.dialect, new Date(), entry('kept'));
    });
    expect(await storage.db.selectFrom('units').select('id').where('id', '=', 'u-kept').execute()).toHaveLength(1);
    await vi.waitFor(() => expect(warnings.mock.calls.flat().join('\n')).toMatch(/audit.*pending/i), { timeout: 10_000 });
    expect(await pendingCount(storage)).toBe(1);
    await allowChaining();
    await audited(storage, 'later');
    await sealedByTheWritesRound(storage);
    expect(await chainedSubjects(storage)).toEqual(['kept', 'later']);
    expect(await verifyAuditChain(storage.db)).toEqual({ ok: true, entries: 2 });
  });

  it('the chain check reports entries that have waited more than a minute to be sealed', async () => {
    const storage = await open(await database('postgres'));
    await leavePending(storage, 'just now');
    expect((await verifyAuditChain(storage.db)).stalePending).toBeUndefined();
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await leavePending(storage, 'waiting', twoMinutesAgo);
    const verdict = await verifyAuditChain(storage.db);
    expect(verdict.ok).toBe(true);
    expect(verdict.stalePending).toEqual({ count: 1, oldestAt: twoMinutesAgo.toISOString() });
  });
});
