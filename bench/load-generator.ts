import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The load generator, in its own process: one client per plan entry, each posting its pre-signed
 * steps one after another on its own kept-alive connection (as a clerk's PC does). Bounded by the
 * plan's size and a time limit. Prints latencies and outcomes as JSON.
 *
 * Without `ratePerSecond` every client sends its next step as soon as the last is answered: the
 * service's capacity. With it, the clients together offer that many sends a second on a fixed
 * schedule (client i's n-th send is due at (n × clients + i) / rate), and each latency counts from
 * when the send was due, not from when it went out: a stalled service cannot hide its stall by
 * delaying the requests that would have measured it.
 */
export interface LoadPlan {
  url: string;
  timeLimitMs: number;
  ratePerSecond?: number;
  clients: { token: string; sends: { documentId: string; body: unknown }[] }[];
}

export interface LoadResult {
  seconds: number;
  count: number;
  statuses: Record<string, number>;
  latencies: number[];
  /** The generator's own event-loop delay: its stalls would count as the service's latency. */
  generatorDelayMs: { p99: number; max: number };
}

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadPlan;
const base = new URL(plan.url);
const latencies: number[] = [];
const statuses: Record<string, number> = {};

function post(agent: Agent, path: string, token: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Bodies serialised before the clock starts, off the JavaScript heap.
const clients = plan.clients.map((c) => ({
  token: c.token,
  sends: c.sends.map((s) => ({ path: `/api/documents/${s.documentId}/actions`, body: Buffer.from(JSON.stringify(s.body)) })),
}));
const ownDelay = monitorEventLoopDelay({ resolution: 5 });
ownDelay.enable();
const start = performance.now();
const deadline = start + plan.timeLimitMs;
await Promise.all(
  clients.map(async (client, index) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const [n, send] of client.sends.entries()) {
      const due = plan.ratePerSecond ? start + ((n * clients.length + index) * 1000) / plan.ratePerSecond : performance.now();
      if (due > deadline) break;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      const status = await post(agent, send.path, client.token, send.body).catch(() => 0);
      latencies.push(performance.now() - due);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    agent.destroy();
  }),
);
const seconds = (performance.now() - start) / 1000;
ownDelay.disable();
const result: LoadResult = {
  seconds,
  count: latencies.length,
  statuses,
  latencies,
  generatorDelayMs: { p99: ownDelay.percentile(99) / 1e6, max: ownDelay.max / 1e6 },
};
console.log(JSON.stringify(result));
