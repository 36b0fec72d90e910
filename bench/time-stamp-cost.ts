import { higherIsBetter, type BenchRow } from './lib/measure.js';
import { resignRun } from './resign.js';
import { benchSends } from './sends.js';

/** The bench-only switch that takes no time-stamps (README's configuration reference). */
const WITHOUT = { GONGWEN_BENCH_WITHOUT_TIME_STAMPS: '1' };

/**
 * What CAdES-T time-stamping (the built-in TSA) costs, in one run: the same work on a service with
 * time-stamping and on one with it switched off by the bench-only switch, alternated (without,
 * with, without, with) so a machine that slows down during the run weighs on both alike; each
 * side's figure is the better of its two. Held to 0.9 × without.
 */
export async function timeStampCostRows(): Promise<BenchRow[]> {
  const sends = (serviceEnv?: Record<string, string>) => benchSends('sqlite', { rate: 200, perClient: 40, serviceEnv }).then(([capacity]) => capacity!.figure);
  const resigns = (serviceEnv?: Record<string, string>) => resignRun(serviceEnv).then((r) => r.rate);
  return [
    await compared('HTTP sends with time-stamps ÷ without (SQLite, 64 clients)', sends),
    await compared('re-sign 500 steps with time-stamps ÷ without (SQLite)', resigns),
  ];
}

async function compared(name: string, measure: (serviceEnv?: Record<string, string>) => Promise<number>): Promise<BenchRow> {
  const without: number[] = [];
  const stamped: number[] = [];
  for (let i = 0; i < 2; i++) {
    without.push(await measure(WITHOUT));
    stamped.push(await measure());
    // Each pair as it comes: a long run cut short still shows what it measured.
    console.log(`  ${name}: without ${without.at(-1)!.toFixed(1)}/s, with ${stamped.at(-1)!.toFixed(1)}/s`);
  }
  const best = (xs: number[]) => Math.max(...xs);
  return higherIsBetter(name, best(stamped) / best(without), '×', '0.9 × without, same run', 0.9, {
    withPerSecond: stamped.map((x) => x.toFixed(1)).join(' '),
    withoutPerSecond: without.map((x) => x.toFixed(1)).join(' '),
  });
}
