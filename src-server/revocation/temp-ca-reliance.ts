import type { Kysely } from 'kysely';
import type { ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';
import { currentTempCaCrl } from '../temp-ca/crl.js';
import { sha256Hex } from '../temp-ca/authority.js';
import { crlSha256 } from './crl.js';
import type { ReliedCrl } from './card-revocation.js';

/**
 * The CRL this service last kept in `relied_temp_ca_crls`, by its number and thisUpdate: an issued
 * CRL never changes, so each is hashed and written once, not at every send that relies on it.
 */
const lastKept = new WeakMap<ServiceContext, { number: number; thisUpdate: string; sha256: string }>();

/** The temp CA CRL a signature relies on, and how it is kept with that signature. */
export interface TempCaReliance {
  relied: ReliedCrl;
  /** Keeps the CRL (once by SHA-256) in the signature's own transaction. */
  keep(trx: Kysely<Database>): Promise<void>;
  /** After that transaction committed: later sends relying on the same CRL need not write it. */
  committed(): void;
}

/**
 * What a temp-cert signature relies on for revocation: the temp CA's own CRL of that moment
 * (the one /api/temp-ca/crl serves, fresh after any revocation), kept once by its SHA-256 and
 * named per signature in `signature_crls` like a card CRL, so the evidence can check the temp
 * certificate with -crl_check years later. The service itself decides from `temp_certificates`
 * (a revoked one is refused before this); the CRL is what a relying party outside can check.
 *
 * The CRL is kept in the signature's transaction: a send refused after this point (its
 * time-stamp, a lost race) leaves nothing of it behind.
 */
export async function reliedTempCaCrl(ctx: ServiceContext): Promise<TempCaReliance> {
  const crl = await currentTempCaCrl(ctx);
  const kept = lastKept.get(ctx);
  const known = kept?.number === crl.number && kept.thisUpdate === crl.thisUpdate;
  const sha256 = known ? kept.sha256 : crlSha256(crl.der);
  return {
    relied: { issuerSha256: sha256Hex(ctx.tempCa.certificate), crlSha256: sha256, status: 'current' },
    keep: async (trx) => {
      if (known) return;
      await trx
        .insertInto('relied_temp_ca_crls')
        .values({ sha256, der: crl.der, number: crl.number, this_update: crl.thisUpdate, next_update: crl.nextUpdate })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
    },
    committed: () => {
      if (!known) lastKept.set(ctx, { number: crl.number, thisUpdate: crl.thisUpdate, sha256 });
    },
  };
}
