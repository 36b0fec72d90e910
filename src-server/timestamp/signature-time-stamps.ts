import type { Kysely } from 'kysely';
import { GongwenError } from '../../src-shared/errors.js';
import type { ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';
import type { TimeStamp } from './authority.js';

/** Which SignerInfo of a step a token is over. */
export type TimeStampedSigner = 'signature' | 'countersignature';

/**
 * CAdES-T for an accepted signature: a token over its signature value, taken before the step is
 * written so that both land in one transaction (`storeTimeStamps`). The signer's claimed signing
 * time may not be later than the time-stamp (beyond the configured skew): a signature cannot
 * have been made after a time at which it provably existed. An offline temp-cert signature sent
 * hours later is fine: its claim is earlier.
 */
export async function timeStampSignature(ctx: ServiceContext, signatureValue: Uint8Array, claimedSigningTime: Date): Promise<TimeStamp> {
  const stamp = await ctx.timeStampAuthority.timeStampSignature(signatureValue, ctx.now());
  if (claimedSigningTime.getTime() > stamp.genTime.getTime() + ctx.timeStampSkewMs) {
    throw new GongwenError('SIGNING_TIME_AFTER_TIME_STAMP', `signed ${claimedSigningTime.toISOString()}, time-stamped ${stamp.genTime.toISOString()}`);
  }
  return stamp;
}

/** Writes the tokens of signatures accepted in this transaction, beside their steps. */
export async function storeTimeStamps(trx: Kysely<Database>, stamps: readonly { stepId: string; signer: TimeStampedSigner; stamp: TimeStamp }[]): Promise<void> {
  if (stamps.length === 0) return;
  await trx
    .insertInto('signature_time_stamps')
    .values(stamps.map((s) => ({ step_id: s.stepId, signer: s.signer, token: s.stamp.token, gen_time: s.stamp.genTime.toISOString(), tsa_certificate_sha256: s.stamp.tsaCertificateSha256 })))
    .execute();
}

/** At start: the TSA's certificate on record, so evidence can trust it after the TSA changes. */
export async function keepTsaCertificate(db: Kysely<Database>, tsa: { certificateDer: Uint8Array; certificateSha256: string }): Promise<void> {
  await db
    .insertInto('tsa_certificates')
    .values({ sha256: tsa.certificateSha256, der: tsa.certificateDer })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

export interface StoredTimeStamp {
  stepId: string;
  signer: TimeStampedSigner;
  token: Uint8Array;
  genTime: string;
  tsaCertificateSha256: string;
}

/** The tokens of the given steps, and the certificates of the TSAs that issued them. */
export async function timeStampsOfSteps(db: Kysely<Database>, stepIds: readonly string[]): Promise<{ stamps: StoredTimeStamp[]; tsaCertificates: Uint8Array[] }> {
  if (stepIds.length === 0) return { stamps: [], tsaCertificates: [] };
  const rows = await db.selectFrom('signature_time_stamps').selectAll().where('step_id', 'in', [...stepIds]).execute();
  const stamps = rows.map((r) => ({ stepId: r.step_id, signer: r.signer as TimeStampedSigner, token: new Uint8Array(r.token), genTime: r.gen_time, tsaCertificateSha256: r.tsa_certificate_sha256 }));
  const hashes = [...new Set(stamps.map((s) => s.tsaCertificateSha256))];
  const certificates = hashes.length ? await db.selectFrom('tsa_certificates').select('der').where('sha256', 'in', hashes).orderBy('sha256').execute() : [];
  return { stamps, tsaCertificates: certificates.map((c) => new Uint8Array(c.der)) };
}
