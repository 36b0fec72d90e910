import { sql, type Kysely } from 'kysely';
import type { MonthlyFigures } from '../../src-shared/common/api/organisation.js';
import type { ResignPolicy } from '../../src-shared/common/api/policy.js';
import type { Database } from '../storage/schema.js';

const DAY_MS = 86_400_000;

/** How a step was re-signed: the agreed values of steps.resign_kind (migration 0050). */
export type ResignKind = 'self' | 'on-behalf' | 'paper';

/**
 * The monthly report of a unit (線上簽核統計): the steps sent with a temp certificate from the
 * unit (steps.unit_id, the unit the step was taken in, so a person who moved on is still counted
 * where they signed) within the month in Taiwan's time, and what has become of them as of `now`:
 * re-signed by each kind, pending, overdue; and the median and 90th percentile of the days from
 * sending to 補簽 (nearest rank, to one decimal).
 *
 * `month` is an ISO month, `2026-11`.
 */
export async function monthlyFigures(
  db: Kysely<Database>,
  policy: Pick<ResignPolicy, 'overdueAfterDays'>,
  unitId: string,
  month: string,
  now: Date,
): Promise<MonthlyFigures> {
  const [from, to] = monthInTaiwan(month);
  const withKind = await hasResignKind(db);
  const rows = await db
    .selectFrom('steps as s')
    .select(['s.sent_at', 's.resigned_at'])
    // Until migration 0050 every re-sign was the signer's own; after it, the column says.
    .select(withKind ? sql<string | null>`s.resign_kind`.as('kind') : sql<string | null>`null`.as('kind'))
    .where('s.unit_id', '=', unitId)
    .where('s.temp_cert_used', '=', 1)
    .where('s.sent_at', '>=', from)
    .where('s.sent_at', '<', to)
    .execute();
  const overdueBefore = new Date(now.getTime() - policy.overdueAfterDays * DAY_MS).toISOString();
  return { unitId, month, asOf: now.toISOString(), ...tempSignedFigures(rows, overdueBefore) };
}

/** A temp-signed step as the figures count it: when sent, when (and how) re-signed. */
export interface TempSignedRow {
  sent_at: string | null;
  resigned_at: string | null;
  kind: string | null;
}

/** The figures of a set of temp-signed steps: re-signed by kind, pending, overdue (sent before `overdueBefore`), days to 補簽. */
export function tempSignedFigures(
  rows: readonly TempSignedRow[],
  overdueBefore: string,
): Pick<MonthlyFigures, 'tempSigned' | 'resigned' | 'pending' | 'overdue' | 'daysToResign'> {
  const resigned: Record<ResignKind, number> = { self: 0, 'on-behalf': 0, paper: 0 };
  const days: number[] = [];
  let pending = 0;
  let overdue = 0;
  for (const r of rows) {
    if (r.resigned_at === null) {
      pending++;
      if (r.sent_at! < overdueBefore) overdue++;
      continue;
    }
    resigned[kindOf(r.kind)]++;
    days.push((Date.parse(r.resigned_at) - Date.parse(r.sent_at!)) / DAY_MS);
  }
  days.sort((a, b) => a - b);
  return {
    tempSigned: rows.length,
    resigned: { self: resigned.self, onBehalf: resigned['on-behalf'], paper: resigned.paper },
    pending,
    overdue,
    daysToResign: { median: nearestRank(days, 0.5), p90: nearestRank(days, 0.9) },
  };
}

function kindOf(value: string | null): ResignKind {
  return value === 'on-behalf' || value === 'paper' ? value : 'self';
}

/** The nearest-rank percentile (the smallest value with at least p of the values at or below it), to one decimal. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return Math.round(value * 10) / 10;
}

/** The month's first instant and the next month's, in Taiwan's time, as ISO UTC text. */
export function monthInTaiwan(month: string): [string, string] {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const start = new Date(`${month}-01T00:00:00+08:00`);
  const next = new Date(`${m === 12 ? year + 1 : year}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01T00:00:00+08:00`);
  return [start.toISOString(), next.toISOString()];
}

/** Whether steps.resign_kind exists yet (it arrives with migration 0050); asked once per database. */
const resignKindKnown = new WeakMap<Kysely<Database>, boolean>();
export async function hasResignKind(db: Kysely<Database>): Promise<boolean> {
  const known = resignKindKnown.get(db);
  if (known !== undefined) return known;
  const tables = await db.introspection.getTables();
  const found = tables.some((t) => t.name === 'steps' && t.columns.some((c) => c.name === 'resign_kind'));
  // Only a found column is remembered: a service that runs migration 0050 later asks again.
  if (found) resignKindKnown.set(db, true);
  return found;
}
