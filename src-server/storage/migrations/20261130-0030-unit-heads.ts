import type { Kysely } from 'kysely';

/**
 * Frozen. Who heads each unit (權責單位主管): the user who approves the unit's temp-cert
 * applications when the agency's policy asks for it (and, in issue 16, may re-sign on behalf).
 * Set by the CLI (`set-unit-head`); null: the unit has no head on record.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('units').addColumn('head_user_id', 'text').execute();
}
