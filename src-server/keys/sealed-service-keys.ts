import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import type { Transaction } from 'kysely';
import { toPem } from '../../src-shared/node/pki/x509.js';
import { OperatorError } from '../operations/operator-error.js';
import type { Storage } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { seal, unseal, type SealKey } from './seal.js';

export type ServiceKeyPurpose = 'temp-ca' | 'tsa';

/** A key the service signs with and its certificate, as PEM (what TempCertAuthority and TimeStampAuthority load). */
export interface ServiceKeyPair {
  certPem: string;
  keyPem: string;
}

const TABLE = 'sealed_service_keys';
const NAME: Record<ServiceKeyPurpose, string> = { 'temp-ca': 'temp CA', tsa: 'time-stamping authority' };

/** The table, the purpose and the certificate: a sealed key moved to another row or certificate does not open. */
function associatedData(purpose: ServiceKeyPurpose, certificate: Uint8Array): string {
  return `${TABLE}/${purpose}/${createHash('sha256').update(certificate).digest('hex')}`;
}

/** The certificate of the key sealed in the database for `purpose`, if one is there (read without the seal key). */
export async function sealedCertificate(storage: Storage, purpose: ServiceKeyPurpose): Promise<Uint8Array | undefined> {
  const row = await storage.db.selectFrom(TABLE).select('certificate').where('purpose', '=', purpose).executeTakeFirst();
  return row ? new Uint8Array(row.certificate) : undefined;
}

/**
 * The key every instance on this database uses for `purpose`: the one sealed in the database, or,
 * when none is there yet, `source`'s (a new one, or the data folder's being moved in) kept there in
 * one transaction. The purpose is the row's primary key, so of two instances starting at once one
 * insert wins, the other's is dropped (ON CONFLICT DO NOTHING) and both load the winner's.
 * `refuseNew`, run inside that transaction, may refuse a new key (a sentence) when a new one
 * would leave something untrusted; a key moved in from the data folder is not new.
 */
export async function loadOrMakeSealedKey(
  storage: Storage,
  sealKey: SealKey,
  purpose: ServiceKeyPurpose,
  source: () => Promise<ServiceKeyPair & { isNew: boolean }>,
  refuseNew?: (trx: Transaction<Database>) => Promise<string | null>,
): Promise<ServiceKeyPair> {
  let row = await storage.db.selectFrom(TABLE).selectAll().where('purpose', '=', purpose).executeTakeFirst();
  if (!row) {
    const made = await source();
    const certificate = new Uint8Array(new X509Certificate(made.certPem).raw);
    const pkcs8 = createPrivateKey(made.keyPem).export({ format: 'der', type: 'pkcs8' });
    const sealed = seal(sealKey, pkcs8, associatedData(purpose, certificate));
    pkcs8.fill(0);
    await storage.write(async (trx) => {
      const refusal = made.isNew && refuseNew ? await refuseNew(trx) : null;
      if (refusal) throw new OperatorError(refusal);
      await trx
        .insertInto(TABLE)
        .values({ purpose, certificate, sealed_key: sealed, seal_key_id: sealKey.id, made_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('purpose').doNothing())
        .execute();
    });
    row = await storage.db.selectFrom(TABLE).selectAll().where('purpose', '=', purpose).executeTakeFirstOrThrow();
  }
  return openRow(sealKey, purpose, new Uint8Array(row.certificate), new Uint8Array(row.sealed_key), row.seal_key_id);
}

function openRow(sealKey: SealKey, purpose: ServiceKeyPurpose, certificate: Uint8Array, sealed: Uint8Array, sealKeyId: string): ServiceKeyPair {
  const name = NAME[purpose];
  const untouched = `Nothing was changed and no new ${name} was made.`;
  if (sealKeyId !== sealKey.id)
    throw new OperatorError(
      `The ${name} in the database was sealed with another seal key than ${sealKey.path} (GONGWEN_SEAL_KEY_FILE) holds: give this instance the seal key file the other instances use. ${untouched}`,
    );
  const pkcs8 = unseal(sealKey, sealed, associatedData(purpose, certificate));
  const refusal = `The ${name} sealed in the database (table ${TABLE}, purpose ${purpose}) does not open with the seal key: the row is damaged or was altered. Restore that row from the database's backup. ${untouched}`;
  if (!pkcs8) throw new OperatorError(refusal);
  try {
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const x509 = new X509Certificate(certificate);
    if (!x509.checkPrivateKey(key)) throw new OperatorError(refusal);
    return { certPem: toPem(certificate, 'CERTIFICATE'), keyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString() };
  } catch (error) {
    if (error instanceof OperatorError) throw error;
    throw new OperatorError(refusal);
  } finally {
    pkcs8.fill(0);
  }
}
