import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { UserSummary } from '../../src-shared/common/api/accounts.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import type { Storage } from '../storage/database.js';
import type { Database, UserRow } from '../storage/schema.js';
import { registerCard, type RegisteredCard } from '../signatures/card-registration.js';
import { hashPassword } from './password-hash.js';

export async function ensureUnit(storage: Storage, id: string, name: string): Promise<void> {
  await storage.write((trx) =>
    trx
      .insertInto('units')
      .values({ id, name })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
}

export async function createUser(
  ctx: ServiceContext,
  input: { account: string; name: string; unitId: string; title: string; password: string },
  /** Who adds the person: an it-admin's account in the console; null at the command line. */
  by: string | null = null,
): Promise<UserRow> {
  const row: UserRow = {
    id: randomUUID(),
    account: input.account,
    name: input.name,
    unit_id: input.unitId,
    title: input.title,
    password_hash: await hashPassword(input.password),
    created_at: ctx.now().toISOString(),
    separated_at: null,
  };
  const { dialect } = ctx.storage;
  await ctx.storage.write(async (trx) => {
    const unit = await trx.selectFrom('units').select('id').where('id', '=', input.unitId).executeTakeFirst();
    if (!unit) throw new GongwenError('VALIDATION_FAILED', `unit ${input.unitId} does not exist`);
    await trx.insertInto('users').values(row).execute();
    await appendAudit(trx, dialect, ctx.now(), {
      actor: by,
      action: 'user.create',
      subject: input.account,
      detail: { name: input.name, unit: input.unitId },
    });
  });
  return row;
}

export async function findUserByAccount(db: Kysely<Database>, account: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('account', '=', account).executeTakeFirst();
}

/** 登錄實體卡憑證: binds a card certificate, with the intermediates it sits under, to a user (`card-registration.ts`). */
export async function registerCardCertificate(
  ctx: ServiceContext,
  account: string,
  der: Uint8Array,
  intermediates: readonly Uint8Array[] = [],
): Promise<RegisteredCard> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN', account);
  return registerCard(ctx, user.id, account, der, intermediates);
}

export async function userDirectory(db: Kysely<Database>): Promise<UserSummary[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('units', 'units.id', 'users.unit_id')
    .select(['users.account', 'users.name', 'users.title', 'units.id as unitId', 'units.name as unit'])
    .orderBy('units.id')
    .orderBy('users.account')
    .execute();
  return rows.map((r) => ({ account: r.account, name: r.name, unit: r.unit, unitId: r.unitId, title: r.title }));
}

export async function userSummary(db: Kysely<Database>, userId: string): Promise<UserSummary> {
  const r = await db
    .selectFrom('users')
    .innerJoin('units', 'units.id', 'users.unit_id')
    .select(['users.account', 'users.name', 'users.title', 'units.id as unitId', 'units.name as unit'])
    .where('users.id', '=', userId)
    .executeTakeFirstOrThrow();
  return { account: r.account, name: r.name, unit: r.unit, unitId: r.unitId, title: r.title };
}
