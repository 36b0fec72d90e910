import { sql } from 'kysely';
import type { AddPersonRequest, AdminPerson, AdminRole, AdminUnitList, EditPersonRequest, PeoplePage, PeopleQuery } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { requirePasswordPolicy } from '../accounts/password-policy.js';
import { createUser, findUserByAccount } from '../accounts/users.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import { registerCard, splitCardChain } from '../signatures/card-registration.js';
import { retireCard } from '../signatures/card-replacement.js';
import { grantRole, rolesOfMany } from './roles.js';

/** 人員與單位: the units, each with its head and how many people it has. */
export async function listUnits(ctx: ServiceContext): Promise<AdminUnitList> {
  const rows = await ctx.storage.db
    .selectFrom('units as u')
    .leftJoin('users as h', 'h.id', 'u.head_user_id')
    .select(['u.id', 'u.name', 'h.account as headAccount', 'h.name as headName'])
    .select((eb) =>
      eb
        .selectFrom('users as p')
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .whereRef('p.unit_id', '=', 'u.id')
        .where('p.separated_at', 'is', null)
        .as('people'),
    )
    .orderBy('u.id')
    .execute();
  return {
    units: rows.map((r) => ({
      id: r.id,
      name: r.name,
      head: r.headAccount ? { account: r.headAccount, name: r.headName ?? '' } : null,
      people: Number(r.people ?? 0),
    })),
  };
}

/** A LIKE pattern for text typed into a filter: % and _ are literal. */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The people list, filtered and paged in the database (by account: a stable order). */
export async function listPeople(ctx: ServiceContext, query: PeopleQuery): Promise<PeoplePage> {
  const { db } = ctx.storage;
  let base = db.selectFrom('users as p');
  if (query.unit) base = base.where('p.unit_id', '=', query.unit);
  if (query.status === 'active') base = base.where('p.separated_at', 'is', null);
  if (query.status === 'separated') base = base.where('p.separated_at', 'is not', null);
  if (query.text) {
    const like = containing(query.text);
    base = base.where((eb) =>
      eb.or([
        eb('p.account', 'like', sql<string>`${like} escape '\\'`),
        eb('p.name', 'like', sql<string>`${like} escape '\\'`),
        eb('p.title', 'like', sql<string>`${like} escape '\\'`),
      ]),
    );
  }
  const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base.select('p.account').orderBy('p.account').limit(query.limit).offset(query.offset).execute();
  const items = await peopleByAccount(
    ctx,
    rows.map((r) => r.account),
  );
  return { items, total: Number(total.n), offset: query.offset, limit: query.limit };
}

/** The console's view of these people, in the order given. */
export async function peopleByAccount(ctx: ServiceContext, accounts: readonly string[]): Promise<AdminPerson[]> {
  if (accounts.length === 0) return [];
  const { db } = ctx.storage;
  const users = await db
    .selectFrom('users as p')
    .innerJoin('units as u', 'u.id', 'p.unit_id')
    .select(['p.id', 'p.account', 'p.name', 'p.title', 'p.unit_id', 'u.name as unitName', 'p.separated_at'])
    .where('p.account', 'in', accounts)
    .execute();
  const ids = users.map((u) => u.id);
  const today = taiwanDay(ctx.now());
  const deputies = ids.length
    ? await db
        .selectFrom('deputies')
        .select(['user_id'])
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('user_id', 'in', ids)
        .where('withdrawn_at', 'is', null)
        .where('ends_on', '>=', today)
        .groupBy('user_id')
        .execute()
    : [];
  const cards = await db
    .selectFrom('card_certificates')
    .select(['user_id', 'sha256', 'subject', 'serial', 'not_after', 'registered_at', 'retired_at'])
    .where('user_id', 'in', ids)
    .orderBy('registered_at')
    .execute();
  const roles = await rolesOfMany(db, ids);
  const byAccount = new Map(
    users.map((u) => {
      const held = new Set(roles.get(u.id) ?? []);
      const byConfiguration = ctx.administrators.has(u.account);
      if (byConfiguration) held.add('it-admin');
      const person: AdminPerson = {
        account: u.account,
        name: u.name,
        title: u.title,
        unit: { id: u.unit_id, name: u.unitName },
        roles: (['it-admin', 'records'] as const).filter((r) => held.has(r)),
        administratorByConfiguration: byConfiguration,
        separatedAt: u.separated_at,
        deputies: Number(deputies.find((d) => d.user_id === u.id)?.n ?? 0),
        cards: cards
          .filter((c) => c.user_id === u.id)
          .map((c) => ({
            sha256: c.sha256,
            subject: c.subject,
            serial: c.serial,
            notAfter: c.not_after,
            registeredAt: c.registered_at,
            retiredAt: c.retired_at,
          })),
      };
      return [u.account, person];
    }),
  );
  return accounts.flatMap((a) => byAccount.get(a) ?? []);
}

