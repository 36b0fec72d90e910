import type { Kysely } from 'kysely';

/**
 * Frozen. Console login by card (issue 18), a device approval in the manner of RFC 8628: a
 * browser asks for a login request and shows its short code; the person approves that code in
 * GongwenDesk with the card; the browser then picks up its console session.
 * - `browser_sha256`: SHA-256 of the secret cookie the requesting browser holds (the request is
 *   that browser's alone; the secret itself is never stored).
 * - `user_code`: the short code the page shows (not a secret: approving needs the card).
 * - `from_address`/`from_agent`: where the request came from, shown to the approving person.
 * - `claimed_by`/`challenge_sha256`: the person whose desktop looked the code up and the card
 *   challenge issued to it for this request.
 * - `approved_by`/`approved_at`/`card_sha256`: the approval; `used_at`: the session was picked up.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_card_logins')
    .addColumn('browser_sha256', 'text', (c) => c.primaryKey())
    .addColumn('user_code', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('from_agent', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('challenge_sha256', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('card_sha256', 'text')
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('console_card_logins_code').on('console_card_logins').columns(['user_code', 'expires_at']).execute();
  await db.schema.createIndex('console_card_logins_address').on('console_card_logins').columns(['from_address', 'expires_at']).execute();
  await db.schema.createIndex('console_card_logins_expiry').on('console_card_logins').column('expires_at').execute();
}
