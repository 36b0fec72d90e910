import type { Kysely } from 'kysely';

/**
 * Frozen. A temp-cert application under the agency's policy: the end date the applicant asked for
 * (when the policy sets a period; null: no time limit, the seed's 無限期), and the unit head's
 * decision when the policy asks for approval: who, when, and the comment. The application's state
 * gains 'pending' (待主管核准) and 'rejected' beside 'applied' and 'disabled'.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['period_end', 'decided_at', 'decided_by', 'decision_comment'])
    await db.schema.alterTable('temp_cert_applications').addColumn(column, 'text').execute();
}
