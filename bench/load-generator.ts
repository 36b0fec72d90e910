import { readFileSync } from 'node:fs';
import { request } from 'node:http';

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

function post(path: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}`, connection: 'keep-alive' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const start = performance.now();
await Promise.all(
  plan.clients.map(async (client) => {
    for (const send of client.sends) {
      if (Date.now() > deadline) return;
      const t = performance.now();
      const status = await post(`/api/documents/${send.documentId}/actions`, client.token, JSON.stringify(send.body)).catch(() => 0);
      latencies.push(performance.now() - t);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, count: latencies.length, statuses, latencies }));
