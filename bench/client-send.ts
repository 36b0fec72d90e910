import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Courier } from '../src-main/outbox/courier.js';
import { Outbox } from '../src-main/outbox/outbox.js';
import { sendStep } from '../src-main/signing/step-sender.js';
import { startServiceProcess } from '../test/helpers/http-service.js';
import { lowerIsBetter, percentile, type BenchRow } from './lib/measure.js';
import { enableTempCert, loginClerk, pool } from './lib/world.js';

/** The clerk's send: sign with the temp cert, write to the outbox (fsync), submit to a local service. */
export async function benchClientSend(count = 200): Promise<BenchRow[]> {
  const service = await startServiceProcess();
  try {
    const clerk = await loginClerk(service.url, 'vendor');
    const temp = await enableTempCert(clerk);
    const docs = await pool(
      Array.from({ length: count }, (_, i) => i),
      16,
      async (i) => clerk.client.document((await clerk.client.createDocument({ subject: `傳送基準 ${i}`, body: '' })).id),
    );
    const outbox = await Outbox.open(join(await mkdtemp(join(tmpdir(), 'bench-outbox-')), 'outbox'));
    const courier = new Courier(outbox, () => ({ account: 'vendor', client: clerk.client }));
    const latencies: number[] = [];
    for (const doc of docs) {
      const start = performance.now();
      const outcome = await sendStep({ outbox, courier }, 'vendor', doc, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, temp);
      latencies.push(performance.now() - start);
      if (outcome.status !== 'delivered') throw new Error(`send ${outcome.status}`);
    }
    await outbox.close();
    const median = percentile(latencies, 50);
    return [
      lowerIsBetter('client send: sign (temp cert) + outbox fsync + submit, median', median, 'ms', '10 ms', 10, {
        p90: Number(percentile(latencies, 90).toFixed(2)),
        sends: count,
      }),
    ];
  } finally {
    await service.stop();
  }
}
