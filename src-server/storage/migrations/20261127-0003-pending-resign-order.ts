import type { Kysely } from 'kysely';

/**
 * Frozen. IFT940's list is read a page at a time in (sent_at, id) order: with those columns in the
 * index a page reads its own rows only, instead of all of a clerk's pending steps sorted anew.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('steps_pending_resign_ordered')
    .on('steps')
    .columns(['holder_user_id', 'temp_cert_used', 'resigned_at', 'sent_at', 'id'])
    .execute();
  await db.schema.dropIndex('steps_pending_resign').execute();
}
