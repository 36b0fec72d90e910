import type { Kysely } from 'kysely';

/**
 * Frozen. Revocation of card certificates: every CRL the service accepted (signed by a card root or
 * a registered intermediate, parsed, not past its nextUpdate when fetched) is kept once, by its
 * SHA-256, so several instances on one database share the last good one. `signature_crls` records,
 * per signature (the step's and the 補簽 countersignature), what the service relied on for each
 * issuer of the signer's path: the CRL's SHA-256, or none (soft-fail, `status` says why).
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('card_crls')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('der', blob, (c) => c.notNull())
    // The SHA-256 of the CA certificate whose key verified it (a card root or a registered intermediate).
    .addColumn('issuer_sha256', 'text', (c) => c.notNull())
    .addColumn('this_update', 'text', (c) => c.notNull())
    .addColumn('next_update', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('card_crls_issuer').on('card_crls').columns(['issuer_sha256', 'this_update']).execute();
  await db.schema
    .createTable('signature_crls')
    .addColumn('step_id', 'text', (c) => c.notNull().references('steps.id'))
    // 'signature' or 'countersignature', as in signature_time_stamps.
    .addColumn('signer', 'text', (c) => c.notNull())
    .addColumn('issuer_sha256', 'text', (c) => c.notNull())
    .addColumn('crl_sha256', 'text')
    // 'current' (within nextUpdate), 'grace' (past it, within the configured grace), 'none' (no usable CRL).
    .addColumn('status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('signature_crls_pk', ['step_id', 'signer', 'issuer_sha256'])
    .execute();
}
