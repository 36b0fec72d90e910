import { createHash, randomBytes } from 'node:crypto';
import type { LoginResponse } from '../../src-shared/common/api/accounts.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { verifyPassword } from './password-hash.js';
import { tempCertChangesSince } from '../temp-ca/changes.js';
import type { Transaction } from 'kysely';
import type { Database, UserRow } from '../storage/schema.js';
import { remindersFor } from '../organisation/reminders.js';
import { findUserByAccount, userSummary } from './users.js';

// Checked against when the account does not exist, so that a wrong account costs as long as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Logs in; only the token's SHA-256 is stored, so the sessions table cannot be replayed. */
export async function login(ctx: ServiceContext, account: string, password: string): Promise<LoginResponse> {
  const { db } = ctx.storage;
  const user = await findUserByAccount(db, account);
  await ctx.passwordGuard.check(
    `login:${account}`,
    () => verifyPassword(password, user?.password_hash ?? DUMMY_HASH).then((ok) => ok && user !== undefined),
    'LOGIN_FAILED',
  );
  if (!user) throw new GongwenError('LOGIN_FAILED');
  return openSession(ctx, user, { method: 'password' });
}

/** How a session was opened: the password, or a card statement signed by this registered card. */
export type LoginMethod = { method: 'password' } | { method: 'card'; cardSha256: string };

/** A new session for a user whose password or card has just been checked; audited as `session.login`. */
export async function openSession(ctx: ServiceContext, user: UserRow, how: LoginMethod): Promise<LoginResponse> {
  const { db, dialect } = ctx.storage;
  const account = user.account;
  // Only after the password or the card: whether someone left is not told to whoever guesses at accounts.
  if (isSeparated(user.separated_at, ctx.now())) throw new GongwenError('USER_SEPARATED');
  const token = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const previous = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  const tempCertChanges = await tempCertChangesSince(ctx.storage, account, previous?.at ?? null);
  const expiresAt = new Date(now.getTime() + ctx.sessionHours * 3600 * 1000).toISOString();
  const cardSha256 = how.method === 'card' ? how.cardSha256 : null;
  await ctx.storage.write(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        token_sha256: tokenDigest(token),
        user_id: user.id,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        ended_at: null,
        login_method: how.method,
        card_sha256: cardSha256,
      })
      .execute();
    // A password login's entry stays as it always was; a card login names the card.
    const detail = how.method === 'card' ? { method: 'card', card: cardSha256 } : {};
    await appendAudit(trx, dialect, now, { actor: account, action: 'session.login', subject: account, detail });
  });
  const reminders = await remindersFor(db, ctx.policy.resign, user.id, now);
  return { token, expiresAt, user: await userSummary(db, user.id), tempCertChanges, loginMethod: how.method, reminders };
}

/**
 * Asks for the login password again before a change to who can sign as this person (a borrowed
 * session is not enough). Wrong passwords count against the same limit as logins.
 */
export async function confirmLoginPassword(
  ctx: ServiceContext,
  actor: Actor,
  password: string,
  wrong: 'REAUTH_FAILED' | 'DEPUTY_REAUTH_FAILED' = 'REAUTH_FAILED',
): Promise<void> {
  const user = await ctx.storage.db.selectFrom('users').select('password_hash').where('id', '=', actor.id).executeTakeFirstOrThrow();
  await ctx.passwordGuard.check(`login:${actor.account}`, () => verifyPassword(password, user.password_hash), wrong);
}

export async function authenticate(ctx: ServiceContext, token: string | undefined): Promise<Actor> {
  if (!token || token.length > 100) throw new GongwenError('UNAUTHENTICATED');
  const row = await ctx.storage.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'users.id',
      'users.account',
      'users.name',
      'users.unit_id',
      'users.separated_at',
      'sessions.expires_at',
      'sessions.ended_at',
      'sessions.login_method',
    ])
    .where('sessions.token_sha256', '=', tokenDigest(token))
    .executeTakeFirst();
  // Before the session's own state: separation ends the sessions too, but the app is told why.
  if (row && isSeparated(row.separated_at, ctx.now())) throw new GongwenError('USER_SEPARATED');
  if (!row || row.ended_at !== null || row.expires_at <= ctx.now().toISOString()) throw new GongwenError('UNAUTHENTICATED');
  return { id: row.id, account: row.account, name: row.name, unitId: row.unit_id, loginMethod: row.login_method === 'card' ? 'card' : 'password' };
}

/** Ends every open session of a user, within the caller's transaction; how many were open. */
export async function endSessionsOf(trx: Transaction<Database>, userId: string, at: string): Promise<number> {
  const ended = await trx.updateTable('sessions').set({ ended_at: at }).where('user_id', '=', userId).where('ended_at', 'is', null).executeTakeFirst();
  // Their console sessions too: a reset or a separation at the command line must not leave
  // whoever knew the old password logged in to the console.
  await trx.updateTable('admin_sessions').set({ ended_at: at }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
  return Number(ended.numUpdatedRows);
}

/** Separated from `separatedAt` on (離職): no login, no request, no send. */
export function isSeparated(separatedAt: string | null, now: Date): boolean {
  return separatedAt !== null && separatedAt <= now.toISOString();
}

export async function logout(ctx: ServiceContext, token: string, actor: Actor): Promise<void> {
  const { dialect } = ctx.storage;
  await ctx.storage.write(async (trx) => {
    await trx.updateTable('sessions').set({ ended_at: ctx.now().toISOString() }).where('token_sha256', '=', tokenDigest(token)).execute();
    await appendAudit(trx, dialect, ctx.now(), { actor: actor.account, action: 'session.logout', subject: actor.account, detail: {} });
  });
}
