import type { Kysely } from 'kysely';

/** Frozen. A counter per ROC year, so concurrent drafts never race for the same document number. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('document_sequences')
    .addColumn('roc_year', 'integer', (c) => c.primaryKey())
    .addColumn('last', 'integer', (c) => c.notNull())
    .execute();
}
