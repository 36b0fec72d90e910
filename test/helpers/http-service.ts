import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnvironment, createContext } from '../../src-server/service.js';
import { createTestDatabase, type DatabaseKind } from './databases.js';
import { testPki } from './demo-pki.js';
import { writeSealKeyFile } from './seal-key.js';
import { seedPeople } from './service.js';
import type { ServiceTlsFiles } from './service-tls.js';

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
 * `tls`: serve HTTPS with this server certificate (GONGWEN_TLS_CERT / GONGWEN_TLS_KEY) at https://127.0.0.1.
 * `sealedKeys` (PostgreSQL): no GONGWEN_TEMP_CA_* files; the temp CA and TSA are the ones sealed
 * in the database under GONGWEN_SEAL_KEY_FILE. `ownDataFolder` (with `sharing`): another instance
 * on the same database and seal key, with a data folder of its own (another server).
 * `built`: the bundle `npm run build:server` wrote, started with plain `node` (no tsx) as in production.
 */
export async function startServiceProcess(
  kind: DatabaseKind = 'sqlite',
  options: {
    log?: (chunk: string) => void;
    sharing?: ServiceProcess;
    postgresUrl?: string;
    extraCardRootsPem?: string;
    /** More of the service's environment (a benchmark's switch). */
    env?: Record<string, string>;
    tls?: ServiceTlsFiles;
    sealedKeys?: boolean;
    built?: string;
    ownDataFolder?: boolean;
  } = {},
): Promise<ServiceProcess> {
  const entry = options.built ? [options.built] : TSX_ENTRY;
  if (options.sharing) {
    const env = options.ownDataFolder ? { ...options.sharing.env, GONGWEN_DATA_DIR: await newDataFolder(options.extraCardRootsPem) } : options.sharing.env;
    return launchServiceProcess(env, async () => {}, options.log, undefined, entry);
  }
  const pki = await testPki();
  const dataDir = await newDataFolder(options.extraCardRootsPem);
  const database = await createTestDatabase(kind, options.postgresUrl);
  const env = {
    ...process.env,
    GONGWEN_DATA_DIR: dataDir,
    DATABASE_URL: kind === 'sqlite' ? '' : database.url,
    GONGWEN_TEMP_CA_CERT: options.sealedKeys ? '' : join(pki.dir, 'temp-ca.cert.pem'),
    GONGWEN_TEMP_CA_KEY: options.sealedKeys ? '' : join(pki.dir, 'temp-ca.key.pem'),
    // PostgreSQL: the TSA key (and with `sealedKeys` the temp CA's) sealed in the database, one for every instance.
    GONGWEN_SEAL_KEY_FILE: kind === 'postgres' ? writeSealKeyFile() : '',
    ...options.env,
    ...(options.tls ? { GONGWEN_TLS_CERT: options.tls.certPath, GONGWEN_TLS_KEY: options.tls.keyPath } : {}),
  };
  const ctx = await createContext(configFromEnvironment(env));
  await seedPeople(ctx);
  await ctx.storage.close();
  return launchServiceProcess(env, () => database.drop(), options.log, options.tls?.caPem, entry);
}

/** The service answers its health check (over HTTPS, trusting the test's agency CA). */
async function healthy(url: string, caPem: string | undefined): Promise<boolean> {
  if (!caPem) return (await fetch(url)).ok;
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca: caPem }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', reject);
  });
}

/** A data folder trusting the test PKI's card root (and `extraCardRootsPem`). */
async function newDataFolder(extraCardRootsPem = ''): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-svcproc-'));
  await mkdir(join(dataDir, 'trust'), { recursive: true });
  await writeFile(join(dataDir, 'trust', 'card-roots.pem'), (await testPki()).gcaRootPem + extraCardRootsPem);
  return dataDir;
}

/** The service from its TypeScript source, as in development and the tests. */
const TSX_ENTRY = ['--import', 'tsx', 'src-server/cli.ts'];

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

/** A service process with `env` (one more over the same data folder and database: several instances on one PostgreSQL). */
export async function launchServiceProcess(
  env: NodeJS.ProcessEnv,
  dropDatabase: () => Promise<void>,
  log?: (chunk: string) => void,
  tlsCaPem?: string,
  entry: string[] = TSX_ENTRY,
): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `${tlsCaPem ? 'https' : 'http'}://127.0.0.1:${port}`;
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
    // A minute: on a loaded two-core machine tsx alone can take ten seconds to load the service.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      try {
        if (await healthy(`${url}/api/health`, tlsCaPem)) return;
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
  try {
    await launch();
  } catch (error) {
    await kill(); // one that did not answer in time must not outlive the test
    throw error;
  }
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
