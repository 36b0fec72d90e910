import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminMe, AdminRole } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { verifyPassword } from '../accounts/password-hash.js';
import { findUserByAccount } from '../accounts/users.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Kysely } from 'kysely';
import type { Actor, ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';
import { rolesOf } from './roles.js';

// Checked against when the account does not exist, as the app's login does (sessions.ts).
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** A console session as a route sees it. */
export interface ConsoleSession {
  actor: Actor;
  roles: AdminRole[];
  csrfToken: string;
  expiresAt: string;
}

function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The session's CSRF token (synchronizer pattern without storage): an HMAC of the cookie's token,
 * which a page can read only from GET me or login, never from the cookie (HttpOnly) of another site.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('gongwen-admin-csrf').digest('base64url');
}

export function csrfMatches(sessionToken: string, sent: string): boolean {
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * 管理介面登入: the login password, under the same rate limit as the app's login (the same
 * subject, so guesses through either count together) and audited as `session.login` with
 * `via: console`. A person with no console role is refused after the password, with a sentence.
 */
export async function consoleLogin(ctx: ServiceContext, account: string, password: string): Promise<{ token: string; me: AdminMe }> {
  const user = await findUserByAccount(ctx.storage.db, account);
  await ctx.passwordGuard.check(
    `login:${account}`,
    () => verifyPassword(password, user?.password_hash ?? DUMMY_HASH).then((ok) => ok && user !== undefined),
    'LOGIN_FAILED',
  );
  if (!user) throw new GongwenError('LOGIN_FAILED');
  const now = ctx.now();
  if (user.separated_at !== null && user.separated_at <= now.toISOString()) throw new GongwenError('USER_SEPARATED');
  const roles = await rolesOf(ctx, user.id, user.account);
  if (roles.length === 0) throw new GongwenError('ADMIN_ROLE_REQUIRED', 'the console is for 系統管理者 and 檔案管理 only');
  return await ctx.storage.write((trx) => openConsoleSession(ctx, trx, user, roles, { via: 'console' }));
}

/**
 * A new console session for a person already checked (password or card), in the caller's
 * transaction, audited as `session.login` with how it was opened.
 */
export async function openConsoleSession(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  user: { id: string; account: string; name: string },
  roles: AdminRole[],
  detail: Record<string, unknown>,
): Promise<{ token: string; me: AdminMe }> {
  const now = ctx.now();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ctx.sessionHours * 3600 * 1000).toISOString();
  await trx
    .insertInto('admin_sessions')
    .values({ token_sha256: tokenDigest(token), user_id: user.id, created_at: now.toISOString(), expires_at: expiresAt, ended_at: null })
    .execute();
  await appendAudit(trx, ctx.storage.dialect, now, { actor: user.account, action: 'session.login', subject: user.account, detail: { ...detail, roles } });
  return { token, me: { account: user.account, name: user.name, roles, csrfToken: csrfTokenOf(token), expiresAt } };
}

/** The console session of a cookie's token; ADMIN_UNAUTHENTICATED when there is none, or it ended. */
export async function consoleSession(ctx: ServiceContext, token: string | undefined): Promise<ConsoleSession> {
  if (!token || token.length > 100) throw new GongwenError('ADMIN_UNAUTHENTICATED');
  const now = ctx.now().toISOString();
  const row = await ctx.storage.db
    .selectFrom('admin_sessions')
    .innerJoin('users', 'users.id', 'admin_sessions.user_id')
    .select(['users.id', 'users.account', 'users.name', 'users.unit_id', 'users.separated_at', 'admin_sessions.expires_at', 'admin_sessions.ended_at'])
    .where('admin_sessions.token_sha256', '=', tokenDigest(token))
    .executeTakeFirst();
  if (row && row.separated_at !== null && row.separated_at <= now) throw new GongwenError('USER_SEPARATED');
  if (!row || row.ended_at !== null || row.expires_at <= now) throw new GongwenError('ADMIN_UNAUTHENTICATED');
  const actor: Actor = { id: row.id, account: row.account, name: row.name, unitId: row.unit_id };
  // Roles are read at every request: a revoked role takes effect at once, not at the next login.
  return { actor, roles: await rolesOf(ctx, row.id, row.account), csrfToken: csrfTokenOf(token), expiresAt: row.expires_at };
}

export async function consoleLogout(ctx: ServiceContext, token: string, actor: Actor): Promise<void> {
  await ctx.storage.write(async (trx) => {
    await trx.updateTable('admin_sessions').set({ ended_at: ctx.now().toISOString() }).where('token_sha256', '=', tokenDigest(token)).execute();
    await appendAudit(trx, ctx.storage.dialect, ctx.now(), {
      actor: actor.account,
      action: 'session.logout',
      subject: actor.account,
      detail: { via: 'console' },
    });
  });
}
