import type { OnBehalfPendingList } from '../../src-shared/common/api/resign.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import type { Actor, ServiceContext } from '../context.js';
import { onBehalfRight, type OnBehalfRight } from '../organisation/on-behalf-right.js';
import { PENDING_STEP_COLUMNS, pendingPage, type PendingPageRequest } from './pending-resign-page.js';

/** A 代為補簽 batch: the reason every countersignature of it carries (原因). */
export interface OnBehalf {
  reason: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The actor's right to re-sign the signer's steps, now, or a refusal that says why not: a deputy
 * named for other days hears that (ON_BEHALF_OUTSIDE_DATES), anyone else ON_BEHALF_NO_RIGHT.
 */
export async function rightOrRefuse(ctx: ServiceContext, actor: Actor, signerId: string, now: Date): Promise<OnBehalfRight> {
  const right = await onBehalfRight(ctx.storage.db, ctx.policy.resign, actor.id, signerId, now);
  if (right) return right;
  if (actor.id !== signerId && ctx.policy.resign.onBehalfBy !== 'unit-head') {
    const named = await ctx.storage.db
      .selectFrom('deputies')
      .select('id')
      .where('user_id', '=', signerId)
      .where('deputy_user_id', '=', actor.id)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    if (named) throw new GongwenError('ON_BEHALF_OUTSIDE_DATES', `today is ${taiwanDay(now)}`);
  }
  throw new GongwenError('ON_BEHALF_NO_RIGHT');
}

/** When a step counts as overdue: sent more than the policy's days before `now`. */
export function overdueBefore(ctx: ServiceContext, now: Date): string {
  return new Date(now.getTime() - ctx.policy.resign.overdueAfterDays * DAY_MS).toISOString();
}

/**
 * A step is re-signed on behalf only when its signer cannot: they have left, or the step is
 * overdue by the policy. Before that it is the signer's own to re-sign.
 */
export function assertDueOnBehalf(ctx: ServiceContext, step: { sent_at: string | null; holder_separated_at: string | null }, now: Date): void {
  if (step.holder_separated_at !== null && step.holder_separated_at <= now.toISOString()) return;
  if (step.sent_at !== null && step.sent_at <= overdueBefore(ctx, now)) return;
  throw new GongwenError('ON_BEHALF_NOT_DUE');
}

/**
 * The people whose steps the actor may re-sign now, with the right for each: the people of the
 * units they head, and those they are deputy for today (as the policy allows). `onBehalfRight`
 * decides each (one rule, also at the re-sign itself).
 */
async function actedFor(ctx: ServiceContext, actor: Actor, now: Date): Promise<Map<string, OnBehalfRight>> {
  const { db } = ctx.storage;
  const candidates = new Set<string>();
  if (ctx.policy.resign.onBehalfBy !== 'deputies') {
    const people = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select('users.id')
      .where('units.head_user_id', '=', actor.id)
      .execute();
    for (const p of people) candidates.add(p.id);
  }
  if (ctx.policy.resign.onBehalfBy !== 'unit-head') {
    const day = taiwanDay(now);
    const named = await db
      .selectFrom('deputies')
      .select('user_id')
      .where('deputy_user_id', '=', actor.id)
      .where('withdrawn_at', 'is', null)
      .where('starts_on', '<=', day)
      .where('ends_on', '>=', day)
      .execute();
    for (const n of named) candidates.add(n.user_id);
  }
  const rights = new Map<string, OnBehalfRight>();
  for (const id of candidates) {
    const right = await onBehalfRight(db, ctx.policy.resign, actor.id, id, now);
    if (right) rights.set(id, right);
  }
  return rights;
}

/**
 * IFT940's second list, 代為補簽: temp-signed steps not yet re-signed, of the people the actor may
 * act for now, that are due on behalf (the signer left, or overdue), oldest first, a page at a
 * time with the same cursor as one's own list.
 */
export async function pendingOnBehalfSteps(ctx: ServiceContext, actor: Actor, page: PendingPageRequest = { limit: 1000 }): Promise<OnBehalfPendingList> {
  const now = ctx.now();
  const rights = await actedFor(ctx, actor, now);
  if (rights.size === 0) return { steps: [], total: 0 };
  const nowIso = now.toISOString();
  const cutoff = overdueBefore(ctx, now);
  const { db } = ctx.storage;
  const due = () =>
    db
      .selectFrom('steps as s')
      .innerJoin('users as h', 'h.id', 's.holder_user_id')
      .where('s.holder_user_id', 'in', [...rights.keys()])
      .where('s.temp_cert_used', '=', 1)
      .where('s.resigned_at', 'is', null)
      .where('s.signature_value', 'is not', null)
      .where((eb) => eb.or([eb('s.sent_at', '<=', cutoff), eb.and([eb('h.separated_at', 'is not', null), eb('h.separated_at', '<=', nowIso)])]));
  const rows = due()
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select([...PENDING_STEP_COLUMNS, 's.holder_user_id', 'h.name as holder', 'h.account as holder_account', 'h.separated_at']);
  return pendingPage(rows, due(), page, (r) => ({
    holderName: r.holder,
    holderAccount: r.holder_account,
    holder: r.holder,
    right: rights.get(r.holder_user_id)!,
    due: r.separated_at !== null && r.separated_at <= nowIso ? ('separated' as const) : ('overdue' as const),
  }));
}
