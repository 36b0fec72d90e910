import type { Kysely } from 'kysely';

/**
 * Frozen. 補簽 no longer rewrites a step's signature: the card's countersignature (a SignerInfo,
 * verified over the signature value) is kept beside it, with the certificates it came with, and
 * the two are put together only when evidence is exported. The signature as the clerk's PC sent it
 * stays byte for byte what was verified at sending. Steps re-signed before this migration keep
 * the countersignature inside their signature (`countersignature` is null for them).
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema.alterTable('steps').addColumn('countersignature', blob).execute();
  // The SHA-256 (hex, JSON array) of each certificate carried with the countersignature, in order.
  await db.schema.alterTable('steps').addColumn('resign_certificates', 'text').execute();
  await db.schema
    .createTable('carried_certificates')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('der', blob, (c) => c.notNull())
    .execute();
}
