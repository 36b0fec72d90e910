import type { Kysely } from 'kysely';

/**
 * Frozen. A registered card keeps the intermediate CAs it was registered with: a GCA card sits
 * under an intermediate, and a card (or the PKCS#11 module reading it) offers only its own
 * certificate, so a signature carries the leaf alone. `intermediates` is the JSON array of their
 * SHA-256 in `carried_certificates` (stored once each); null for cards registered before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('card_certificates').addColumn('intermediates', 'text').execute();
}
