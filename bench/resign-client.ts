import { CardService } from '../src-main/card/card-service.js';
import { runResignBatch, uncheckedServicePages } from '../src-main/signing/resign-batch.js';
import { describeThreadTimes, threadTimes } from './lib/thread-times.js';
import { ServiceClient } from '../src-main/service-client/service-client.js';

/**
 * The clerk's client for one 補簽 batch, in a process that does nothing else: started, logged in,
 * its card thread running (the app starts it at launch); then the batch, of every step waiting
 * for it. The test data were made by another process, so that neither their
 * objects nor their garbage are this one's. Run with --expose-gc; prints one line of JSON:
 * - `rate`: the batch's seconds (BENCH_SCHED=1: each thread's time, this client's and the
 *   service's, on stderr);
 * - `memory`: resident memory before (after a full collection) and at its peak (sampled every
 *   20 ms), and the JavaScript heap in use after a full collection before and after the batch:
 *   what the batch keeps.
 */
const [what, url, account, password, modulePath, pin, servicePid] = process.argv.slice(2) as [
  'rate' | 'memory' | 'hicos' | 'hicos-cancel',
  string,
  string,
  string,
  string,
  string,
  string,
];
// Not the bench's loginClerk: its module brings the test-data code (x509 and more) into this
// process, which the app does not load, and which added some 10 MB to the memory row's growth.
const client = new ServiceClient({ baseUrl: url, timeoutMs: 60_000 });
await client.login(account, password);
// hicos, hicos-cancel: the card slowed to HiCOS speed by the wrapper bench/resign-hicos.ts names.
const card = new CardService({ modulePath, pollMs: 1000, ...(process.env.BENCH_CARD_WRAPPER ? { apiWrapper: process.env.BENCH_CARD_WRAPPER } : {}) });
await card.status();
const mb = (bytes: number) => bytes / 1048576;
const batch = (more: Partial<Parameters<typeof runResignBatch>[0]> = {}) =>
  runResignBatch({ client, card, pin, note: '基準測試補簽', chunkSize: 50, pages: uncheckedServicePages(client), ...more });

if (what === 'hicos') {
  const start = performance.now();
  const report = await batch();
  const end = performance.now();
  // In the card log's clock (ms since the epoch), so the bench can tell where the time went.
  const epoch = (t: number) => performance.timeOrigin + t;
  console.log(JSON.stringify({ resigned: report.resigned, seconds: (end - start) / 1000, startedAt: epoch(start), endedAt: epoch(end) }));
} else if (what === 'hicos-cancel') {
  // Cancelled in the middle of the fourth signature, as a clerk's click lands.
  const cancel = new AbortController();
  let cancelledAt = 0;
  let done = 0;
  const onProgress = (p: { done: number }) => {
    done = p.done;
    if (p.done === 3)
      setTimeout(() => {
        cancelledAt = performance.timeOrigin + performance.now();
        cancel.abort();
      }, 150);
  };
  const outcome = await batch({ signal: cancel.signal, onProgress }).then(
    () => 'finished',
    (error: unknown) => (error as { code?: string }).code ?? 'failed',
  );
  if (outcome !== 'RESIGN_CANCELLED') throw new Error(`the cancelled batch ended ${outcome}`);
  console.log(JSON.stringify({ cancelledAt, done }));
} else if (what === 'rate') {
  const sched = process.env.BENCH_SCHED ? { client: threadTimes('self'), service: threadTimes(Number(servicePid)) } : null;
  const start = performance.now();
  const from = process.hrtime.bigint() / 1000n;
  const report = await batch();
  const seconds = (performance.now() - start) / 1000;
  // The batch's place in a CPU profile (BENCH_PROFILE=1), in the profile's clock (µs).
  if (process.env.BENCH_PROFILE) process.stderr.write(`profile window ${from} ${process.hrtime.bigint() / 1000n}\n`);
  if (sched) {
    // The card thread is the client's busiest; V8's helper threads (compiling, collecting) are the rest.
    process.stderr.write(
      `re-sign batch of ${(seconds * 1000).toFixed(0)} ms\n${describeThreadTimes('client (card thread, main thread, V8 helpers)', sched.client, threadTimes('self'))}\n${describeThreadTimes('service', sched.service, threadTimes(Number(servicePid)))}\n`,
    );
  }
  console.log(JSON.stringify({ resigned: report.resigned, seconds }));
} else {
  global.gc?.();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const report = await batch();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  global.gc?.();
  const after = process.memoryUsage();
  console.log(
    JSON.stringify({
      resigned: report.resigned,
      beforeMb: mb(before.rss),
      peakMb: mb(peak),
      heapBeforeMb: mb(before.heapUsed),
      heapAfterMb: mb(after.heapUsed),
    }),
  );
}
await card.close();
