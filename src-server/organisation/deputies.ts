import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Deputy, DeputyList, NameDeputyRequest, PersonRef } from '../../src-shared/common/api/organisation.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { confirmLoginPassword } from '../accounts/sessions.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';

/** The longest range one naming covers (a year, leap day included): longer ones are named again. */
export const MAX_DEPUTY_DAYS = 366;

/**
 * 職務代理人: each person names deputies for ranges of Taiwan calendar days (both ends included);
 * ranges may overlap (two deputies for one trip). A unit head may name one for a person of their
 * unit who has none current or upcoming (someone fell ill before naming one). Nothing is deleted:
 * a withdrawal is recorded, so who could act for whom on a given day can always be told.
 */
export async function listDeputies(ctx: ServiceContext, actor: Actor): Promise<DeputyList> {
  const { db } = ctx.storage;
  const today = taiwanDay(ctx.now());
  const [mine, actingFor] = await Promise.all([
    deputyRows(db, today).where('d.user_id', '=', actor.id).execute(),
    deputyRows(db, today).where('d.deputy_user_id', '=', actor.id).execute(),
  ]);
  const staff = await db
    .selectFrom('users as u')
    .innerJoin('units', 'units.id', 'u.unit_id')
    .select(['u.account', 'u.name', 'u.title', 'units.name as unit'])
    .where('units.head_user_id', '=', actor.id)
    .where('u.id', '!=', actor.id)
    .where('u.separated_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deputies as x').select('x.id').whereRef('x.user_id', '=', 'u.id').where('x.withdrawn_at', 'is', null).where('x.ends_on', '>=', today),
        ),
      ),
    )
    .orderBy('u.account')
    .execute();
  return { mine: mine.map(toDeputy), actingFor: actingFor.map(toDeputy), staffWithoutDeputy: staff };
}

export async function nameDeputy(ctx: ServiceContext, actor: Actor, input: NameDeputyRequest): Promise<Deputy> {
  const { dialect } = ctx.storage;
  const now = ctx.now();
  const today = taiwanDay(now);
  const id = randomUUID();
  await confirmLoginPassword(ctx, actor, input.loginPassword, 'DEPUTY_REAUTH_FAILED');
  await ctx.storage.write(async (trx) => {
    const person = input.for === undefined || input.for === actor.account ? { id: actor.id, unit_id: actor.unitId } : await findPerson(trx, input.for);
    if (person.id !== actor.id) await requireHeadForUndeputised(trx, actor, person, today);
    const deputy = await trx.selectFrom('users').select(['id', 'separated_at']).where('account', '=', input.deputy).executeTakeFirst();
    if (!deputy) throw new GongwenError('DEPUTY_UNKNOWN', input.deputy);
    if (deputy.id === person.id) throw new GongwenError('DEPUTY_SELF');
    if (deputy.separated_at !== null) throw new GongwenError('DEPUTY_SEPARATED', input.deputy);
    requireSaneRange(input.startsOn, input.endsOn, today);
    await trx
      .insertInto('deputies')
      .values({
        id,
        user_id: person.id,
        deputy_user_id: deputy.id,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        named_by_user_id: actor.id,
        named_at: now.toISOString(),
      })
      .execute();
    await appendAudit(trx, dialect, now, {
      actor: actor.account,
      action: 'deputy.name',
      subject: input.for ?? actor.account,
      detail: { id, deputy: input.deputy, startsOn: input.startsOn, endsOn: input.endsOn },
    });
  });
  return toDeputy(await deputyRows(ctx.storage.db, null).where('d.id', '=', id).executeTakeFirstOrThrow());
}

