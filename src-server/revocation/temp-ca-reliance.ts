import type { ServiceContext } from '../context.js';
import { currentTempCaCrl } from '../temp-ca/crl.js';
import { sha256Hex } from '../temp-ca/authority.js';
import { crlSha256 } from './crl.js';
import type { ReliedCrl } from './card-revocation.js';

/**
 * The CRL this service last kept in `relied_temp_ca_crls`, by its number and thisUpdate: an issued
 * CRL never changes, so each is hashed and written once, not at every send that relies on it.
 */
const lastKept = new WeakMap<ServiceContext, { number: number; thisUpdate: string; sha256: string }>();

/**
 * What a temp-cert signature relies on for revocation: the temp CA's own CRL of that moment
 * (the one /api/temp-ca/crl serves, fresh after any revocation), kept once by its SHA-256 and
 * named per signature in `signature_crls` like a card CRL, so the evidence can check the temp
 * certificate with -crl_check years later. The service itself decides from `temp_certificates`
 * (a revoked one is refused before this); the CRL is what a relying party outside can check.
 *
 * The CRL is kept outside the signature's transaction: a send that then fails leaves a CRL kept
 * that nothing names, which is harmless, and the next send need not write it again.
 */
export async function reliedTempCaCrl(ctx: ServiceContext): Promise<ReliedCrl> {
  const crl = await currentTempCaCrl(ctx);
  let kept = lastKept.get(ctx);
  if (kept?.number !== crl.number || kept.thisUpdate !== crl.thisUpdate) {
    const sha256 = crlSha256(crl.der);
    await ctx.storage.db
      .insertInto('relied_temp_ca_crls')
      .values({ sha256, der: crl.der, number: crl.number, this_update: crl.thisUpdate, next_update: crl.nextUpdate })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    kept = { number: crl.number, thisUpdate: crl.thisUpdate, sha256 };
    lastKept.set(ctx, kept);
  }
  return { issuerSha256: sha256Hex(ctx.tempCa.certificate), crlSha256: kept.sha256, status: 'current' };
}
