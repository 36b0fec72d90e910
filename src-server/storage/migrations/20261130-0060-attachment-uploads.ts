import type { Kysely } from 'kysely';

/**
 * Frozen. Attachments uploaded as raw bytes before the document that names them (issue 13, point
 * 5): a large attachment no longer travels as base64 inside a JSON body that must be parsed at
 * once. A row lives until a document takes it, or a day.
 */
export async function up(db: Kysely<any>, blob: 'blob' | 'bytea'): Promise<void> {
  await db.schema
    .createTable('attachment_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content', blob, (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachment_uploads_by_user').on('attachment_uploads').columns(['user_id', 'uploaded_at']).execute();
}