/** Withdraws a naming: by the person, whoever named it, or the person's unit head. Anyone else is told there is no such deputy. */
export async function withdrawDeputy(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { dialect } = ctx.storage;
  const now = ctx.now();
  await ctx.storage.write(async (trx) => {
    const row =
      id.length <= 64
        ? await deputyRows(trx, null).select(['d.user_id', 'd.named_by_user_id', 'pu.head_user_id']).where('d.id', '=', id).executeTakeFirst()
        : undefined;
    const entitled = row && (row.user_id === actor.id || row.named_by_user_id === actor.id || row.head_user_id === actor.id);
    if (!row || !entitled) throw new GongwenError('DEPUTY_NOT_FOUND');
    const done = await trx
      .updateTable('deputies')
      .set({ withdrawn_at: now.toISOString() })
      .where('id', '=', id)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    if (done.numUpdatedRows !== 1n) throw new GongwenError('DEPUTY_NOT_FOUND');
    await appendAudit(trx, dialect, now, {
      actor: actor.account,
      action: 'deputy.withdraw',
      subject: row.person_account,
      detail: { id, deputy: row.deputy_account, startsOn: row.starts_on, endsOn: row.ends_on },
    });
  });
}

async function findPerson(db: Kysely<Database>, account: string): Promise<{ id: string; unit_id: string }> {
  const person = await db.selectFrom('users').select(['id', 'unit_id']).where('account', '=', account).executeTakeFirst();
  if (!person) throw new GongwenError('USER_UNKNOWN', account);
  return person;
}

/** Naming for someone else: only their unit head, and only while they have no deputy current or upcoming. */
async function requireHeadForUndeputised(db: Kysely<Database>, actor: Actor, person: { id: string; unit_id: string }, today: string): Promise<void> {
  const unit = await db.selectFrom('units').select('head_user_id').where('id', '=', person.unit_id).executeTakeFirst();
  if (unit?.head_user_id !== actor.id) throw new GongwenError('DEPUTY_NOT_ALLOWED');
  const named = await db
    .selectFrom('deputies')
    .select('id')
    .where('user_id', '=', person.id)
    .where('withdrawn_at', 'is', null)
    .where('ends_on', '>=', today)
    .executeTakeFirst();
  if (named) throw new GongwenError('DEPUTY_NOT_ALLOWED', 'the person has named a deputy');
}

function requireSaneRange(startsOn: string, endsOn: string, today: string): void {
  const days = (Date.parse(endsOn) - Date.parse(startsOn)) / 86_400_000 + 1;
  if (endsOn < startsOn || endsOn < today || days > MAX_DEPUTY_DAYS) throw new GongwenError('DEPUTY_RANGE_INVALID', `${startsOn}..${endsOn}`);
}

/** Deputies with both people, not withdrawn; with `today`, only those not yet ended. */
function deputyRows(db: Kysely<Database>, today: string | null) {
  let q = db
    .selectFrom('deputies as d')
    .innerJoin('users as p', 'p.id', 'd.user_id')
    .innerJoin('units as pu', 'pu.id', 'p.unit_id')
    .innerJoin('users as a', 'a.id', 'd.deputy_user_id')
    .innerJoin('units as au', 'au.id', 'a.unit_id')
    .innerJoin('users as n', 'n.id', 'd.named_by_user_id')
    .select([
      'd.id',
      'd.starts_on',
      'd.ends_on',
      'd.named_at',
      'n.account as named_by',
      'p.account as person_account',
      'p.name as person_name',
      'p.title as person_title',
      'pu.name as person_unit',
      'a.account as deputy_account',
      'a.name as deputy_name',
      'a.title as deputy_title',
      'au.name as deputy_unit',
    ])
    .where('d.withdrawn_at', 'is', null)
    .orderBy('d.starts_on')
    .orderBy('d.id');
  if (today !== null) q = q.where('d.ends_on', '>=', today);
  return q;
}

type DeputyRow = Awaited<ReturnType<ReturnType<typeof deputyRows>['executeTakeFirstOrThrow']>>;

function toDeputy(r: DeputyRow): Deputy {
  const person: PersonRef = { account: r.person_account, name: r.person_name, title: r.person_title, unit: r.person_unit };
  const deputy: PersonRef = { account: r.deputy_account, name: r.deputy_name, title: r.deputy_title, unit: r.deputy_unit };
  return { id: r.id, person, deputy, startsOn: r.starts_on, endsOn: r.ends_on, namedBy: r.named_by, namedAt: r.named_at };
}
