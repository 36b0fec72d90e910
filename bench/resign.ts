import { execFileSync } from 'node:child_process';
import { benchProfileFlags, startServiceProcess, type ServiceProcess } from '../test/helpers/http-service.js';
import type { VirtualCard } from '../tools/virtual-card.js';
import { virtualCardFor } from '../test/helpers/virtual-card.js';
import { higherIsBetter, lowerIsBetter, type BenchRow } from './lib/measure.js';
import { enableTempCert, loginClerk, tempSignedSteps } from './lib/world.js';

function bareSignRate(modulePath: string, pin: string, conf: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/bare-sign.ts', modulePath, pin, '3'], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    encoding: 'utf8',
  });
  return (JSON.parse(out.trim().split('\n').pop()!) as { rate: number }).rate;
}

/** One cold 補簽 batch and its baseline. */
export interface ResignRun {
  rate: number;
  bare: number;
  seconds: number;
}

/** A service with `steps` temp-signed steps of vendor's waiting for 補簽, and the virtual card. */
export async function withPendingSteps<T>(
  steps: number,
  run: (service: ServiceProcess, card: VirtualCard) => Promise<T>,
  serviceEnv?: Record<string, string>,
): Promise<T> {
  const service = await startServiceProcess('sqlite', { env: serviceEnv });
  try {
    const card = await virtualCardFor('vendor');
    const clerk = await loginClerk(service.url, 'vendor');
    await enableTempCert(clerk);
    await tempSignedSteps(clerk, 'yeh.yenchih', steps);
    return await run(service, card);
  } finally {
    await service.stop();
  }
}

/** The clerk's client (`bench/resign-client.ts`) re-signing what waits, in a process of its own; its JSON line. */
export function resignClient(
  what: 'rate' | 'memory' | 'hicos' | 'hicos-cancel',
  service: ServiceProcess,
  card: VirtualCard,
  env: Record<string, string> = {},
): unknown {
  // BENCH_PROFILE=1: the client is profiled too, in /tmp/prof-client.
  const out = execFileSync(
    process.execPath,
    [
      ...benchProfileFlags('/tmp/prof-client'),
      '--expose-gc',
      '--import',
      'tsx',
      'bench/resign-client.ts',
      what,
      service.url,
      'vendor',
      'gongwen-demo',
      card.modulePath,
      card.pin,
      String(service.pid ?? 0),
    ],
    {
      env: { ...process.env, SOFTHSM2_CONF: card.conf, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

/**
 * 補簽 of 500 temp-signed steps with the virtual card (one PIN, countersign, upload, verified and
 * stored by the service) on a service started for it, and a bare C_Sign loop on the same token.
 * The client is a process of its own that does nothing but what the app does before a batch
 * (logged in, card thread started), as cold as a clerk's first batch after the service starts:
 * the client's code, the service's, both. The test data are made by this process.
 */
export async function resignRun(serviceEnv?: Record<string, string>): Promise<ResignRun> {
  return withPendingSteps(
    500,
    async (service, card) => {
      const bare = bareSignRate(card.modulePath, card.pin, card.conf);
      const { resigned, seconds } = resignClient('rate', service, card) as { resigned: number; seconds: number };
      if (resigned !== 500) throw new Error(`re-signed ${resigned} of 500`);
      return { rate: 500 / seconds, bare, seconds };
    },
    serviceEnv,
  );
}

/**
 * Information, not a target: SoftHSM signs about a thousand times faster than a HiCOS card, so this
 * ratio moves with the host and no clerk can feel it (docs/benchmarks.md). It is held only to a
 * floor of 0.6 of the bare C_Sign rate, measured in the same run. The figure is the run whose share
 * of its own bare rate is the median of the runs.
 */
export function resignRow(runs: readonly ResignRun[]): BenchRow {
  const ofBare = (r: ResignRun) => r.rate / r.bare;
  const sorted = [...runs].sort((a, b) => ofBare(a) - ofBare(b));
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return higherIsBetter(
    're-sign 500 steps on SoftHSM (information)',
    median.rate,
    'steps/s',
    `floor 0.6 × bare C_Sign (${median.bare.toFixed(0)}/s)`,
    0.6 * median.bare,
    {
      bareCSign: Math.round(median.bare),
      ofBare: Number(ofBare(median).toFixed(2)),
      seconds: Number(median.seconds.toFixed(2)),
      runs: runs.length,
      ofBareEachRun: runs.map((r) => ofBare(r).toFixed(2)).join(' '),
    },
  );
}

/** The client's resident memory while re-signing 5,000 steps, in a client process of its own. */
export async function resignMemoryRow(): Promise<BenchRow> {
  return withPendingSteps(5000, async (service, card) => {
    const memory = resignClient('memory', service, card) as { resigned: number; beforeMb: number; peakMb: number; heapBeforeMb: number; heapAfterMb: number };
    if (memory.resigned !== 5000) throw new Error(`re-signed ${memory.resigned} of 5000`);
    return lowerIsBetter('memory growth re-signing 5,000 steps (client process)', memory.peakMb - memory.beforeMb, 'MB', '50 MB', 50, {
      rssBeforeMb: Math.round(memory.beforeMb),
      rssPeakMb: Math.round(memory.peakMb),
      liveHeapBeforeMb: Number(memory.heapBeforeMb.toFixed(1)),
      liveHeapAfterMb: Number(memory.heapAfterMb.toFixed(1)),
    });
  });
}
