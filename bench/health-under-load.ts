import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startServiceProcess } from '../test/helpers/http-service.js';
import { lowerIsBetter, percentile, type BenchRow } from './lib/measure.js';
import { LIMITS } from '../src-shared/common/api/documents.js';
import { DEMO_PASSWORD } from '../tools/demo/people.js';

/**
 * How long a health check waits while the service handles the worst bodies it allows (issue 13,
 * point 5): 5 MB attachments uploaded raw, and documents naming two of them beside an inline one
 * that fills the 1 MiB JSON limit, from a logged-in clerk; 1 MiB of one string (read, scanned
 * and refused); 16 MiB of nested arrays from a stranger (refused before it is read). Two senders
 * keep those coming; the health check runs every 20 ms beside them, in a thread of its own: in
 * the senders' thread it timed their own work (building and sending 16 MiB bodies) as the
 * service's. The service's own event-loop delay is read beside it (`serviceLoop*`): on a loaded
 * machine a wait may also be the checker's, not the service's.
 */
export async function benchHealthUnderLoad(seconds = 8): Promise<BenchRow[]> {
  const loopDelayFile = join(tmpdir(), `gongwen-loop-delay-${process.pid}.json`);
  const preload = `--import ${new URL('./lib/service-loop-delay.mjs', import.meta.url).href}`;
  const service = await startServiceProcess('sqlite', {
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${preload}`.trim(), BENCH_LOOP_DELAY_FILE: loopDelayFile },
  });
  try {
    const login = await fetch(`${service.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'chen.chiming', password: DEMO_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const json = { 'content-type': 'application/json' };
    const raw = { 'content-type': 'application/octet-stream' };
    const upload = Buffer.alloc(LIMITS.attachmentBytes, 7);
    // A document JSON as large as allowed: an inline attachment filling it, and two uploaded ones.
    const inline = Buffer.alloc(Math.floor(((LIMITS.inlineDocumentBytes - 4096) / 4) * 3), 7).toString('base64');
    const uploadId = async () => {
      const r = await fetch(`${service.url}/api/attachments`, { method: 'POST', body: upload, headers: { ...raw, ...auth } });
      return ((await r.json()) as { uploadId: string }).uploadId;
    };
    // Built once: only the documents' upload ids change from one body to the next.
    const oneString = JSON.stringify({ subject: 'x'.repeat(LIMITS.inlineDocumentBytes - 64), body: '' });
    const nested = '['.repeat(8 * 1024 * 1024) + ']'.repeat(8 * 1024 * 1024 - 64);
    const bodies: { url: string; headers: Record<string, string>; body: () => Promise<string | Buffer> }[] = [
      {
        url: '/api/documents',
        headers: { ...json, ...auth },
        body: async () =>
          JSON.stringify({
            subject: '大附件',
            body: '',
            attachments: [
              { name: 'a.bin', contentBase64: inline },
              { name: 'b.bin', uploadId: await uploadId() },
              { name: 'c.bin', uploadId: await uploadId() },
            ],
          }),
      },
      {
        url: '/api/documents',
        headers: { ...json, ...auth },
        body: async () => oneString,
      },
      { url: '/api/documents', headers: json, body: async () => nested },
    ];
    const until = Date.now() + seconds * 1000;
    let handled = 0;
    const sender = async (first: number) => {
      for (let i = first; Date.now() < until; i++) {
        const b = bodies[i % bodies.length]!;
        await fetch(`${service.url}${b.url}`, { method: 'POST', body: await b.body(), headers: b.headers })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
        handled++;
      }
    };
    const checker = new Worker(HEALTH_CHECKER, { eval: true, workerData: { url: `${service.url}/api/health`, until } });
    const checked = new Promise<number[]>((resolve, reject) => checker.once('message', resolve).once('error', reject));
    await Promise.all([sender(0), sender(1)]);
    const waits = await checked;
    const worst = Math.max(...waits);
    const loop = JSON.parse(await readFile(loopDelayFile, 'utf8')) as { max: number; p99: number; p50: number };
    return [
      lowerIsBetter('health check while the largest allowed bodies are handled (worst wait)', worst, 'ms', '100 ms', 100, {
        p50: Math.round(percentile(waits, 50)),
        p99: Math.round(percentile(waits, 99)),
        checks: waits.length,
        bodies: handled,
        serviceLoopMax: loop.max,
        serviceLoopP99: loop.p99,
      }),
    ];
  } finally {
    await service.stop();
    await rm(loopDelayFile, { force: true });
  }
}

/** The health checker's thread: a check every 20 ms until `until`, then every wait, in ms. */
const HEALTH_CHECKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const waits = [];
  while (Date.now() < workerData.until) {
    const start = performance.now();
    await fetch(workerData.url).then((r) => r.arrayBuffer());
    waits.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  parentPort.postMessage(waits);
})();
`;
