import type { Kysely } from 'kysely';
import { parseCountersignerInfo, parseSignedData } from '../../src-shared/node/cms/parse.js';
import { sha256 } from '../../src-shared/node/cms/signer-info.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';
import type { TimeStamp } from './authority.js';
import { readTimeStampToken } from './read-token.js';

/**
 * Which SignerInfo of a step a token is over: the step's signature, its 補簽 countersignature, or
 * the unit head's card signature over a 紙本補簽 record (`paper_resigns.signature`).
 */
export type TimeStampedSigner = 'signature' | 'countersignature' | 'paper-record';

/**
 * A token, or null: pending (an external TSA was down; the token is fetched later), or undefined:
 * none taken, only under the bench-only switch GONGWEN_BENCH_WITHOUT_TIME_STAMPS (what time-stamping costs).
 */
export type TimeStampOutcome = TimeStamp | null | undefined;

/**
 * CAdES-T for an accepted signature: a token over its signature value, taken before the step is
 * written so that both land in one transaction (`storeTimeStamps`). The signer's claimed signing
 * time may not be later than the time-stamp (beyond the configured skew): a signature cannot
 * have been made after a time at which it provably existed. An offline temp-cert signature sent
 * hours later is fine: its claim is earlier. A TSA that cannot serve the signature never refuses
 * it: it is accepted with its token pending (`fillPendingTimeStamps`).
 */
export async function timeStampSignature(ctx: ServiceContext, signatureValue: Uint8Array, claimedSigningTime: Date): Promise<TimeStampOutcome> {
  if (ctx.withoutTimeStampsForBench) return undefined;
  let stamp: TimeStamp;
  try {
    stamp = await ctx.timeStampAuthority.timeStampSignature(signatureValue, ctx.now());
  } catch (error) {
    if (cannotServe(error)) return null;
    throw error;
  }
  checkClaim(ctx, claimedSigningTime, stamp);
  return stamp;
}

/**
 * An external TSA that does not answer, or answers with nothing usable (a refusal, a token over
 * another value, from a TSA not trusted, without this request's nonce): the token is not taken,
 * and the signature waits for one. Its fault is the operator's to mend (the queue logs it each
 * round); refusing every clerk's send meanwhile would hand whoever can disturb the TSA's answers
 * a way to stop all signing.
 */
function cannotServe(error: unknown): error is GongwenError {
  return error instanceof GongwenError && (error.code === 'TIME_STAMP_UNAVAILABLE' || error.code === 'TIME_STAMP_INVALID');
}

function checkClaim(ctx: ServiceContext, claimedSigningTime: Date, stamp: TimeStamp): void {
  if (claimedSigningTime.getTime() > stamp.genTime.getTime() + ctx.timeStampSkewMs) {
    throw new GongwenError('SIGNING_TIME_AFTER_TIME_STAMP', `signed ${claimedSigningTime.toISOString()}, time-stamped ${stamp.genTime.toISOString()}`);
  }
}

/** Writes the tokens (or pending rows) of signatures accepted in this transaction, beside their steps. */
export async function storeTimeStamps(
  trx: Kysely<Database>,
  all: readonly { stepId: string; signer: TimeStampedSigner; stamp: TimeStampOutcome }[],
): Promise<void> {
  const stamps = all.filter((s) => s.stamp !== undefined);
  if (stamps.length === 0) return;
  await trx
    .insertInto('signature_time_stamps')
    .values(
      stamps.map((s) => ({
        step_id: s.stepId,
        signer: s.signer,
        token: s.stamp?.token ?? null,
        gen_time: s.stamp?.genTime.toISOString() ?? null,
        tsa_certificate_sha256: s.stamp?.tsaCertificateSha256 ?? null,
      })),
    )
    .execute();
  await keepTokenCertificates(
    trx,
    stamps.flatMap((s) => (s.stamp ? [s.stamp] : [])),
  );
}

/**
 * TSA certificates known to be on record: kept at start, outside any transaction that could roll
 * back. The built-in TSA's is among them, so a send does not parse its own token again.
 */
const certificatesOnRecord = new Set<string>();

