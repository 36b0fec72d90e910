import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { testPki } from '../test/helpers/demo-pki.js';
import { benchAdminQueries } from './admin-queries.js';
import { benchClientSend } from './client-send.js';
import { benchHealthUnderLoad } from './health-under-load.js';
import { benchInbox } from './inbox.js';
import { resignMemoryRow, resignRow, resignRun, type ResignRun } from './resign.js';
import { hicosRows } from './resign-hicos.js';
import type { BenchRow } from './lib/measure.js';
import { benchSends } from './sends.js';
import { benchVerify } from './verify.js';

/**
 * npm run bench: every benchmark, each figure held against a limit or a baseline measured in the
 * same run. Prints one table; writes the raw numbers to bench/results/latest.json (the only run
 * kept in the tree) and the table, with the machine, to docs/benchmarks.md.
 */
const ANALYSIS = readFileSync('bench/analysis.md', 'utf8');
// `npm run bench -- --only sqlite` runs the steps whose name contains the word, prints their rows
// and writes nothing: for profiling one benchmark (BENCH_PROFILE=1 profiles the service process).
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const rows: BenchRow[] = [];
const step = async (name: string, run: () => Promise<BenchRow[]>) => {
  if (only && !name.includes(only)) return;
  process.stdout.write(`… ${name}\n`);
  rows.push(...(await run()));
};

await step('verification', async () => benchVerify(await testPki()));
// The bare verify rate of this run: the send throughput rows are reported against it.
const bareVerifyPerSecond = Number(rows.find((r) => r.detail?.bare !== undefined)?.detail?.bare) || undefined;
await step('re-sign and memory', async () => {
  // Each run starts its own service and card, and re-signs in a client process of its own.
  const runs: ResignRun[] = [];
  for (let i = 0; i < 3; i++) runs.push(await resignRun());
  return [resignRow(runs), await resignMemoryRow()];
});
await step('re-sign at HiCOS speed', hicosRows);
await step('client send', () => benchClientSend(200));
await step('HTTP sends on SQLite', () => benchSends('sqlite', { rate: 200, p99Ms: 50, perClient: 150, latencySeconds: 10, bareVerifyPerSecond }));
if (process.env.GONGWEN_TEST_POSTGRES_URL)
  await step('HTTP sends on PostgreSQL', () => benchSends('postgres', { rate: 200, p99Ms: 50, perClient: 60, latencySeconds: 10, bareVerifyPerSecond }));
else console.log('PostgreSQL not started: run the benchmarks with npm run bench, which starts one');
await step('inbox in Chromium', () => benchInbox(10_000));
await step('health under the largest bodies', () => benchHealthUnderLoad());
await step('admin console queries', () => benchAdminQueries());

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
const table = [
  '| what | figure | held against | ratio | |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.figure)} ${r.unit} | ${r.against} | ${Number(r.ratio ?? 0).toFixed(2)} | ${r.pass ? 'met' : '**missed**'} |`),
].join('\n');
console.log(`\n${table}\n`);
for (const r of rows) if (r.detail) console.log(`${r.name}: ${JSON.stringify(r.detail)}`);
if (only) process.exit(0);

const disk = (() => {
  try {
    return execFileSync('df', ['-h', '--output=source,fstype,size', '.'], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  } catch {
    return '';
  }
})();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  freeMemoryGb: Math.round(freemem() / 2 ** 30),
  disk,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const at = new Date().toISOString();
await mkdir('bench/results', { recursive: true });
const raw = JSON.stringify({ at, machine, rows }, null, 2);
await writeFile(join('bench', 'results', 'latest.json'), raw);
await writeFile(join('docs', 'benchmarks.md'), benchmarksDoc(at, machine, table, rows));
console.log(`results: bench/results/latest.json, docs/benchmarks.md`);

function benchmarksDoc(when: string, m: typeof machine, tableText: string, all: BenchRow[]): string {
  const details = all
    .filter((r) => r.detail)
    .map(
      (r) =>
        `- ${r.name}: ${Object.entries(r.detail!)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    )
    .join('\n');
  return `# Benchmarks

Made by \`npm run bench\` on ${when.slice(0, 10)}: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GiB, disk ${m.disk || 'unknown'},
Node ${m.node}, ${m.platform}. Each figure is held against a limit, or against a baseline measured in
the same run. The raw numbers of this run are in \`bench/results/latest.json\`.

${tableText}

${details}

${ANALYSIS}
`;
}
