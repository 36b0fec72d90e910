import type { Kysely } from 'kysely';

/**
 * Frozen. CAdES-T: every accepted signature (a step's signature, and the 補簽 countersignature
 * beside it) gets an RFC 3161 time-stamp token over its signature value, kept here, beside the
 * step; the stored signature is never rewritten. Evidence attaches each token as the
 * signature-time-stamp unsigned attribute of its SignerInfo. The certificates of the TSAs that
 * issued tokens are kept once each, so evidence can name them in its trust folder after a TSA's
 * key is replaced. An external TSA that is down never refuses a send: the row is written with
 * no token (pending) and the token is fetched later (`attempts` counts the tries).
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('signature_time_stamps')
    .addColumn('step_id', 'text', (c) => c.notNull().references('steps.id'))
    // 'signature' (the step's SignerInfo) or 'countersignature' (the 補簽 SignerInfo).
    .addColumn('signer', 'text', (c) => c.notNull())
    .addColumn('token', blob)
    .addColumn('gen_time', 'text')
    .addColumn('tsa_certificate_sha256', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('signature_time_stamps_pk', ['step_id', 'signer'])
    .execute();
  await db.schema
    .createTable('tsa_certificates')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('der', blob, (c) => c.notNull())
    .execute();
}
