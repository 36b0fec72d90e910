import { startServiceProcess } from '../test/helpers/http-service.js';
import { lowerIsBetter, percentile, type BenchRow } from './lib/measure.js';
import { DEMO_PASSWORD } from '../tools/demo/people.js';

/**
 * How long a health check waits while the service handles the worst bodies it allows (issue 13,
 * point 5): 16 MiB documents with two 5 MB attachments from a logged-in clerk, 16 MiB of one
 * string (read, scanned and refused), and 16 MiB of nested arrays from a stranger (refused before
 * it is read). Two senders keep those coming; the health check runs every 20 ms beside them.
 */
export async function benchHealthUnderLoad(seconds = 8): Promise<BenchRow[]> {
  const service = await startServiceProcess('sqlite');
  try {
    const login = await fetch(`${service.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'chen.chiming', password: DEMO_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const attachment = Buffer.alloc(5 * 1024 * 1024 - 16, 7).toString('base64');
    const bodies = [
      {
        auth: true,
        text: JSON.stringify({
          subject: '大附件',
          body: '',
          attachments: [
            { name: 'a.bin', contentBase64: attachment },
            { name: 'b.bin', contentBase64: attachment },
          ],
        }),
      },
      { auth: true, text: JSON.stringify({ subject: 'x'.repeat(16 * 1024 * 1024 - 64), body: '' }) },
      { auth: false, text: '['.repeat(8 * 1024 * 1024) + ']'.repeat(8 * 1024 * 1024 - 64) },
    ];
    const until = Date.now() + seconds * 1000;
    let handled = 0;
    const sender = async (first: number) => {
      for (let i = first; Date.now() < until; i++) {
        const b = bodies[i % bodies.length]!;
        await fetch(`${service.url}/api/documents`, { method: 'POST', body: b.text, headers: { 'content-type': 'application/json', ...(b.auth ? auth : {}) } })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
        handled++;
      }
    };
    const waits: number[] = [];
    const health = async () => {
      while (Date.now() < until) {
        const start = performance.now();
        await fetch(`${service.url}/api/health`).then((r) => r.arrayBuffer());
        waits.push(performance.now() - start);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.all([sender(0), sender(1), health()]);
    const worst = Math.max(...waits);
    return [
      lowerIsBetter('health check while the largest allowed bodies are handled (worst wait)', worst, 'ms', '100 ms', 100, {
        p50: Math.round(percentile(waits, 50)),
        p99: Math.round(percentile(waits, 99)),
        checks: waits.length,
        bodies: handled,
      }),
    ];
  } finally {
    await service.stop();
  }
}
