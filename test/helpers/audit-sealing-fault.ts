import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src-server/storage/schema.js';

/**
 * Makes every round of audit sealing fail (PostgreSQL): a trigger refuses each entry chained into
 * audit_log, so entries stay pending as when sealing keeps failing in service. Returns the undo.
 */
export async function refuseAuditChaining(db: Kysely<Database>): Promise<() => Promise<void>> {
  await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit_log refused for this test'; end $$`.execute(db);
  await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(db);
  return async () => {
    await sql`drop function refuse_audit() cascade`.execute(db);
  };
}
