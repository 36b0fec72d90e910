import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * What "pending 補簽" means, in one place for the reminders, the separation report and the monthly
 * figures: a step sent with a temp certificate whose re-sign has not been recorded. Every way of
 * re-signing (by the signer, on behalf, on paper) sets resigned_at; `resign_kind` (migration
 * 0050, issue 16's on-behalf work) says which.
 */
export function isPendingResign(eb: ExpressionBuilder<Database & { s: Database['steps'] }, 's'>) {
  return eb.and([eb('s.temp_cert_used', '=', 1), eb('s.resigned_at', 'is', null), eb('s.sent_at', 'is not', null)]);
}

/** A person's pending 補簽: how many, and when the earliest was sent. */
export async function pendingResignOf(db: Kysely<Database>, userId: string): Promise<{ count: number; earliestAt: string | null }> {
  const row = await db
    .selectFrom('steps as s')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min<string | null>('s.sent_at').as('earliest')])
    .where('s.holder_user_id', '=', userId)
    .where(isPendingResign)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), earliestAt: row.earliest ?? null };
}

/** The unit head's figure: pending steps of the people of the units they head (not their own), sent before `overdueBefore`. */
export async function overdueInUnitsHeadedBy(db: Kysely<Database>, headId: string, overdueBefore: string): Promise<number | null> {
  const units = await db.selectFrom('units').select('id').where('head_user_id', '=', headId).execute();
  if (units.length === 0) return null;
  const row = await db
    .selectFrom('steps as s')
    .innerJoin('users as u', 'u.id', 's.holder_user_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(
      'u.unit_id',
      'in',
      units.map((u) => u.id),
    )
    .where('u.id', '!=', headId)
    .where(isPendingResign)
    .where('s.sent_at', '<', overdueBefore)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
