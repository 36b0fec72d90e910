import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { OperatorError } from '../operations/operator-error.js';

/**
 * Names the head of a unit (`units.head_user_id`): the person who approves the unit's temp-cert
 * applications when the agency's policy asks for it. The head need not be in the unit (a section
 * may be headed from the division above); the CLI's `set-unit-head` is the way to set it.
 */
export async function setUnitHead(ctx: ServiceContext, unitId: string, account: string, by: string | null = null): Promise<void> {
  const { dialect } = ctx.storage;
  await ctx.storage.write(async (trx) => {
    const unit = await trx.selectFrom('units').select('id').where('id', '=', unitId).executeTakeFirst();
    if (!unit) throw new OperatorError(`There is no unit ${unitId}; nothing was changed.`);
    const user = await trx.selectFrom('users').select(['id', 'account']).where('account', '=', account).executeTakeFirst();
    if (!user) throw new OperatorError(`There is no account ${account}; nothing was changed.`);
    await trx.updateTable('units').set({ head_user_id: user.id }).where('id', '=', unitId).execute();
    await appendAudit(trx, dialect, ctx.now(), { actor: by, action: 'unit.head', subject: unitId, detail: { head: account } });
  });
}
