// Preloaded into a benchmark's service (NODE_OPTIONS=--import): the service's own event-loop
// delay, from its first POST /api/session (start-up left out) on, written every 250 ms to the file
// BENCH_LOOP_DELAY_FILE names. Beside a wait the benchmark measures, it tells whether the wait was
// the service's. Plain JavaScript: it loads before tsx.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
let measuring = false;
subscribe('http.server.request.start', ({ request }) => {
  if (measuring || request.method !== 'POST' || request.url !== '/api/session') return;
  measuring = true;
  histogram.enable();
});
setInterval(() => {
  if (!measuring) return;
  const ms = (ns) => Math.round(ns / 1e6);
  writeFileSync(
    process.env.BENCH_LOOP_DELAY_FILE,
    JSON.stringify({ max: ms(histogram.max), p99: ms(histogram.percentile(99)), p50: ms(histogram.percentile(50)) }),
  );
}, 250).unref();
