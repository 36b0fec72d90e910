import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { canonicalJson } from '../../src-shared/common/canonical-json.js';
import type { DialectName } from '../storage/database.js';
import type { Database } from '../storage/schema.js';

/**
 * The audit log: every action appended in the same transaction as the change it records, each
 * entry carrying the SHA-256 of the one before, so that an edited, removed or reordered entry
 * breaks the chain at that point.
 */
export interface AuditEntry {
  actor: string | null;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appends across service instances sharing one PostgreSQL. */
const AUDIT_LOCK_KEY = 727_001;

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

/** Several entries in one statement, chained in order (a re-sign batch: one entry per step). */
export async function appendAuditEntries(trx: Kysely<Database>, dialect: DialectName, at: Date, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const iso = at.toISOString();
  const rows = entries.map((entry) => {
    seq++;
    const hash = entryHash(prev, seq, iso, entry);
    const row = { seq, at: iso, actor: entry.actor, action: entry.action, subject: entry.subject, detail: canonicalJson(entry.detail), prev_hash: prev, hash };
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
}

export async function verifyAuditChain(db: Kysely<Database>): Promise<AuditVerdict> {
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
