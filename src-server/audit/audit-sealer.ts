import { sql } from 'kysely';
import type { WriteRunner } from '../storage/group-commit.js';
import { appendToChain, AUDIT_LOCK_KEY } from './audit-log.js';

/**
 * Chains pending audit entries (PostgreSQL). An audited write commits its entries into
 * audit_pending with its change, taking no lock; a round of sealing then moves every pending
 * entry, in id order, into audit_log with its seq, prev_hash and hash, under the advisory lock
 * that every instance sharing the database takes: many writes' entries share one lock hold and
 * one WAL flush, and the chain stays one line whichever instance seals. Writes start a round
 * after their commit without waiting for it; readers of the chain wait for one (`Storage.sealAudit`).
 */
export type AuditSealer = () => Promise<void>;

/** Enough entries per transaction to amortise it; few enough that the lock is held briefly. */
const PAGE = 500;

/**
 * One round at a time per process. A call while a round runs waits for the next round, not the
 * running one: its entry may have committed after the running round read the pending rows. At
 * most one round is queued; every call during a round shares it. A round that fails is reported
 * to `onFailure` and its entries stay pending for the next round: the calls still resolve, since
 * the writes they follow have committed. So a call resolves once every entry committed before it
 * is chained (unless a round failed: the chain check then reports them as they wait).
 */
export function auditSealer(inTransaction: WriteRunner, onFailure: (error: unknown) => void): AuditSealer {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const start = (): Promise<void> => {
    const round: Promise<void> = sealPending(inTransaction)
      .catch(onFailure)
      .finally(() => {
        if (running === round) running = undefined;
      });
    running = round;
    return round;
  };

  return () => {
    if (queued) return queued;
    if (!running) return start();
    queued = running.then(() => {
      queued = undefined;
      return start();
    });
    return queued;
  };
}

/** Seals every entry pending now, a page per short transaction, until none is left. */
export async function sealPending(inTransaction: WriteRunner): Promise<void> {
  while ((await sealPage(inTransaction)) === PAGE);
}

/** One transaction of its own (`inTransaction` must not itself seal: that would recurse). */
async function sealPage(inTransaction: WriteRunner): Promise<number> {
  return inTransaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
    // Read after the lock: the last round's commit is visible (read committed, a snapshot per statement).
    const pending = await trx.selectFrom('audit_pending').selectAll().orderBy('id').limit(PAGE).execute();
    if (pending.length === 0) return 0;
    await appendToChain(
      trx,
      pending.map((p) => ({
        at: p.at,
        entry: { actor: p.actor, action: p.action, subject: p.subject, detail: JSON.parse(p.detail) as Record<string, unknown> },
        detailText: p.detail,
      })),
    );
    await trx
      .deleteFrom('audit_pending')
      .where(
        'id',
        'in',
        pending.map((p) => p.id),
      )
      .execute();
    return pending.length;
  });
}
