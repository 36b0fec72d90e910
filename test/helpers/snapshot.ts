import type { Kysely } from 'kysely';
import type { Database } from '../../src-server/storage/schema.js';

/**
 * Every row of every table that a refused request must leave alone, as text. Password failures
 * are left out: counting wrong passwords is the one change a refused login is meant to make.
 */
const TABLES = [
  'units',
  'users',
  'card_certificates',
  'sessions',
  'documents',
  'document_sequences',
  'attachments',
  'steps',
  'idempotency_keys',
  'temp_cert_applications',
  'temp_certificates',
  'audit_log',
  'audit_pending',
  'carried_certificates',
  'signature_time_stamps',
  'tsa_certificates',
  'deputies',
  'attachment_uploads',
  'card_challenges',
  'temp_ca_crls',
  'paper_resigns',
  'card_crls',
  'signature_crls',
  'relied_temp_ca_crls',
  'sealed_service_keys',
  'user_roles',
  'admin_sessions',
  'console_card_logins',
] as const;
/** Left out, each for its reason above. */
export const NOT_COMPARED = ['password_failures'] as const;
// A table added to the schema must be named in one of the two lists, or this does not compile.
type Unlisted = Exclude<keyof Database, (typeof TABLES)[number] | (typeof NOT_COMPARED)[number]>;
export const everyTableListed: [Unlisted] extends [never] ? true : Unlisted = true;

/**
 * The audit entries as what they say, chained or still pending: on PostgreSQL a round started by
 * an earlier write may move entries from audit_pending into audit_log between two snapshots
 * (audit-sealer.ts), which changes where an entry is kept, not what the record holds.
 */
const AUDIT_ENTRY = ['at', 'actor', 'action', 'subject', 'detail'] as const;

async function rowsOf(db: Kysely<Database>, table: (typeof TABLES)[number]): Promise<unknown[]> {
  if (table === 'audit_pending') return [];
  if (table === 'audit_log') {
    // One statement, one snapshot: two would miss an entry a round moves between them.
    return db.selectFrom('audit_log').select(AUDIT_ENTRY).unionAll(db.selectFrom('audit_pending').select(AUDIT_ENTRY)).execute();
  }
  return db.selectFrom(table).selectAll().execute();
}

export async function snapshot(db: Kysely<Database>): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = await rowsOf(db, table);
    const text = rows
      .map((r) => JSON.stringify(r, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'bigint' ? String(v) : v)))
      .sort();
    parts.push(`${table}:${text.length}\n${text.join('\n')}`);
  }
  return parts.join('\n');
}
