import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src-server/service.js';
import { createTestDatabase, type DatabaseKind } from './databases.js';
import { testPki } from './demo-pki.js';
import { seedPeople } from './service.js';

/**
 * The document service as a real process on a loopback port, over a database prepared with the
 * demo people and their registered cards. It can be killed (SIGKILL, mid-request) and restarted on
 * the same data.
 */
export interface ServiceProcess {
  url: string;
  port: number;
  /** The running process's id (benchmarks read its threads' times). */
  readonly pid: number | undefined;
  env: NodeJS.ProcessEnv;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `extraCardRootsPem`: further trusted card roots beside the test PKI's (the bad-chain root of `bad-chains.ts`).
 * `built`: the bundle `npm run build:server` wrote, started with plain `node` (no tsx) as in production.
 */
export async function startServiceProcess(
  kind: DatabaseKind = 'sqlite',
  options: { log?: (chunk: string) => void; sharing?: ServiceProcess; postgresUrl?: string; extraCardRootsPem?: string; built?: string } = {},
): Promise<ServiceProcess> {
  const entry = options.built ? [options.built] : ['--import', 'tsx', 'src-server/cli.ts'];
  if (options.sharing) return launchServiceProcess(options.sharing.env, async () => {}, options.log, entry);
  const pki = await testPki();
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-svcproc-'));
  await mkdir(join(dataDir, 'trust'), { recursive: true });
  await writeFile(join(dataDir, 'trust', 'card-roots.pem'), pki.gcaRootPem + (options.extraCardRootsPem ?? ''));
  const database = await createTestDatabase(kind, options.postgresUrl);
  const env = {
    ...process.env,
    GONGWEN_DATA_DIR: dataDir,
    DATABASE_URL: kind === 'sqlite' ? '' : database.url,
    GONGWEN_TEMP_CA_CERT: join(pki.dir, 'temp-ca.cert.pem'),
    GONGWEN_TEMP_CA_KEY: join(pki.dir, 'temp-ca.key.pem'),
  };
  const ctx = await createContext({
    dataDir,
    databaseUrl: kind === 'sqlite' ? undefined : database.url,
    tempCaCertPath: env.GONGWEN_TEMP_CA_CERT,
    tempCaKeyPath: env.GONGWEN_TEMP_CA_KEY,
  });
  await seedPeople(ctx);
  await ctx.storage.close();
  return launchServiceProcess(env, () => database.drop(), options.log, entry);
}

/** BENCH_PROFILE=1: Node's flags for a CPU profile of a benchmark's process, sampled every 100 µs, in `dir`. */
export function benchProfileFlags(dir: string): string[] {
  return process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'] : [];
}

/**
 * What a benchmark asks of the service's Node: BENCH_PROFILE=1, a CPU profile in /tmp/prof;
 * BENCH_SERVICE_FLAGS, more flags (`--trace-opt` shows what V8 compiles when, written to the
 * file BENCH_SERVICE_STDOUT names).
 */
function benchNodeFlags(): string[] {
  return [...(process.env.BENCH_SERVICE_FLAGS?.split(' ').filter(Boolean) ?? []), ...benchProfileFlags('/tmp/prof')];
}

/** One more service process over the same data folder and database (several instances on one PostgreSQL). */
async function launchServiceProcess(
  env: NodeJS.ProcessEnv,
  dropDatabase: () => Promise<void>,
  log: ((chunk: string) => void) | undefined,
  entry: string[],
): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const launch = async () => {
    const stdout = process.env.BENCH_SERVICE_STDOUT ? openSync(process.env.BENCH_SERVICE_STDOUT, 'w') : log ? 'pipe' : 'ignore';
    child = spawn(process.execPath, [...benchNodeFlags(), ...entry, 'serve', '--port', String(port)], {
      env,
      stdio: ['ignore', stdout, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      log?.(d.toString());
    });
    child.stdout?.on('data', (d: Buffer) => log?.(d.toString()));
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${url}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`service did not start: ${stderr}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return; // already gone (a killed child has a signalCode, no exitCode)
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url,
    port,
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    env,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      if (process.env.BENCH_PROFILE && child && child.exitCode === null) {
        const c = child;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      await kill();
      await dropDatabase();
    },
  };
}
