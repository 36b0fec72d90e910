import type { PendingResignPage, PendingResignQuery, PendingResignStep } from '../../src-shared/common/api/admin.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import type { ServiceContext } from '../context.js';
import { onBehalfRight } from '../organisation/on-behalf-right.js';
import { isPendingResign } from '../organisation/pending-resign.js';
import { overdueBefore } from '../workflow/resign-on-behalf.js';

const DAY_MS = 86_400_000;

/**
 * 補簽 to watch: temp-signed steps not yet re-signed, oldest first, by the unit they were signed
 * in, with who may re-sign each today: the signer (until they leave), and those with the
 * on-behalf right (`onBehalfRight`: the unit head, a current deputy) once it is due
 * on their behalf (overdue, or the signer has left; `assertDueOnBehalf`).
 */
export async function pendingResignSteps(ctx: ServiceContext, query: PendingResignQuery): Promise<PendingResignPage> {
  const { db } = ctx.storage;
  const now = ctx.now();
  const overdueAt = overdueBefore(ctx, now);
  let base = db.selectFrom('steps as s').where(isPendingResign);
  if (query.unit) base = base.where('s.unit_id', '=', query.unit);
  if (query.overdue === 'true') base = base.where('s.sent_at', '<=', overdueAt);
  if (query.overdue === 'false') base = base.where('s.sent_at', '>', overdueAt);
  if (query.minAgeDays !== undefined) base = base.where('s.sent_at', '<=', new Date(now.getTime() - query.minAgeDays * DAY_MS).toISOString());
  const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .innerJoin('users as p', 'p.id', 's.holder_user_id')
    .innerJoin('units as u', 'u.id', 's.unit_id')
    .select(['s.id', 's.seq', 's.sent_at', 's.unit_id', 'u.name as unitName', 'd.number', 'd.subject', 'p.id as signerId', 'p.account', 'p.name', 'p.separated_at'])
    .orderBy('s.sent_at')
    .orderBy('s.id')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const items: PendingResignStep[] = [];
  for (const r of rows) {
    const separated = r.separated_at !== null && r.separated_at <= now.toISOString();
    const due = separated || r.sent_at! <= overdueAt;
    items.push({
      stepId: r.id,
      documentNumber: r.number,
      subject: r.subject,
      seq: r.seq,
      signer: { account: r.account, name: r.name, separated },
      unit: { id: r.unit_id, name: r.unitName },
      sentAt: r.sent_at!,
      ageDays: Math.floor((now.getTime() - Date.parse(r.sent_at!)) / DAY_MS),
      overdue: r.sent_at! <= overdueAt,
      mayResign: [...(separated ? [] : [{ account: r.account, name: r.name, right: 'signer' as const }]), ...(due ? await onBehalfOf(ctx, r.signerId, now) : [])],
    });
  }
  const byUnit = await db
    .selectFrom('steps as s')
    .innerJoin('units as u', 'u.id', 's.unit_id')
    .where(isPendingResign)
    .select(['s.unit_id', 'u.name'])
    .select((eb) => [
      eb.fn.countAll<number | string>().as('pending'),
      eb.fn.sum<number | string | null>(eb.case().when('s.sent_at', '<=', overdueAt).then(1).else(0).end()).as('overdue'),
    ])
    .groupBy(['s.unit_id', 'u.name'])
    .orderBy('s.unit_id')
    .execute();
  return {
    items,
    total: Number(total.n),
    offset: query.offset,
    limit: query.limit,
    byUnit: byUnit.map((u) => ({ unitId: u.unit_id, unitName: u.name, pending: Number(u.pending), overdue: Number(u.overdue ?? 0) })),
    overdueAfterDays: ctx.policy.resign.overdueAfterDays,
  };
}

/** Those with the on-behalf right over this signer today: the unit head and current deputies, each confirmed by `onBehalfRight`. */
async function onBehalfOf(ctx: ServiceContext, signerId: string, now: Date): Promise<PendingResignStep['mayResign']> {
  const { db } = ctx.storage;
  const day = taiwanDay(now);
  const head = await db.selectFrom('users').innerJoin('units', 'units.id', 'users.unit_id').select('units.head_user_id').where('users.id', '=', signerId).executeTakeFirst();
  const deputies = await db
    .selectFrom('deputies')
    .select('deputy_user_id')
    .where('user_id', '=', signerId)
    .where('withdrawn_at', 'is', null)
    .where('starts_on', '<=', day)
    .where('ends_on', '>=', day)
    .execute();
  const candidates = [...new Set([head?.head_user_id, ...deputies.map((d) => d.deputy_user_id)].filter((id): id is string => !!id && id !== signerId))];
  const found: PendingResignStep['mayResign'] = [];
  for (const id of candidates) {
    const right = await onBehalfRight(db, ctx.policy.resign, id, signerId, now);
    if (!right) continue;
    const person = await db.selectFrom('users').select(['account', 'name']).where('id', '=', id).executeTakeFirstOrThrow();
    found.push({ account: person.account, name: person.name, right });
  }
  return found;
}
