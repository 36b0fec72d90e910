import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '../src-server/accounts/users.js';
import { createContext } from '../src-server/service.js';
import type { DatabaseKind } from '../test/helpers/databases.js';
import { startServiceProcess } from '../test/helpers/http-service.js';
import { higherIsBetter, lowerIsBetter, percentile, type BenchRow } from './lib/measure.js';
import { enableTempCert, loginClerk, pool, signedSend, type BenchClerk } from './lib/world.js';

const CLIENTS = 64;

/**
 * Sends through the HTTP service: 64 concurrent clients, each signing with its own temp cert, the
 * service verifying and committing. The load generator runs in its own process on loopback.
 */
export async function benchSends(kind: DatabaseKind, perClient: number, target: { rate: number; p99Ms?: number }): Promise<BenchRow[]> {
  const service = await startServiceProcess(kind);
  try {
    // 64 clerks in one unit, added straight to the database the service uses.
    const ctx = await createContext({ dataDir: service.env.GONGWEN_DATA_DIR!, databaseUrl: service.env.DATABASE_URL || undefined, tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT, tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY });
    const accounts = Array.from({ length: CLIENTS }, (_, i) => `bench.${String(i).padStart(2, '0')}`);
    await pool(accounts, 8, (account) => createUser(ctx, { account, name: `基準${account.slice(-2)}`, unitId: 'ict', title: '科員', password: 'gongwen-demo' }));
    await ctx.storage.close();

    const clerks: BenchClerk[] = await pool(accounts, 8, async (account) => {
      const clerk = await loginClerk(service.url, account);
      await enableTempCert(clerk);
      return clerk;
    });
    const clients = await pool(clerks, 8, async (clerk, i) => {
      const recipient = accounts[(i + 1) % CLIENTS]!;
      const sends = await pool(Array.from({ length: perClient }, (_, n) => n), 4, async (n) => {
        const doc = await clerk.client.document((await clerk.client.createDocument({ subject: `負載 ${clerk.account} ${n}`, body: '' })).id);
        return { documentId: doc.id, body: await signedSend(clerk.account, doc, recipient, clerk.temp!) };
      });
      return { token: (clerk.client as unknown as { token: string }).token, sends };
    });
    const planFile = join(await mkdtemp(join(tmpdir(), 'bench-load-')), 'plan.json');
    await writeFile(planFile, JSON.stringify({ url: service.url, timeLimitMs: 60_000, clients }));
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/load-generator.ts', planFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const result = JSON.parse(out) as { seconds: number; count: number; statuses: Record<string, number>; latencies: number[] };
    const rate = result.count / result.seconds;
    const errors = result.count - (result.statuses['200'] ?? 0);

    // Every send applied once: each document moved exactly one step.
    const check = await createContext({ dataDir: service.env.GONGWEN_DATA_DIR!, databaseUrl: service.env.DATABASE_URL || undefined, tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT, tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY });
    const moved = await check.storage.db.selectFrom('steps').select((eb) => eb.fn.countAll<number | string>().as('n')).where('change_type', '=', '送請簽核').where('sent_at', 'is not', null).executeTakeFirstOrThrow();
    await check.storage.close();
    const appliedOnce = Number(moved.n) === (result.statuses['200'] ?? 0);

    const p99 = percentile(result.latencies, 99);
    const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const detail = { sends: result.count, errors, appliedOnce: appliedOnce ? 'yes' : 'NO', p50Ms: Number(percentile(result.latencies, 50).toFixed(1)), p99Ms: Number(p99.toFixed(1)) };
    const rows: BenchRow[] = [{ ...higherIsBetter(`HTTP sends, 64 clients, temp certs (${label})`, rate, 'sends/s', `${target.rate}/s`, target.rate, detail) }];
    rows[0]!.pass = rows[0]!.pass && errors === 0 && appliedOnce;
    if (target.p99Ms) rows.push(lowerIsBetter(`HTTP sends p99 latency (${label})`, p99, 'ms', `${target.p99Ms} ms`, target.p99Ms));
    return rows;
  } finally {
    await service.stop();
  }
}
