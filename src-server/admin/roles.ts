import type { Kysely } from 'kysely';
import { AdminRole } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { findUserByAccount } from '../accounts/users.js';
import type { Database } from '../storage/schema.js';

/**
 * The console's roles: 系統管理者 (`it-admin`) and 檔案管理 (`records`), held in `user_roles`
 * (migration 0080) and given by the CLI (grant-role) or by an it-admin in the console. The
 * accounts GONGWEN_ADMINISTRATORS names are it-admin as well, by configuration: no request can
 * take that away (docs/security.md).
 */
export async function rolesOf(ctx: ServiceContext, userId: string, account: string): Promise<AdminRole[]> {
  const rows = await ctx.storage.db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
  const roles = new Set(rows.map((r) => r.role).filter((r): r is AdminRole => AdminRole.safeParse(r).success));
  if (ctx.administrators.has(account)) roles.add('it-admin');
  return AdminRole.options.filter((r) => roles.has(r));
}

/** The database's roles of many people at once (a page of the people list). */
export async function rolesOfMany(db: Kysely<Database>, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', userIds).execute();
  for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.role]);
  return byUser;
}

/** Grants a role; granting one already held changes nothing. Audited as `role.grant`. */
export async function grantRole(ctx: ServiceContext, by: string | null, account: string, role: AdminRole): Promise<void> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN');
  const { dialect } = ctx.storage;
  await ctx.storage.write(async (trx) => {
    const held = await trx.selectFrom('user_roles').select('role').where('user_id', '=', user.id).where('role', '=', role).executeTakeFirst();
    if (held) return;
    await trx.insertInto('user_roles').values({ user_id: user.id, role, granted_at: ctx.now().toISOString(), granted_by: by }).execute();
    await appendAudit(trx, dialect, ctx.now(), { actor: by, action: 'role.grant', subject: account, detail: { role } });
  });
}

/**
 * Revokes a role held in the database; revoking one not held changes nothing. An it-admin by
 * configuration stays one: that is refused with a sentence, not silently left.
 */
export async function revokeRole(ctx: ServiceContext, by: string | null, account: string, role: AdminRole): Promise<void> {
  const user = await findUserByAccount(ctx.storage.db, account);
  if (!user) throw new GongwenError('USER_UNKNOWN');
  if (role === 'it-admin' && ctx.administrators.has(account)) throw new GongwenError('ROLE_BY_CONFIGURATION');
  const { dialect } = ctx.storage;
  await ctx.storage.write(async (trx) => {
    const removed = await trx.deleteFrom('user_roles').where('user_id', '=', user.id).where('role', '=', role).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return;
    await appendAudit(trx, dialect, ctx.now(), { actor: by, action: 'role.revoke', subject: account, detail: { role } });
  });
}
