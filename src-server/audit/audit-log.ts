import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../../src-shared/common/canonical-json.js';
import type { DialectName } from '../storage/database.js';
import type { Database } from '../storage/schema.js';

/**
 * The audit log: every action appended in the same transaction as the change it records, each
 * entry carrying the SHA-256 of the one before, so that an edited, removed or reordered entry
 * breaks the chain at that point. On PostgreSQL the entry is committed pending with its change
 * and chained right after the commit by a round the write starts but does not wait for
 * (audit-sealer.ts); whoever reads the chain calls `Storage.sealAudit` first.
 */
export interface AuditEntry {
  actor: string | null;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises sealing across service instances sharing one PostgreSQL. */
export const AUDIT_LOCK_KEY = 727_001;
/** Pending entries older than this are reported by the chain check: sealing is not keeping up. */
const STALE_PENDING_MS = 60_000;

/**
 * SHA-256 of the previous hash and the RFC 8785 text of { seq, at, actor, action, subject, detail }.
 * The detail is stored as its own RFC 8785 text, which is the same text this one embeds.
 */
export function entryHash(prevHash: string, seq: number, at: string, entry: AuditEntry): string {
  const body = canonicalJson({ seq, at, actor: entry.actor, action: entry.action, subject: entry.subject, detail: entry.detail });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

export async function appendAudit(trx: Kysely<Database>, dialect: DialectName, at: Date, entry: AuditEntry): Promise<void> {
  await appendAuditEntries(trx, dialect, at, [entry]);
}

/**
 * Several entries in one statement, chained in order (a re-sign batch: one entry per step).
 * PostgreSQL: committed pending with the change, in order, for the sealer to chain after the
 * commit; taking the chain's lock here would serialise every audited write until its commit.
 * SQLite has one writer: the entries are chained at once.
 */
export async function appendAuditEntries(trx: Kysely<Database>, dialect: DialectName, at: Date, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const iso = at.toISOString();
  if (dialect === 'postgres') {
    const pending = entries.map((e) => ({ at: iso, actor: e.actor, action: e.action, subject: e.subject, detail: canonicalJson(e.detail) }));
    await trx.insertInto('audit_pending').values(pending).execute();
    return;
  }
  await appendToChain(
    trx,
    entries.map((entry) => ({ at: iso, entry, detailText: canonicalJson(entry.detail) })),
  );
}

/** An entry about to be chained: its time, the entry, and its detail as the RFC 8785 text stored. */
export interface ChainInput {
  at: string;
  entry: AuditEntry;
  detailText: string;
}

/**
 * Appends entries after the chain's last one, in order, each hash covering the one before. The
 * caller is the only one appending: SQLite's single writer, or the sealer under the chain's lock.
 */
export async function appendToChain(trx: Kysely<Database>, inputs: readonly ChainInput[]): Promise<void> {
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const rows = inputs.map(({ at, entry, detailText }) => {
    seq++;
    const hash = entryHash(prev, seq, at, entry);
    const row = { seq, at, actor: entry.actor, action: entry.action, subject: entry.subject, detail: detailText, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  await trx.insertInto('audit_log').values(rows).execute();
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  /** The first entry whose hash or link does not hold. */
  firstBroken?: { seq: number; reason: string };
  /** Entries committed but waiting more than a minute to be chained (PostgreSQL): sealing fails. */
  stalePending?: { count: number; oldestAt: string };
}

export async function verifyAuditChain(db: Kysely<Database>, now = new Date()): Promise<AuditVerdict> {
  const chain = await verifyChainedEntries(db);
  const stalePending = await stalePendingEntries(db, now);
  return stalePending ? { ...chain, stalePending } : chain;
}

async function stalePendingEntries(db: Kysely<Database>, now: Date): Promise<AuditVerdict['stalePending']> {
  const before = new Date(now.getTime() - STALE_PENDING_MS).toISOString();
  const stale = await db
    .selectFrom('audit_pending')
    .select([(eb) => eb.fn.countAll<string | number>().as('count'), (eb) => eb.fn.min('at').as('oldestAt')])
    .where('at', '<', before)
    .executeTakeFirst();
  const count = Number(stale?.count ?? 0);
  return count > 0 ? { count, oldestAt: stale!.oldestAt! } : undefined;
}

async function verifyChainedEntries(db: Kysely<Database>): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  const pageSize = 5000;
  for (let after = 0; ;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    for (const row of rows) {
      entries++;
      if (row.seq !== expectedSeq) return { ok: false, entries, firstBroken: { seq: row.seq, reason: `expected entry ${expectedSeq}: an entry is missing` } };
      if (row.prev_hash !== prev) return { ok: false, entries, firstBroken: { seq: row.seq, reason: 'does not link to the entry before it' } };
      let detail: Record<string, unknown>;
      try {
        detail = JSON.parse(row.detail) as Record<string, unknown>;
      } catch {
        return { ok: false, entries, firstBroken: { seq: row.seq, reason: 'detail is not JSON' } };
      }
      if (entryHash(prev, row.seq, row.at, { actor: row.actor, action: row.action, subject: row.subject, detail }) !== row.hash) {
        return { ok: false, entries, firstBroken: { seq: row.seq, reason: 'content does not match its hash' } };
      }
      prev = row.hash;
      expectedSeq++;
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
  }
  return { ok: true, entries };
}
