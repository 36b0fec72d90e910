import type { Transaction } from 'kysely';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import type { DialectName } from '../storage/database.js';
import type { Database } from '../storage/schema.js';

/**
 * Sets a unit's head (權責主管), who may re-sign on behalf of the unit's people and reads its
 * monthly figures. An administrator's act (CLI `set-unit-head`); `by` is who did it, for the audit
 * log (null from the CLI, which acts as the operator of the machine).
 */
export async function setUnitHead(ctx: ServiceContext, unitId: string, account: string, by: string | null = null): Promise<{ previous: string | null }> {
  const { dialect } = ctx.storage;
  return ctx.storage.write((trx) => assignUnitHead(trx, dialect, ctx.now(), unitId, account, by));
}

/** setUnitHead inside a transaction of the caller's (the console edits a unit's name and head as one change). */
export async function assignUnitHead(
  trx: Transaction<Database>,
  dialect: DialectName,
  now: Date,
  unitId: string,
  account: string,
  by: string | null,
): Promise<{ previous: string | null }> {
  const unit = await trx.selectFrom('units').select(['id', 'head_user_id']).where('id', '=', unitId).executeTakeFirst();
  if (!unit) throw new GongwenError('UNIT_UNKNOWN', unitId);
  const head = await trx.selectFrom('users').select(['id', 'unit_id', 'separated_at']).where('account', '=', account).executeTakeFirst();
  if (!head) throw new GongwenError('USER_UNKNOWN', account);
  if (head.separated_at !== null) throw new GongwenError('USER_SEPARATED', account);
  // A head from another unit is allowed (an acting head, 代理科長): agencies do appoint one.
  const previous = unit.head_user_id
    ? ((await trx.selectFrom('users').select('account').where('id', '=', unit.head_user_id).executeTakeFirst())?.account ?? null)
    : null;
  await trx.updateTable('units').set({ head_user_id: head.id }).where('id', '=', unitId).execute();
  await appendAudit(trx, dialect, now, { actor: by, action: 'unit.head', subject: unitId, detail: { head: account, previous } });
  return { previous };
}
