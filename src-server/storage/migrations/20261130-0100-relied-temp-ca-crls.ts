import type { Kysely } from 'kysely';

/**
 * Frozen. The temp CA's CRLs that temp-cert signatures relied on, each kept once by its SHA-256
 * (`temp_ca_crls` keeps only the latest few; these stay as long as the signatures do). Which one a
 * signature relied on is a `signature_crls` row, as for card CRLs: issuer_sha256 is the temp CA
 * certificate's SHA-256, crl_sha256 this table's key.
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('relied_temp_ca_crls')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('der', blob, (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('this_update', 'text', (c) => c.notNull())
    .addColumn('next_update', 'text', (c) => c.notNull())
    .execute();
}
