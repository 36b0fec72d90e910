import { taiwanDay } from '../src-shared/common/roc-date';

/** `115/01` (ROC year/month, as the console shows months) → `2026-01` (as the service takes them); null when not such a month. */
export function isoMonthOf(rocMonth: string): string | null {
  const m = /^(\d{2,3})\/(\d{1,2})$/.exec(rocMonth.trim());
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return `${Number(m[1]) + 1911}-${String(month).padStart(2, '0')}`;
}

/** `2026-01` → `115/01`. */
export function rocMonthOf(isoMonth: string): string {
  const [year, month] = isoMonth.split('-');
  return `${Number(year) - 1911}/${month}`;
}

/** This month and the `count - 1` before it, in Taiwan time, as ROC months: the statistics page's first range. */
export function lastMonths(count: number, now = new Date()): { from: string; to: string } {
  const today = taiwanDay(now);
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const first = new Date(Date.UTC(year, month - count, 1));
  return { from: rocMonthOf(first.toISOString().slice(0, 7)), to: rocMonthOf(today.slice(0, 7)) };
}
