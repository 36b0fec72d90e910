import type { Kysely } from 'kysely';

/**
 * Frozen. The temp CA's CRLs (RFC 5280 §5): each one issued, by its CRL number. The number is the
 * primary key, so instances sharing one database can never issue the same number twice, and each
 * takes the highest on record plus one, so none issues a lower one. `revoked_count` is how many
 * revoked certificates the CRL lists: fewer than the database holds means a revocation came
 * after it and a fresh CRL is due. Only the latest few are kept (the service prunes the rest).
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('temp_ca_crls')
    .addColumn('number', 'integer', (c) => c.primaryKey())
    .addColumn('this_update', 'text', (c) => c.notNull())
    .addColumn('next_update', 'text', (c) => c.notNull())
    .addColumn('revoked_count', 'integer', (c) => c.notNull())
    .addColumn('der', blob, (c) => c.notNull())
    .execute();
}
