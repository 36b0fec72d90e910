import type { Kysely } from 'kysely';

/**
 * Frozen. Audit entries waiting to be chained (PostgreSQL). An audited write inserts its entries
 * here in its own transaction, taking no lock; the sealer then moves them, in id order, into
 * audit_log with their seq, prev_hash and hash, many writes' entries at a time. The columns are
 * audit_log's without the three the sealer gives. SQLite, with one writer, chains at once and
 * leaves this table empty. `blob` names the dialect, as in 0001 (serial on PostgreSQL).
 */
export async function up(db: Kysely<any>, blob: 'bytea' | 'blob'): Promise<void> {
  await db.schema
    .createTable('audit_pending')
    .addColumn('id', blob === 'bytea' ? 'serial' : 'integer', (c) => (blob === 'bytea' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
}
