import type { Kysely } from 'kysely';

/**
 * Frozen. The admin console (issue 18): console roles held in the database (`it-admin`: 系統管理者,
 * `records`: 檔案管理), the console's own sessions (a cookie, apart from the app's bearer
 * sessions; only the token's SHA-256 is kept), and the indexes its lists filter and page by: the
 * audit log by actor, action, subject and time, and steps by the time they were sent (statistics,
 * pending 補簽).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    // The account that granted it; null at the command line.
    .addColumn('granted_by', 'text')
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .execute();
  await db.schema
    .createTable('admin_sessions')
    .addColumn('token_sha256', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('admin_sessions_user').on('admin_sessions').column('user_id').execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'seq']).execute();
  await db.schema.createIndex('steps_sent').on('steps').columns(['sent_at', 'unit_id', 'temp_cert_used']).execute();
  // The temp-signed steps of a month, and the pending ones, read from the index alone.
  await db.schema.createIndex('steps_temp_sent').on('steps').columns(['temp_cert_used', 'sent_at', 'unit_id', 'resigned_at', 'resign_kind']).execute();
}
