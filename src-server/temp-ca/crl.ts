import type { ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';

/** How long a CRL is good for (its nextUpdate), and how long before that a fresh one is issued. */
export const CRL_VALIDITY_MS = 24 * 3600 * 1000;
export const CRL_RENEW_BEFORE_MS = 6 * 3600 * 1000;
/** CRLs kept on record besides the latest (older ones are superseded; their numbers stay used). */
const CRLS_KEPT = 50;

export interface IssuedCrl {
  number: number;
  thisUpdate: string;
  nextUpdate: string;
  der: Uint8Array;
}

/** One issue at a time per service instance; other instances are held off by the number's key. */
const issuing = new WeakMap<ServiceContext, Promise<IssuedCrl>>();

/**
 * The temp CA's current CRL, as served at /api/temp-ca/crl and put in the evidence. The latest one
 * on record is served as it is while it lists every revocation and its nextUpdate is more than
 * CRL_RENEW_BEFORE_MS away; otherwise a fresh one is issued (so a relying party never holds a CRL
 * past its nextUpdate, and a revocation made by any instance on the database shows at once).
 */
export async function currentTempCaCrl(ctx: ServiceContext): Promise<IssuedCrl> {
  const latest = await latestCrl(ctx);
  if (latest && !isStale(ctx, latest)) return latest;
  return issueTempCaCrl(ctx);
}

/** Issues a fresh CRL now (after a revocation), whatever the latest says. */
export function issueTempCaCrl(ctx: ServiceContext): Promise<IssuedCrl> {
  const running = issuing.get(ctx);
  if (running) return running;
  const next = issueWithRetry(ctx).finally(() => issuing.delete(ctx));
  issuing.set(ctx, next);
  return next;
}

function isStale(ctx: ServiceContext, latest: LatestCrl): boolean {
  if (ctx.now().getTime() >= new Date(latest.nextUpdate).getTime() - CRL_RENEW_BEFORE_MS) return true;
  return latest.revokedNow !== latest.revokedCount;
}

async function issueWithRetry(ctx: ServiceContext): Promise<IssuedCrl> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await issueOnce(ctx);
    } catch (error) {
      // Another instance took this number first: take the next one.
      if (!isUniqueViolation(error) || attempt >= 4) throw error;
    }
  }
}

async function issueOnce(ctx: ServiceContext): Promise<IssuedCrl> {
  const { db } = ctx.storage;
  const revoked = await db
    .selectFrom('temp_certificates')
    .select(['serial', 'revoked_at'])
    .where('revoked_at', 'is not', null)
    .orderBy('revoked_at')
    .orderBy('serial')
    .execute();
  const highest = await db
    .selectFrom('temp_ca_crls')
    .select((eb) => eb.fn.max('number').as('n'))
    .executeTakeFirst();
  const number = Number(highest?.n ?? 0) + 1;
  const thisUpdate = ctx.now();
  const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
  const der = await ctx.tempCa.crl(
    revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at!) })),
    { number, thisUpdate, nextUpdate },
  );
  const issued: IssuedCrl = { number, thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString(), der };
  await ctx.storage.write(async (trx) => {
    await trx
      .insertInto('temp_ca_crls')
      .values({ number, this_update: issued.thisUpdate, next_update: issued.nextUpdate, revoked_count: revoked.length, der })
      .execute();
    await trx
      .deleteFrom('temp_ca_crls')
      .where('number', '<=', number - CRLS_KEPT)
      .execute();
  });
  return issued;
}

/** The latest CRL on record, and how many temp certificates are revoked now (one query: a send asks it). */
interface LatestCrl extends IssuedCrl {
  /** Revocations the CRL lists. */
  revokedCount: number;
  /** Revocations on record now: more than the CRL lists means it is out of date. */
  revokedNow: number;
}

async function latestCrl(ctx: ServiceContext): Promise<LatestCrl | undefined> {
  const row = await ctx.storage.db
    .selectFrom('temp_ca_crls')
    .selectAll()
    .select((eb) => eb.selectFrom('temp_certificates').select(eb.fn.countAll<string | number>().as('n')).where('revoked_at', 'is not', null).as('revoked_now'))
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    number: Number(row.number),
    thisUpdate: row.this_update,
    nextUpdate: row.next_update,
    revokedCount: Number(row.revoked_count),
    revokedNow: Number(row.revoked_now ?? 0),
    der: new Uint8Array(row.der),
  };
}
