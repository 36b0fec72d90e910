import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** A unit of writes that must apply whole or not at all. It must only touch the database. */
export type WriteUnit<T> = (trx: Transaction<Database>) => Promise<T>;

/** Applies write units atomically, each one or with others, and settles each after its commit. */
export type WriteRunner = <T>(unit: WriteUnit<T>) => Promise<T>;

/**
 * PostgreSQL: one transaction per unit; the server groups concurrent commits into one WAL flush
 * itself. After the commit, `afterCommit` (the audit sealer) is started and not waited for: the
 * unit's audit entries are committed with it, and waiting for their chaining put a round of the
 * chain's lock into every answer (the p99 of sends, docs/benchmarks.md). Readers of the chain
 * seal first instead (`Storage.sealAudit`). It must never reject: the unit has committed.
 */
export function transactionPerUnit(db: Kysely<Database>, afterCommit?: () => Promise<void>): WriteRunner {
  return async (unit) => {
    const value = await db.transaction().execute(unit);
    void afterCommit?.();
    return value;
  };
}

interface Queued {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Enough to amortise the commit; small enough that one batch is a few milliseconds at most. */
const MOST_UNITS_PER_COMMIT = 64;

/**
 * Group commit for SQLite. One connection serialises every transaction, and each commit appends
 * its pages to the WAL and syncs it: with many clerks sending at once that sync, not the work,
 * would set the pace. Units queued in the same turn of the event loop are applied in one
 * transaction, each inside its own savepoint, so that a unit that fails (a lost race, a duplicate
 * key) is rolled back alone and reports its own error, while the others commit together with one
 * sync. No unit is reported applied before the commit that carries it; if that commit fails,
 * every unit in it fails and nothing of it was applied.
 */
export function groupCommit(db: Kysely<Database>, onBatch?: (units: number) => void): WriteRunner {
  let queue: Queued[] = [];
  let scheduled = false;

  const flush = async () => {
    scheduled = false;
    const batch = queue.slice(0, MOST_UNITS_PER_COMMIT);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const queued of batch) {
          await sql`savepoint write_unit`.execute(trx);
          try {
            const value = await queued.unit(trx);
            await sql`release write_unit`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to write_unit`.execute(trx);
            await sql`release write_unit`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    onBatch?.(batch.length);
    batch.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // After the I/O callbacks of this turn: every request read in it has queued its unit by then.
    setImmediate(() => void flush());
  };

  return <T>(unit: WriteUnit<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ unit, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}
