import { higherIsBetter, information, type BenchRow } from './lib/measure.js';
import { resignClient, withPendingSteps } from './resign.js';
import { benchSends, serviceCpuMs } from './sends.js';

/** The bench-only switch that takes no time-stamps (README's configuration reference). */
const WITHOUT = { GONGWEN_BENCH_WITHOUT_TIME_STAMPS: '1' };
/** Runs of each side, alternated (without, with, without, with, …). */
const REPEATS = 3;

/** One run's figures: its rate, and the service's CPU time per send or per re-signed step. */
interface Run {
  perSecond: number;
  cpuMsPerItem: number;
}

/**
 * What CAdES-T time-stamping (the built-in TSA) costs, in one run: the same work on a service with
 * time-stamping and on one with it switched off by the bench-only switch, alternated so that a
 * machine that slows down during the run weighs on both alike, REPEATS times each.
 *
 * The held figure is the ratio of the medians of the service's CPU time per item (without ÷ with:
 * how many sends a core carries with time-stamps, as a share of without). It is read from the
 * service process itself, so other work on the machine does not move it, where the rate on a
 * shared two-core host moves by ±15 % between runs of the same code. The ratio of the medians of
 * the rates is reported beside it, for information. Held to 0.9.
 */
export async function timeStampCostRows(): Promise<BenchRow[]> {
  const sends = async (serviceEnv?: Record<string, string>): Promise<Run> => {
    const [capacity] = await benchSends('sqlite', { rate: 200, perClient: 40, serviceEnv });
    return { perSecond: capacity!.figure, cpuMsPerItem: Number(capacity!.detail?.serviceCpuMsPerSend) };
  };
  const resigns = (serviceEnv?: Record<string, string>): Promise<Run> =>
    withPendingSteps(
      500,
      async (service, card) => {
        const before = serviceCpuMs(service);
        const { resigned, seconds } = resignClient('rate', service, card) as { resigned: number; seconds: number };
        if (resigned !== 500) throw new Error(`re-signed ${resigned} of 500`);
        return { perSecond: 500 / seconds, cpuMsPerItem: (serviceCpuMs(service) - before) / 500 };
      },
      serviceEnv,
    );
  return [
    ...(await compared('HTTP sends with time-stamps ÷ without (SQLite, 64 clients)', 'send', sends)),
    ...(await compared('re-sign 500 steps with time-stamps ÷ without (SQLite)', 'step', resigns)),
  ];
}

async function compared(name: string, item: string, measure: (serviceEnv?: Record<string, string>) => Promise<Run>): Promise<BenchRow[]> {
  const without: Run[] = [];
  const stamped: Run[] = [];
  for (let i = 0; i < REPEATS; i++) {
    without.push(await measure(WITHOUT));
    stamped.push(await measure());
    // Each pair as it comes: a long run cut short still shows what it measured.
    const [w, s] = [without.at(-1)!, stamped.at(-1)!];
    console.log(
      `  ${name}: without ${w.perSecond.toFixed(1)}/s ${w.cpuMsPerItem.toFixed(3)} ms CPU/${item}, with ${s.perSecond.toFixed(1)}/s ${s.cpuMsPerItem.toFixed(3)} ms CPU/${item}`,
    );
  }
  const cpu = median(without.map((r) => r.cpuMsPerItem)) / median(stamped.map((r) => r.cpuMsPerItem));
  const rate = median(stamped.map((r) => r.perSecond)) / median(without.map((r) => r.perSecond));
  const detail = {
    withPerSecond: stamped.map((r) => r.perSecond.toFixed(1)).join(' '),
    withoutPerSecond: without.map((r) => r.perSecond.toFixed(1)).join(' '),
    [`withCpuMsPer${capital(item)}`]: stamped.map((r) => r.cpuMsPerItem.toFixed(3)).join(' '),
    [`withoutCpuMsPer${capital(item)}`]: without.map((r) => r.cpuMsPerItem.toFixed(3)).join(' '),
  };
  return [
    higherIsBetter(`${name}, service CPU per ${item}`, cpu, '×', `0.9 × without, medians of ${REPEATS} alternated runs`, 0.9, detail),
    information(`${name}, ${item}s a second`, rate, '×', undefined, true, { ratioOfMedians: rate.toFixed(2) }),
  ];
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const capital = (word: string) => word[0]!.toUpperCase() + word.slice(1);
