import { readFileSync, readdirSync } from 'node:fs';

/**
 * Per-thread CPU accounting from Linux's scheduler statistics: how long each thread ran, and how
 * long it was ready to run but waited for a core. On a machine where the card thread, the client
 * and the service share the cores, the card thread's waiting time is what a batch loses to the
 * others (`BENCH_SCHED=1 npm run bench -- --only re-sign`). Empty where there is no /proc.
 */
export type ThreadTimes = Map<string, { runMs: number; waitMs: number }>;

export function threadTimes(pid: number | 'self'): ThreadTimes {
  const times: ThreadTimes = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run = 0, wait = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      times.set(`${name}/${tid}`, { runMs: run / 1e6, waitMs: wait / 1e6 });
    }
  } catch {
    // not Linux, or the process is gone
  }
  return times;
}

/** "thread: ran X ms, waited Y ms" for each thread that did anything in between, busiest first. */
export function describeThreadTimes(label: string, before: ThreadTimes, after: ThreadTimes): string {
  const lines = [...after]
    .map(([thread, t]) => ({ thread, runMs: t.runMs - (before.get(thread)?.runMs ?? 0), waitMs: t.waitMs - (before.get(thread)?.waitMs ?? 0) }))
    .filter((t) => t.runMs >= 1 || t.waitMs >= 1)
    .sort((a, b) => b.runMs - a.runMs)
    .map((t) => `  ${t.thread}: ran ${t.runMs.toFixed(0)} ms, waited for a core ${t.waitMs.toFixed(0)} ms`);
  return [`${label}:`, ...lines].join('\n');
}
