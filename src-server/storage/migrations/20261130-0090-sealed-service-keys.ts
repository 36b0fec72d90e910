import type { Kysely } from 'kysely';

/**
 * Frozen. The service's own keys (the temp CA's, the built-in TSA's) kept in the database so that
 * every instance on it uses the same ones: one row per purpose (the primary key is what stops two
 * instances starting at once from making two CAs), the certificate in the clear, the PKCS#8 key
 * sealed (AES-256-GCM) under a key from the configuration that never enters the database.
 * `seal_key_id` names that key (an HMAC of it, not the key) so a wrong one is told from damage.
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('sealed_service_keys')
    // 'temp-ca' or 'tsa'.
    .addColumn('purpose', 'text', (c) => c.primaryKey())
    .addColumn('certificate', blob, (c) => c.notNull())
    // version (1 octet) ‖ IV (12) ‖ tag (16) ‖ ciphertext of the PKCS#8 DER.
    .addColumn('sealed_key', blob, (c) => c.notNull())
    .addColumn('seal_key_id', 'text', (c) => c.notNull())
    .addColumn('made_at', 'text', (c) => c.notNull())
    .execute();
}
