/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export async function rate(fn: () => unknown | Promise<unknown>, ms = 1500, warmup = 200): Promise<number> {
  const until = (end: number) => performance.now() < end;
  for (const end = performance.now() + warmup; until(end);) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (until(end)) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

/** The same, for synchronous work (no await per call, which would dominate a microsecond operation). */
export function rateSync(fn: () => unknown, ms = 1500, warmup = 200): number {
  for (const end = performance.now() + warmup; performance.now() < end;) fn();
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return (n * 1000) / (performance.now() - start);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface BenchRow {
  name: string;
  figure: number;
  unit: string;
  /** The limit or baseline it is held against. */
  against: string;
  limit: number;
  /** figure / limit, or limit / figure where smaller is better. */
  ratio: number;
  pass: boolean;
  detail?: Record<string, number | string>;
}

export function higherIsBetter(name: string, figure: number, unit: string, against: string, limit: number, detail?: BenchRow['detail']): BenchRow {
  return { name, figure, unit, against, limit, ratio: figure / limit, pass: figure >= limit, detail };
}

export function lowerIsBetter(name: string, figure: number, unit: string, against: string, limit: number, detail?: BenchRow['detail']): BenchRow {
  // A figure of zero (no growth at all) is as good as it gets; keep the ratio a finite number for the JSON.
  return { name, figure, unit, against, limit, ratio: figure > 0 ? limit / figure : 999, pass: figure < limit, detail };
}

/** A figure that may reach its limit but not pass it. */
export function atMost(name: string, figure: number, unit: string, against: string, limit: number, detail?: BenchRow['detail']): BenchRow {
  return { name, figure, unit, against, limit, ratio: figure > 0 ? limit / figure : 999, pass: figure <= limit, detail };
}

/**
 * A figure reported for information, not held to a limit: its ratio to a baseline measured in the
 * same run says how it moved with the host. It fails only where `ok` says the run itself went wrong.
 */
export function information(
  name: string,
  figure: number,
  unit: string,
  baseline: { what: string; value: number } | undefined,
  ok: boolean,
  detail?: BenchRow['detail'],
): BenchRow {
  const against = baseline
    ? `information; ${baseline.what} (${baseline.value.toFixed(0)}${unit === 'sends/s' ? '/s' : ` ${unit}`})`
    : 'information (no baseline in this run)';
  return { name, figure, unit, against, limit: baseline?.value ?? 0, ratio: baseline ? figure / baseline.value : 0, pass: ok, detail };
}
