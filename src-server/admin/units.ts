import type { AdminUnit, EditUnitRequest } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { assignUnitHead } from '../organisation/unit-heads.js';
import { isUniqueViolation } from '../storage/database.js';
import { listUnits } from './people.js';

/**
 * 編輯單位: its name and its head, as one change: a refused head leaves the name as it was.
 * A new name is audited as `unit.edit` (from, to); a new head as `unit.head`, as set-unit-head
 * does at the command line. What does not change is neither written nor audited.
 */
export async function editUnit(ctx: ServiceContext, by: string, unitId: string, input: EditUnitRequest): Promise<AdminUnit> {
  const { dialect } = ctx.storage;
  const now = ctx.now();
  try {
    await ctx.storage.write(async (trx) => {
      const unit = await trx.selectFrom('units').select(['id', 'name', 'head_user_id']).where('id', '=', unitId).executeTakeFirst();
      if (!unit) throw new GongwenError('UNIT_UNKNOWN', unitId);
      if (input.name !== undefined && input.name !== unit.name) {
        const other = await trx.selectFrom('units').select('id').where('name', '=', input.name).executeTakeFirst();
        if (other) throw new GongwenError('UNIT_NAME_TAKEN', input.name);
        await trx.updateTable('units').set({ name: input.name }).where('id', '=', unitId).execute();
        await appendAudit(trx, dialect, now, { actor: by, action: 'unit.edit', subject: unitId, detail: { name: { from: unit.name, to: input.name } } });
      }
      if (input.head !== undefined) {
        const head = await trx.selectFrom('users').select('id').where('account', '=', input.head).executeTakeFirst();
        if (!head || head.id !== unit.head_user_id) await assignUnitHead(trx, dialect, now, unitId, input.head, by);
      }
    });
  } catch (error) {
    // Two renames to one name at once: the second meets the UNIQUE constraint.
    if (input.name !== undefined && isUniqueViolation(error)) throw new GongwenError('UNIT_NAME_TAKEN', input.name);
    throw error;
  }
  const { units } = await listUnits(ctx);
  const edited = units.find((u) => u.id === unitId);
  if (!edited) throw new GongwenError('UNIT_UNKNOWN', unitId);
  return edited;
}
