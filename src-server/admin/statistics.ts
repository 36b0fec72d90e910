import type { Statistics, StatisticsQuery, StatisticsRow } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';
import { monthInTaiwan, tempSignedFigures, type TempSignedRow } from '../organisation/monthly-figures.js';

const DAY_MS = 86_400_000;
export const MAX_STATISTICS_MONTHS = 24;

/** The months from `from` to `to`, both included (YYYY-MM). */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  for (let at = from; at <= to; ) {
    months.push(at);
    if (months.length > MAX_STATISTICS_MONTHS) break;
    month = month === 12 ? 1 : month + 1;
    if (month === 1) year++;
    at = `${year}-${String(month).padStart(2, '0')}`;
  }
  return months;
}

/**
 * 統計 by month (Taiwan time) and unit (the unit each step was signed in, as the monthly figures
 * count): steps signed and sent, the share signed with a temp cert, and for the temp-signed ones
 * the monthly figures (re-signed by the signer / on behalf / on paper, pending, overdue, median
 * and p90 days to 補簽). Two queries a month, each over the `steps_sent` index's range.
 */
export async function statistics(ctx: ServiceContext, query: StatisticsQuery): Promise<Statistics> {
  const months = monthsBetween(query.from, query.to);
  if (query.to < query.from || months.length > MAX_STATISTICS_MONTHS) throw new GongwenError('STATISTICS_RANGE_INVALID', `${query.from} to ${query.to}`);
  const { db } = ctx.storage;
  const now = ctx.now();
  const overdueBefore = new Date(now.getTime() - ctx.policy.resign.overdueAfterDays * DAY_MS).toISOString();
  const units = await db.selectFrom('units').select(['id', 'name']).$if(query.unit !== undefined, (q) => q.where('id', '=', query.unit!)).orderBy('id').execute();
  if (query.unit && units.length === 0) throw new GongwenError('UNIT_UNKNOWN', query.unit);
  const rows: StatisticsRow[] = [];
  for (const month of months) {
    const [from, to] = monthInTaiwan(month);
    const signed = await db
      .selectFrom('steps as s')
      .select(['s.unit_id'])
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('s.sent_at', '>=', from)
      .where('s.sent_at', '<', to)
      .$if(query.unit !== undefined, (q) => q.where('s.unit_id', '=', query.unit!))
      .groupBy('s.unit_id')
      .execute();
    const temp = await db
      .selectFrom('steps as s')
      .select(['s.unit_id', 's.sent_at', 's.resigned_at', 's.resign_kind as kind'])
      .where('s.sent_at', '>=', from)
      .where('s.sent_at', '<', to)
      .where('s.temp_cert_used', '=', 1)
      .$if(query.unit !== undefined, (q) => q.where('s.unit_id', '=', query.unit!))
      .execute();
    const tempByUnit = new Map<string, TempSignedRow[]>();
    for (const t of temp) tempByUnit.set(t.unit_id, [...(tempByUnit.get(t.unit_id) ?? []), t]);
    for (const unit of units) {
      const stepsSigned = Number(signed.find((s) => s.unit_id === unit.id)?.n ?? 0);
      const figures = tempSignedFigures(tempByUnit.get(unit.id) ?? [], overdueBefore);
      rows.push({
        unitId: unit.id,
        unitName: unit.name,
        month,
        asOf: now.toISOString(),
        stepsSigned,
        tempShare: stepsSigned === 0 ? null : Math.round((figures.tempSigned / stepsSigned) * 1000) / 1000,
        ...figures,
      });
    }
  }
  return { asOf: now.toISOString(), rows };
}

const CSV_COLUMNS = [
  ['month', '月份'],
  ['unitId', '單位代碼'],
  ['unitName', '單位'],
  ['stepsSigned', '簽核件數'],
  ['tempSigned', '臨時憑證簽核'],
  ['tempShare', '臨時憑證比例'],
  ['resignedSelf', '本人補簽'],
  ['resignedOnBehalf', '代為補簽'],
  ['resignedPaper', '紙本補簽'],
  ['pending', '待補簽'],
  ['overdue', '逾期未補簽'],
  ['medianDays', '補簽天數中位數'],
  ['p90Days', '補簽天數第90百分位'],
] as const;

/** The statistics as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese headers), one row per month and unit. */
export function statisticsCsv(stats: Statistics): Uint8Array {
  const cell = (v: string | number | null) => {
    const text = v === null ? '' : String(v);
    // Quoted always; a leading =, +, - or @ would be a formula to a spreadsheet program.
    return `"${(/^[=+\-@]/.test(text) && typeof v === 'string' ? `'${text}` : text).replaceAll('"', '""')}"`;
  };
  const lines = [CSV_COLUMNS.map(([, zh]) => cell(zh)).join(',')];
  for (const r of stats.rows) {
    const values: Record<(typeof CSV_COLUMNS)[number][0], string | number | null> = {
      month: r.month,
      unitId: r.unitId,
      unitName: r.unitName,
      stepsSigned: r.stepsSigned,
      tempSigned: r.tempSigned,
      tempShare: r.tempShare,
      resignedSelf: r.resigned.self,
      resignedOnBehalf: r.resigned.onBehalf,
      resignedPaper: r.resigned.paper,
      pending: r.pending,
      overdue: r.overdue,
      medianDays: r.daysToResign.median,
      p90Days: r.daysToResign.p90,
    };
    lines.push(CSV_COLUMNS.map(([key]) => cell(values[key])).join(','));
  }
  return new TextEncoder().encode('\uFEFF' + lines.join('\r\n') + '\r\n');
}
