import type { Kysely } from 'kysely';

/**
 * Frozen. The organisation agencies' 補簽 rules need (issue 16), beside each unit's head
 * (權責主管, migration 0030): each person's deputies (職務代理人) for a date range, and the day a
 * person left (離職). Dates of a
 * deputy's range are calendar days in Taiwan's time (YYYY-MM-DD, both ends included), because
 * that is how an agency writes them on the form.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('separated_at', 'text').execute();
  await db.schema
    .createTable('deputies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('deputy_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('named_by_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('named_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('deputies_by_user').on('deputies').columns(['user_id', 'starts_on']).execute();
  await db.schema.createIndex('deputies_by_deputy').on('deputies').columns(['deputy_user_id', 'starts_on']).execute();
}
