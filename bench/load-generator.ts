import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The load generator, in its own process: 64 clients (one per plan entry), each posting its
 * pre-signed steps one after another on a kept-alive connection. Bounded by the plan's size and a
 * time limit. Prints latencies and outcomes as JSON.
 */
interface Plan {
  url: string;
  timeLimitMs: number;
  clients: { token: string; sends: { documentId: string; body: unknown }[] }[];
}

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
const base = new URL(plan.url);
const latencies: number[] = [];
const statuses: Record<string, number> = {};
const deadline = Date.now() + plan.timeLimitMs;

// Each client keeps its one connection, as the desktop client's fetch does.
function post(agent: Agent, path: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const startedAt: number[] = [];
// The generator's own stalls would count as the service's latency: reported beside the figures.
const ownDelay = monitorEventLoopDelay({ resolution: 5 });
ownDelay.enable();
const start = performance.now();
await Promise.all(
  plan.clients.map(async (client) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const send of client.sends) {
      if (Date.now() > deadline) return;
      const t = performance.now();
      const status = await post(agent, `/api/documents/${send.documentId}/actions`, client.token, JSON.stringify(send.body)).catch(() => 0);
      latencies.push(performance.now() - t);
      if (process.env.BENCH_KEEP) startedAt.push(t - start);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    agent.destroy();
  }),
);
const seconds = (performance.now() - start) / 1000;
ownDelay.disable();
console.log(JSON.stringify({ seconds, count: latencies.length, statuses, latencies, startedAt, generatorDelayMs: { p99: ownDelay.percentile(99) / 1e6, max: ownDelay.max / 1e6 } }));
