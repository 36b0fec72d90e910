import { sql, type Kysely } from 'kysely';

/**
 * Frozen. How a temp-signed step was re-signed (issue 16): `resign_kind` is 'self' (the signer's
 * own card), 'on-behalf' (a deputy's or the unit head's card, 代為補簽) or 'paper' (紙本補簽, the
 * unit head's record of a paper re-sign); the monthly figures count by it. Beside it, who
 * re-signed, by which right ('unit-head' or 'deputy', as it stood at that moment) and the reason
 * they gave. Steps re-signed before this migration were re-signed by their signer.
 * `paper_resigns` keeps, per step re-signed on paper, the scan (its bytes, media type and
 * SHA-256) and the record the unit head's card signed (its exact bytes and the CMS).
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema.alterTable('steps').addColumn('resign_kind', 'text').execute();
  await db.schema.alterTable('steps').addColumn('resign_user_id', 'text').execute();
  await db.schema.alterTable('steps').addColumn('resign_right', 'text').execute();
  await db.schema.alterTable('steps').addColumn('resign_reason', 'text').execute();
  await sql`update steps set resign_kind = 'self', resign_user_id = holder_user_id where resigned_at is not null`.execute(db);
  await db.schema
    .createTable('paper_resigns')
    .addColumn('step_id', 'text', (c) => c.primaryKey().references('steps.id'))
    .addColumn('scan', blob, (c) => c.notNull())
    .addColumn('scan_media_type', 'text', (c) => c.notNull())
    .addColumn('scan_sha256', 'text', (c) => c.notNull())
    .addColumn('record', blob, (c) => c.notNull())
    .addColumn('signature', blob, (c) => c.notNull())
    .addColumn('certificate_sha256', 'text', (c) => c.notNull())
    .addColumn('recorded_by_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
}
