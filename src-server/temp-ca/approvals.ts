import type { z } from 'zod';
import type { DecideTempCertRequest, TempCertApprovalsList } from '../../src-shared/common/api/temp-cert.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';

/**
 * The unit head's side of an application under the policy `approval: unit-head`: the
 * applications of the units they head that await a decision (who, reason, the period asked),
 * and approving or rejecting one with a comment the applicant sees in IFT930. Nobody decides on
 * their own application.
 */
export async function applicationsAwaitingMe(ctx: ServiceContext, actor: Actor): Promise<TempCertApprovalsList> {
  const rows = await ctx.storage.db
    .selectFrom('temp_cert_applications as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .innerJoin('units as n', 'n.id', 'u.unit_id')
    .select(['u.account', 'u.name', 'n.name as unit', 'a.reason', 'a.applied_at', 'a.period_end'])
    .where('n.head_user_id', '=', actor.id)
    .where('a.state', '=', 'pending')
    .where('u.id', '!=', actor.id)
    .orderBy('a.applied_at')
    .execute();
  return {
    applications: rows.map((r) => ({ account: r.account, name: r.name, unit: r.unit, reason: r.reason, appliedAt: r.applied_at, periodEnd: r.period_end })),
  };
}

export async function decideTempCertApplication(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof DecideTempCertRequest>,
): Promise<TempCertApprovalsList> {
  const { dialect } = ctx.storage;
  const now = ctx.now().toISOString();
  await ctx.storage.write(async (trx) => {
    const applicant = await trx
      .selectFrom('users as u')
      .innerJoin('units as n', 'n.id', 'u.unit_id')
      .select(['u.id', 'u.account', 'n.head_user_id'])
      .where('u.account', '=', input.account)
      .executeTakeFirst();
    // Someone else's unit and an unknown account answer alike: a head learns nothing of other units.
    if (!applicant || applicant.head_user_id !== actor.id || applicant.id === actor.id) throw new GongwenError('NOT_UNIT_HEAD');
    const decided = await trx
      .updateTable('temp_cert_applications')
      .set({ state: input.approve ? 'applied' : 'rejected', decided_at: now, decided_by: actor.id, decision_comment: input.comment, updated_at: now })
      .where('user_id', '=', applicant.id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (decided.numUpdatedRows !== 1n) throw new GongwenError('TEMP_CERT_NOT_PENDING');
    await appendAudit(trx, dialect, ctx.now(), {
      actor: actor.account,
      action: input.approve ? 'temp-cert.approve' : 'temp-cert.reject',
      subject: applicant.account,
      detail: { comment: input.comment },
    });
  });
  return applicationsAwaitingMe(ctx, actor);
}
