import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '../src-server/accounts/users.js';
import { createContext } from '../src-server/service.js';
import type { DatabaseKind } from '../test/helpers/databases.js';
import { startServiceProcess, type ServiceProcess } from '../test/helpers/http-service.js';
import type { LoadPlan, LoadResult } from './load-generator.js';
import { information, lowerIsBetter, percentile, type BenchRow } from './lib/measure.js';
import { enableTempCert, loginClerk, pool, signedSend, type BenchClerk } from './lib/world.js';

const CLIENTS = 64;

export interface SendTargets {
  /**
   * The rate the 64 clients offer on a schedule for the latency row: 200 sends a second is ten
   * times a large agency's busiest hour, so its p99 is what an operator would feel.
   */
  rate: number;
  /** The p99 latency (ms) at that rate. */
  p99Ms?: number;
  /** node:crypto's bare verify rate measured in the same run: the capacity row is reported against it. */
  bareVerifyPerSecond?: number;
  /** Pre-signed sends per client for the capacity run. */
  perClient: number;
  /** Seconds of sends at the target rate for the latency run. */
  latencySeconds?: number;
  /** More of the service's environment (GONGWEN_BENCH_WITHOUT_TIME_STAMPS for the time-stamp cost row). */
  serviceEnv?: Record<string, string>;
}

/**
 * Sends through the HTTP service: 64 clerks, each signing with their own temp cert, the service
 * verifying and committing; the load generator in its own process on loopback. First capacity
 * (every client sends as soon as its last send is answered), then, on the same service, latency
 * at the target rate (the 64 clients together offering `rate` sends a second on a schedule).
 */
export async function benchSends(kind: DatabaseKind, targets: SendTargets): Promise<BenchRow[]> {
  const service = await startServiceProcess(kind, { env: targets.serviceEnv });
  try {
    const clerks = await benchClerks(service);
    const recipientOf = (i: number) => clerks[(i + 1) % CLIENTS]!.account;
    const atRate = targets.p99Ms ? Math.ceil((targets.rate * (targets.latencySeconds ?? 6)) / CLIENTS) : 0;
    const presigned = await pool(clerks, 8, async (clerk, i) => {
      const sends = await pool(
        Array.from({ length: targets.perClient + atRate }, (_, n) => n),
        4,
        async (n) => {
          const doc = await clerk.client.document((await clerk.client.createDocument({ subject: `負載 ${clerk.account} ${n}`, body: '' })).id);
          return { documentId: doc.id, body: await signedSend(clerk.account, doc, recipientOf(i), clerk.temp!) };
        },
      );
      return { token: (clerk.client as unknown as { token: string }).token, sends };
    });
    const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';

    // As fast as it goes: information, not a target (it moves with the host far more than anything
    // a clerk or an operator feels); its ratio to the bare verify rate of the same run says how.
    const cpuBefore = serviceCpuMs(service);
    const capacity = await runLoad({
      url: service.url,
      timeLimitMs: 60_000,
      clients: presigned.map((c) => ({ token: c.token, sends: c.sends.slice(0, targets.perClient) })),
    });
    const cpuMsPerSend = (serviceCpuMs(service) - cpuBefore) / capacity.count;
    const bare = targets.bareVerifyPerSecond ? { what: 'node:crypto bare RSA verify', value: targets.bareVerifyPerSecond } : undefined;
    const rows: BenchRow[] = [
      information(`HTTP sends, 64 clients as fast as they go (${label})`, capacity.count / capacity.seconds, 'sends/s', bare, errorsOf(capacity) === 0, {
        ...describe(capacity),
        serviceCpuMsPerSend: Number(cpuMsPerSend.toFixed(3)),
      }),
    ];

    let answered = okOf(capacity);
    if (targets.p99Ms) {
      const offered = await runLoad({
        url: service.url,
        timeLimitMs: 60_000,
        ratePerSecond: targets.rate,
        clients: presigned.map((c) => ({ token: c.token, sends: c.sends.slice(targets.perClient) })),
      });
      const achieved = offered.count / offered.seconds;
      const row = lowerIsBetter(
        `HTTP sends p99 at ${targets.rate} sends/s from 64 clients (${label})`,
        percentile(offered.latencies, 99),
        'ms',
        `${targets.p99Ms} ms`,
        targets.p99Ms,
        { ...describe(offered), achievedPerSecond: Math.round(achieved) },
      );
      // The latency only counts if the rate was really carried, without errors.
      row.pass &&= errorsOf(offered) === 0 && achieved >= targets.rate * 0.98;
      rows.push(row);
      answered += okOf(offered);
    }

    // Every send applied once: as many steps moved as sends answered 200.
    const appliedOnce = (await movedSteps(service)) === answered;
    for (const row of rows) {
      row.detail = { ...row.detail, appliedOnce: appliedOnce ? 'yes' : 'NO' };
      row.pass &&= appliedOnce;
    }
    return rows;
  } finally {
    await service.stop();
  }
}

/** 64 clerks in one unit, added straight to the service's database, each logged in with a temp cert. */
async function benchClerks(service: ServiceProcess): Promise<BenchClerk[]> {
  const ctx = await serviceDatabase(service);
  const accounts = Array.from({ length: CLIENTS }, (_, i) => `bench.${String(i).padStart(2, '0')}`);
  await pool(accounts, 8, (account) => createUser(ctx, { account, name: `基準${account.slice(-2)}`, unitId: 'ict', title: '科員', password: 'gongwen-demo' }));
  await ctx.storage.close();
  return pool(accounts, 8, async (account) => {
    const clerk = await loginClerk(service.url, account);
    await enableTempCert(clerk);
    return clerk;
  });
}

async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const planFile = join(await mkdtemp(join(tmpdir(), 'bench-load-')), 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  return JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/load-generator.ts', planFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  ) as LoadResult;
}

function describe(result: LoadResult): Record<string, number | string> {
  return {
    sends: result.count,
    errors: errorsOf(result),
    p50Ms: round(percentile(result.latencies, 50)),
    p99Ms: round(percentile(result.latencies, 99)),
    maxMs: round(Math.max(...result.latencies)),
    generatorStallMaxMs: round(result.generatorDelayMs.max),
  };
}

const okOf = (r: LoadResult) => r.statuses['200'] ?? 0;
const errorsOf = (r: LoadResult) => r.count - okOf(r);
const round = (n: number) => Number(n.toFixed(1));

/**
 * The CPU time (user + system, every thread) the service process has used so far, in ms, from
 * /proc: what its work costs, which other load on the machine does not move (process.cpuUsage
 * read from outside). NaN where there is no /proc.
 */
export function serviceCpuMs(service: ServiceProcess): number {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms; the name (field 2) may hold spaces.
    const stat = readFileSync(`/proc/${service.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function serviceDatabase(service: ServiceProcess) {
  return createContext({
    dataDir: service.env.GONGWEN_DATA_DIR!,
    databaseUrl: service.env.DATABASE_URL || undefined,
    tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT,
    tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY,
    sealKeyPath: service.env.GONGWEN_SEAL_KEY_FILE || undefined,
  });
}

async function movedSteps(service: ServiceProcess): Promise<number> {
  const check = await serviceDatabase(service);
  try {
    const moved = await check.storage.db
      .selectFrom('steps')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('change_type', '=', '送請簽核')
      .where('sent_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(moved.n);
  } finally {
    await check.storage.close();
  }
}
