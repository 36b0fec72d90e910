import { describe, expect, it } from 'vitest';
import type { ActionRequest } from '../../src-shared/common/api/documents.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { enableTempCert, loginClerk, pool, signedSend } from '../../bench/lib/world.js';
import { startServiceProcess } from '../helpers/http-service.js';
import { startPrivatePostgres } from '../helpers/private-postgres.js';

/**
 * PostgreSQL restarted while clerks are sending: the service answers "not now" while the database
 * is away and recovers by itself when it is back; every send, retried with its idempotency key as
 * the outbox does, is applied exactly once.
 */
describe.skipIf(!process.env.GONGWEN_TEST_POSTGRES_URL)('PostgreSQL restarted under load (needs PostgreSQL: npm test installs it)', () => {
  it('the service recovers by itself; every send lands once', { timeout: 120_000 }, async () => {
    const pg = await startPrivatePostgres();
    const service = await startServiceProcess('postgres', { postgresUrl: pg.url });
    try {
      const clerk = await loginClerk(service.url, 'vendor');
      const temp = await enableTempCert(clerk);
      const sends: { documentId: string; body: ActionRequest }[] = await pool(
        Array.from({ length: 120 }, (_, i) => i),
        8,
        async (i) => {
          const doc = await clerk.client.document((await clerk.client.createDocument({ subject: `重啟測試 ${i}`, body: '' })).id);
          return { documentId: doc.id, body: await signedSend('vendor', doc, 'yeh.yenchih', temp) };
        },
      );

      let transient = 0;
      const unexpected: string[] = [];
      let restarted = false;
      let restarting: Promise<void> = Promise.resolve();
      const started = Date.now();
      await pool(sends, 8, async (send, i) => {
        if (i === 30 && !restarted) {
          restarted = true;
          restarting = pg.restart(); // in the middle of the load, with sends in flight
        }
        for (;;) {
          try {
            await clerk.client.act(send.documentId, send.body);
            return;
          } catch (error) {
            const code = error instanceof GongwenError ? error.code : String(error);
            if (code !== 'SERVICE_UNREACHABLE' && code !== 'INTERNAL') unexpected.push(code);
            if (code === 'UNAUTHENTICATED' || Date.now() - started > 60_000) throw error;
            transient++;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      });
      await restarting;
      expect(restarted).toBe(true);
      expect(transient).toBeGreaterThan(0); // the outage was felt
      expect(unexpected).toEqual([]);
      expect((await fetch(`${service.url}/api/health`)).ok).toBe(true); // the same process, never restarted
      // Every document moved exactly one step.
      for (const send of sends) {
        const doc = await clerk.client.document(send.documentId);
        expect(doc.flow.map((r) => r.seq)).toEqual([1, 2]);
      }
      console.log(`PostgreSQL restart: ${transient} transient refusals, all ${sends.length} sends applied once`);
    } finally {
      await service.stop();
      pg.stop();
    }
  });
});
