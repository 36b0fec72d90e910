import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceContext } from '../context.js';

/**
 * What an operator scrapes at `/metrics` (Prometheus text format). Each app has its own registry:
 * tests build several apps in one process, and a process-wide registry would mix their counts.
 *
 * Route labels are the route's pattern (`/api/documents/:id`), never the URL, so a crawler asking
 * for a million addresses does not make a million series; unmatched requests share one label.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'gongwen_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'gongwen_http_request_duration_seconds',
    help: 'Time from a request read to its answer sent, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** 傳送 and the other signed actions (one step signature each), and 補簽 requests. */
  readonly signedRequests = new Counter({
    name: 'gongwen_signed_requests_total',
    help: 'Signed step requests: kind (send = a signed action, resign = 補簽), outcome (accepted / refused) and the refusal code',
    labelNames: ['kind', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  /** A 補簽 request answered 200 may still refuse some of its steps: counted here, step by step. */
  readonly resignSteps = new Counter({
    name: 'gongwen_resign_steps_total',
    help: 'Steps in 補簽 requests, by outcome (resigned / already-resigned / refused) and refusal code',
    labelNames: ['outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly commitBatch = new Histogram({
    name: 'gongwen_group_commit_units',
    help: 'Write units applied per SQLite commit (group commit; PostgreSQL commits each unit alone)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  constructor(ctx: ServiceContext) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gongwen_' });
    ctx.storage.observeCommitBatches?.((units) => this.commitBatch.observe(units));
    const poolUse = ctx.storage.poolUse;
    if (poolUse) {
      const registry = this.registry;
      new Gauge({
        name: 'gongwen_db_pool_connections',
        help: 'PostgreSQL pool: connections open (total), idle, and requests waiting for one',
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          const use = poolUse();
          this.set({ state: 'total' }, use.total);
          this.set({ state: 'idle' }, use.idle);
          this.set({ state: 'waiting' }, use.waiting);
        },
      });
    }
  }
}

/** The routes whose answers count as signed requests, by `METHOD pattern`. */
const SIGNED_ROUTES: Record<string, 'send' | 'resign'> = {
  'POST /api/documents/:id/actions': 'send',
  'POST /api/resign': 'resign',
};

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** The refusal's code from an error answer's JSON body (the service's ErrorBody). */
function codeOfAnswer(payload: unknown): string {
  if (typeof payload !== 'string') return 'unknown';
  const match = /"code":"([A-Z_]+)"/.exec(payload);
  return match?.[1] ?? 'unknown';
}

function countResignSteps(metrics: ServiceMetrics, payload: unknown): void {
  if (typeof payload !== 'string') return;
  try {
    const { results } = JSON.parse(payload) as { results?: { outcome?: string; code?: string }[] };
    for (const r of results ?? []) metrics.resignSteps.inc({ outcome: r.outcome ?? 'unknown', code: r.code ?? '' });
  } catch {
    // not the answer we know: counted as a request above, not step by step
  }
}

/** Counts every answer and serves `/metrics`. */
export function registerMetrics(app: FastifyInstance, ctx: ServiceContext): ServiceMetrics {
  const metrics = new ServiceMetrics(ctx);
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const kind = SIGNED_ROUTES[`${request.method} ${routeOf(request)}`];
    if (kind) {
      const refused = reply.statusCode >= 400;
      metrics.signedRequests.inc({ kind, outcome: refused ? 'refused' : 'accepted', code: refused ? codeOfAnswer(payload) : '' });
      if (kind === 'resign' && !refused) countResignSteps(metrics, payload);
    }
    return payload;
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  return metrics;
}
