import type { Kysely } from 'kysely';

/**
 * Frozen. Card login and card replacement (issue 17):
 * - `card_challenges`: the one-time challenges a card signs to log in or to register a new card,
 *   kept by their SHA-256 (the challenge itself is never stored), in the database so that every
 *   service instance honours and spends the same ones. `user_id` binds a registration challenge
 *   to the session that asked for it; null for a login challenge.
 * - `sessions.login_method` ('password' or 'card') and, for a card login, the card's SHA-256.
 * - `card_certificates.retired_at`/`retired_by`: a retired card signs and logs in no more; its row
 *   stays, so what it signed still verifies. `registered_by`: the account that registered it
 *   (null: an administrator at the service's command line).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('card_challenges')
    .addColumn('challenge_sha256', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('card_challenges_expiry').on('card_challenges').column('expires_at').execute();
  await db.schema
    .alterTable('sessions')
    .addColumn('login_method', 'text', (c) => c.notNull().defaultTo('password'))
    .execute();
  await db.schema.alterTable('sessions').addColumn('card_sha256', 'text').execute();
  await db.schema.alterTable('card_certificates').addColumn('retired_at', 'text').execute();
  await db.schema.alterTable('card_certificates').addColumn('retired_by', 'text').execute();
  await db.schema.alterTable('card_certificates').addColumn('registered_by', 'text').execute();
}
