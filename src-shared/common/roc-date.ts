/**
 * Dates as the 公文 system writes them: the ROC (民國) calendar, Taiwan time, `103/05/27 17:24`.
 * Taiwan has had one offset (UTC+8) and no daylight saving since 1980, so a fixed offset is exact
 * for every date this system can hold and costs nothing per row of a long inbox.
 */
const TAIWAN_OFFSET_MS = 8 * 60 * 60 * 1000;
const ROC_EPOCH_YEAR = 1911;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function taiwanParts(instant: Date | string | number) {
  const t = new Date(new Date(instant).getTime() + TAIWAN_OFFSET_MS);
  return {
    rocYear: t.getUTCFullYear() - ROC_EPOCH_YEAR,
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
  };
}

/** `103/05/27 17:24`; an empty string for no date (the flow table leaves such cells blank). */
export function formatRocDateTime(instant: Date | string | number | null | undefined): string {
  if (instant === null || instant === undefined || instant === '') return '';
  const p = taiwanParts(instant);
  return `${p.rocYear}/${pad2(p.month)}/${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** `103/05/27` */
export function formatRocDate(instant: Date | string | number): string {
  const p = taiwanParts(instant);
  return `${p.rocYear}/${pad2(p.month)}/${pad2(p.day)}`;
}

/** The calendar day of an instant in Taiwan, `2014-05-27`: how deputy ranges and monthly reports count days. */
export function taiwanDay(instant: Date | string | number): string {
  return new Date(new Date(instant).getTime() + TAIWAN_OFFSET_MS).toISOString().slice(0, 10);
}

/** The ROC year of an instant, in Taiwan time (2014 → 103). */
export function rocYearOf(instant: Date | string | number): number {
  return taiwanParts(instant).rocYear;
}

/**
 * Parses `103/05/27 17:24` (Taiwan time) back to an instant; `null` when the text is not such a
 * date. Used for search filters and for the seed data.
 */
export function parseRocDateTime(text: string): Date | null {
  const m = /^(\d{2,3})\/(\d{2})\/(\d{2})(?: (\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0'].map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const utc = Date.UTC(year + ROC_EPOCH_YEAR, month - 1, day, hour, minute) - TAIWAN_OFFSET_MS;
  const back = taiwanParts(utc);
  if (back.day !== day || back.month !== month) return null; // 02/30 and the like
  return new Date(utc);
}

/**
 * 公文處理時間: how long a step was held, as `HH:MM` (hours may exceed 24). A step not yet
 * received or not yet sent reads `00:00`, as in the source document's flow table.
 */
export function formatProcessingTime(receivedAt: Date | string | null | undefined, sentAt: Date | string | null | undefined): string {
  if (!receivedAt || !sentAt) return '00:00';
  const minutes = Math.max(0, Math.floor((new Date(sentAt).getTime() - new Date(receivedAt).getTime()) / 60_000));
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}
