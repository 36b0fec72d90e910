import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../context.js';
import { pendingMigrations } from '../../storage/database.js';

/** How long readiness waits for the database before it calls it unreachable. */
const DATABASE_CHECK_MS = 2000;

export interface Readiness {
  ready: boolean;
  /** Why not, in a sentence an operator acts on; absent when ready. */
  reason?: string;
  checks: { database: boolean; migrations: boolean; tempCa: boolean };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Ready means a request could be served now: the database answers, its schema is the one this
 * build expects, and the temp CA is loaded and within its validity (IFT930 issues from it).
 */
export async function readiness(ctx: ServiceContext): Promise<Readiness> {
  const checks = { database: false, migrations: false, tempCa: false };
  const reasons: string[] = [];
  try {
    await withTimeout(sql`select 1`.execute(ctx.storage.db), DATABASE_CHECK_MS);
    checks.database = true;
  } catch (error) {
    reasons.push(`database unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (checks.database) {
    try {
      const pending = await withTimeout(pendingMigrations(ctx.storage), DATABASE_CHECK_MS);
      checks.migrations = pending.length === 0;
      if (!checks.migrations) reasons.push(`migrations not applied: ${pending.join(', ')}`);
    } catch (error) {
      reasons.push(`migrations unknown: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    reasons.push('migrations unknown: no database');
  }
  const now = ctx.now();
  const ca = ctx.tempCa?.certificate;
  checks.tempCa = !!ca && new Date(ca.validFrom) <= now && now <= new Date(ca.validTo);
  if (!checks.tempCa) reasons.push(ca ? `temp CA certificate not valid now (valid ${ca.validFrom} to ${ca.validTo})` : 'temp CA not loaded');
  const ready = checks.database && checks.migrations && checks.tempCa;
  return ready ? { ready, checks } : { ready, reason: reasons.join('; '), checks };
}

/**
 * `/healthz`: the process is up and its event loop turns (a liveness probe: restart me if not).
 * `/readyz`: send me traffic (a readiness probe: 503 with the reason while not).
 * Neither needs a session, and neither says more than an operator's probe needs.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const verdict = await readiness(ctx);
    return reply.code(verdict.ready ? 200 : 503).send(verdict);
  });
}
