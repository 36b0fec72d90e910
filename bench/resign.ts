import { execFileSync } from 'node:child_process';
import { CardService } from '../src-main/card/card-service.js';
import { runResignBatch } from '../src-main/signing/resign-batch.js';
import { startServiceProcess } from '../test/helpers/http-service.js';
import { virtualCardFor } from '../test/helpers/virtual-card.js';
import { higherIsBetter, lowerIsBetter, type BenchRow } from './lib/measure.js';
import { describeThreadTimes, threadTimes } from './lib/thread-times.js';
import { enableTempCert, loginClerk, tempSignedSteps } from './lib/world.js';

function bareSignRate(modulePath: string, pin: string, conf: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/bare-sign.ts', modulePath, pin, '3'], { env: { ...process.env, SOFTHSM2_CONF: conf }, encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { rate: number }).rate;
}

/** One cold 補簽 batch and its baseline, as `bench/resign-main.ts rate` prints it. */
export interface ResignRun {
  rate: number;
  bare: number;
  seconds: number;
}

/**
 * 補簽 of 500 temp-signed steps with the virtual card (one PIN, countersign, upload, verified and
 * stored by the service) on a service started for it, and a bare C_Sign loop on the same token.
 * Run in a process of its own (a PKCS#11 library's state is per process), so that every run is as
 * cold as a clerk's first batch after the service starts: the client's code, the service's, both.
 */
export async function resignRun(): Promise<ResignRun> {
  const service = await startServiceProcess();
  try {
    const card = await virtualCardFor('vendor');
    const bare = bareSignRate(card.modulePath, card.pin, card.conf);
    const clerk = await loginClerk(service.url, 'vendor');
    await enableTempCert(clerk);
    await tempSignedSteps(clerk, 'yeh.yenchih', 500);
    // The app starts its card thread at launch and keeps watching the reader; a batch begins with the PIN.
    const cardService = new CardService({ modulePath: card.modulePath, pollMs: 1000 });
    await cardService.status();
    const sched = process.env.BENCH_SCHED ? { client: threadTimes('self'), service: threadTimes(service.pid ?? 0) } : null;
    const start = performance.now();
    const report = await runResignBatch({ client: clerk.client, card: cardService, pin: card.pin, note: '基準測試補簽', chunkSize: 50 });
    const seconds = (performance.now() - start) / 1000;
    if (sched) {
      // The card thread is the client's busiest; V8's helper threads (compiling, collecting) are the rest.
      process.stderr.write(`re-sign batch of ${(seconds * 1000).toFixed(0)} ms\n${describeThreadTimes('client (card thread, main thread, V8 helpers)', sched.client, threadTimes('self'))}\n${describeThreadTimes('service', sched.service, threadTimes(service.pid ?? 0))}\n`);
    }
    await cardService.close();
    if (report.resigned !== 500) throw new Error(`re-signed ${report.resigned} of 500`);
    return { rate: 500 / seconds, bare, seconds };
  } finally {
    await service.stop();
  }
}

/**
 * The figure is the run whose share of its own bare rate is the median of the runs: one batch of
 * half a second moves by ±10 % with the machine alone, and every run is equally cold.
 */
export function resignRow(runs: readonly ResignRun[]): BenchRow {
  const ofBare = (r: ResignRun) => r.rate / r.bare;
  const sorted = [...runs].sort((a, b) => ofBare(a) - ofBare(b));
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return higherIsBetter('re-sign 500 steps (card, upload, service verifies)', median.rate, 'steps/s', `0.8 × bare C_Sign (${median.bare.toFixed(0)}/s)`, 0.8 * median.bare, {
    bareCSign: Math.round(median.bare),
    ofBare: Number(ofBare(median).toFixed(2)),
    seconds: Number(median.seconds.toFixed(2)),
    runs: runs.length,
    ofBareEachRun: runs.map((r) => ofBare(r).toFixed(2)).join(' '),
  });
}

/** The client's resident memory while re-signing 5,000 steps, in a client process of its own. */
export async function resignMemoryRow(): Promise<BenchRow> {
  const service = await startServiceProcess();
  try {
    const card = await virtualCardFor('vendor');
    const clerk = await loginClerk(service.url, 'vendor');
    await enableTempCert(clerk);
    await tempSignedSteps(clerk, 'yeh.yenchih', 5000);
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/resign-memory.ts', service.url, 'vendor', 'gongwen-demo', card.modulePath, card.pin], { env: { ...process.env, SOFTHSM2_CONF: card.conf }, encoding: 'utf8' });
    const memory = JSON.parse(out.trim().split('\n').pop()!) as { resigned: number; beforeMb: number; peakMb: number; heapBeforeMb: number; heapAfterMb: number };
    if (memory.resigned !== 5000) throw new Error(`re-signed ${memory.resigned} of 5000`);
    return lowerIsBetter('memory growth re-signing 5,000 steps (client process)', memory.peakMb - memory.beforeMb, 'MB', '50 MB', 50, { rssBeforeMb: Math.round(memory.beforeMb), rssPeakMb: Math.round(memory.peakMb), liveHeapBeforeMb: Number(memory.heapBeforeMb.toFixed(1)), liveHeapAfterMb: Number(memory.heapAfterMb.toFixed(1)) });
  } finally {
    await service.stop();
  }
}