export async function personOf(ctx: ServiceContext, account: string): Promise<AdminPerson> {
  const [person] = await peopleByAccount(ctx, [account]);
  if (!person) throw new GongwenError('USER_UNKNOWN', account);
  return person;
}

async function requireUnit(ctx: ServiceContext, unitId: string): Promise<void> {
  const unit = await ctx.storage.db.selectFrom('units').select('id').where('id', '=', unitId).executeTakeFirst();
  if (!unit) throw new GongwenError('UNIT_UNKNOWN', unitId);
}

/** 新增人員: the password policy applies; audited as `user.create` (and `role.grant` for each role). */
export async function addPerson(ctx: ServiceContext, by: string, input: AddPersonRequest): Promise<AdminPerson> {
  requirePasswordPolicy(input.account, input.password);
  await requireUnit(ctx, input.unitId);
  if (await findUserByAccount(ctx.storage.db, input.account)) throw new GongwenError('ACCOUNT_TAKEN', input.account);
  try {
    await createUser(ctx, { account: input.account, name: input.name, unitId: input.unitId, title: input.title, password: input.password }, by);
  } catch (error) {
    if (isUniqueViolation(error)) throw new GongwenError('ACCOUNT_TAKEN', input.account);
    throw error;
  }
  for (const role of new Set<AdminRole>(input.roles)) await grantRole(ctx, by, input.account, role);
  return personOf(ctx, input.account);
}

/** 編輯: name, title, unit; only what changed is written and audited (`user.edit`, before and after). */
export async function editPerson(ctx: ServiceContext, by: string, account: string, input: EditPersonRequest): Promise<AdminPerson> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN', account);
  if (input.unitId !== undefined) await requireUnit(ctx, input.unitId);
  const after = { name: input.name ?? user.name, title: input.title ?? user.title, unit: input.unitId ?? user.unit_id };
  const before = { name: user.name, title: user.title, unit: user.unit_id };
  const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
  if (changed.length > 0) {
    await ctx.storage.write(async (trx) => {
      await trx.updateTable('users').set({ name: after.name, title: after.title, unit_id: after.unit }).where('id', '=', user.id).execute();
      const detail = Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }]));
      await appendAudit(trx, ctx.storage.dialect, ctx.now(), { actor: by, action: 'user.edit', subject: account, detail });
    });
  }
  return personOf(ctx, account);
}

/** 註冊憑證卡 from a PEM upload: the same judging as `register-card` at the command line. */
export async function registerCardFromPem(ctx: ServiceContext, by: string, account: string, pem: string): Promise<AdminPerson> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN', account);
  const { leaf, intermediates } = splitCardChain(fromPem(pem));
  await registerCard(ctx, user.id, account, leaf, intermediates, by);
  return personOf(ctx, account);
}

/** 停用憑證卡: retire the card with this SHA-256, whoever holds it. */
export async function retireCardBySha256(ctx: ServiceContext, by: string, sha256: string): Promise<AdminPerson> {
  const owner = /^[0-9a-f]{64}$/.test(sha256)
    ? await ctx.storage.db
        .selectFrom('card_certificates')
        .innerJoin('users', 'users.id', 'card_certificates.user_id')
        .select(['users.id', 'users.account'])
        .where('card_certificates.sha256', '=', sha256)
        .executeTakeFirst()
    : undefined;
  if (!owner) throw new GongwenError('CARD_UNKNOWN', `no card ${sha256.slice(0, 16)}… is registered`);
  await retireCard(ctx, owner.id, owner.account, sha256, by);
  return personOf(ctx, owner.account);
}