/** The certificate each token names as its TSA's, kept once, so evidence can trust it later. */
async function keepTokenCertificates(trx: Kysely<Database>, stamps: readonly TimeStamp[]): Promise<void> {
  const seen = new Map<string, Uint8Array>();
  for (const stamp of stamps) {
    if (seen.has(stamp.tsaCertificateSha256) || certificatesOnRecord.has(stamp.tsaCertificateSha256)) continue;
    const der = readTimeStampToken(stamp.token).certificates.find((c) => Buffer.from(sha256(c)).toString('hex') === stamp.tsaCertificateSha256);
    if (der) seen.set(stamp.tsaCertificateSha256, der);
  }
  if (seen.size === 0) return;
  await trx
    .insertInto('tsa_certificates')
    .values([...seen].map(([sha256Hex, der]) => ({ sha256: sha256Hex, der })))
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

/**
 * The durable queue: fetches the tokens of signatures accepted while the TSA was down, oldest
 * first, up to `limit`; returns how many arrived. Each is written only if still pending, so two
 * instances filling at once write one token. A token whose time is earlier than the signer's
 * claim (beyond the skew; only a signer's clock running ahead does that) is kept all the same, as
 * a fact: the evidence and the console show both times.
 */
export async function fillPendingTimeStamps(ctx: ServiceContext, limit = 100): Promise<number> {
  const { db } = ctx.storage;
  const pending = await db
    .selectFrom('signature_time_stamps as t')
    .innerJoin('steps as s', 's.id', 't.step_id')
    .leftJoin('paper_resigns as p', 'p.step_id', 't.step_id')
    .select(['t.step_id', 't.signer', 's.signature_value', 's.countersignature', 'p.signature as paper_signature'])
    .where('t.token', 'is', null)
    .orderBy('t.attempts')
    .orderBy('t.step_id')
    .limit(limit)
    .execute();
  let filled = 0;
  for (const row of pending) {
    const value = signatureValueOf(row);
    let stamp: TimeStamp;
    try {
      stamp = await ctx.timeStampAuthority.timeStampSignature(value, ctx.now(), { evenIfDown: true });
    } catch (error) {
      if (!cannotServe(error)) throw error;
      await db
        .updateTable('signature_time_stamps')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('step_id', '=', row.step_id)
        .where('signer', '=', row.signer)
        .execute();
      // Down: try again at the next round. Answering wrongly: the same, and the log says why.
      if (error.code === 'TIME_STAMP_INVALID') throw error;
      break;
    }
    await ctx.storage.write(async (trx) => {
      await trx
        .updateTable('signature_time_stamps')
        .set({ token: stamp.token, gen_time: stamp.genTime.toISOString(), tsa_certificate_sha256: stamp.tsaCertificateSha256 })
        .where('step_id', '=', row.step_id)
        .where('signer', '=', row.signer)
        .where('token', 'is', null)
        .execute();
      await keepTokenCertificates(trx, [stamp]);
    });
    filled++;
  }
  return filled;
}

/** The signature value a pending token is to be over, from the SignerInfo its row names. */
function signatureValueOf(row: {
  signer: string;
  signature_value: Uint8Array | null;
  countersignature: Uint8Array | null;
  paper_signature: Uint8Array | null;
}) {
  if (row.signer === 'signature') return new Uint8Array(row.signature_value!);
  if (row.signer === 'paper-record') return parseSignedData(new Uint8Array(row.paper_signature!)).signerInfos[0]!.signature;
  return parseCountersignerInfo(new Uint8Array(row.countersignature!)).signature;
}

/** Runs `fillPendingTimeStamps` every `intervalMs` until stopped (the service's serve loop). */
export function startTimeStampQueue(ctx: ServiceContext, intervalMs = 60_000, log: (message: string) => void = () => {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    fillPendingTimeStamps(ctx)
      .then((n) => n > 0 && log(`${n} pending time-stamp${n === 1 ? '' : 's'} fetched`))
      .catch((error: unknown) => log(`pending time-stamps: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * At start: the TSA's trusted certificates on record (the built-in TSA's own; every one configured
 * for an external TSA, its root and any CA between), so evidence can trust them after the TSA changes.
 */
export async function keepTsaCertificates(db: Kysely<Database>, certificates: readonly Uint8Array[]): Promise<void> {
  const rows = certificates.map((der) => ({ sha256: Buffer.from(sha256(der)).toString('hex'), der }));
  await db
    .insertInto('tsa_certificates')
    .values(rows)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  for (const row of rows) certificatesOnRecord.add(row.sha256);
}

export interface StoredTimeStamp {
  stepId: string;
  signer: TimeStampedSigner;
  /** Null while pending. */
  token: Uint8Array | null;
  genTime: string | null;
  tsaCertificateSha256: string | null;
}

/** The tokens of the given steps, and the certificates of the TSAs that issued them. */
export async function timeStampsOfSteps(
  db: Kysely<Database>,
  stepIds: readonly string[],
): Promise<{ stamps: StoredTimeStamp[]; tsaCertificates: Uint8Array[] }> {
  if (stepIds.length === 0) return { stamps: [], tsaCertificates: [] };
  const rows = await db
    .selectFrom('signature_time_stamps')
    .selectAll()
    .where('step_id', 'in', [...stepIds])
    .execute();
  const stamps = rows.map((r) => ({
    stepId: r.step_id,
    signer: r.signer as TimeStampedSigner,
    token: r.token ? new Uint8Array(r.token) : null,
    genTime: r.gen_time,
    tsaCertificateSha256: r.tsa_certificate_sha256,
  }));
  const hashes = [...new Set(stamps.flatMap((s) => (s.tsaCertificateSha256 ? [s.tsaCertificateSha256] : [])))];
  const certificates = hashes.length ? await db.selectFrom('tsa_certificates').select('der').where('sha256', 'in', hashes).orderBy('sha256').execute() : [];
  return { stamps, tsaCertificates: certificates.map((c) => new Uint8Array(c.der)) };
}
