import { createHash, randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import {
  CONSOLE_CARD_LOGIN_POLL_SECONDS,
  CONSOLE_CARD_LOGIN_SECONDS,
  USER_CODE_ALPHABET,
  USER_CODE_LENGTH,
  displayUserCode,
  type ConsoleCardLoginPoll,
  type ConsoleCardLoginStarted,
} from '../../src-shared/common/api/console-card-login.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';
import type { ConsoleCardLoginTable } from '../storage/schema.js';
import { openConsoleSession } from './console-sessions.js';
import { rolesOf } from './roles.js';

/** Live login requests one address may hold at once: enough for a few tabs, not for a flood. */
export const LIVE_REQUESTS_PER_ADDRESS = 10;
/** After its approval a request waits this long for its browser, even past its two minutes. */
const PICK_UP_MS = 30_000;
/** Old requests are kept a day, so a late code is named expired rather than unknown. */
const KEEP_AFTER_EXPIRY_MS = 24 * 3600 * 1000;

// Control characters and bidirectional overrides could make a User-Agent read as something else on the approving screen.
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/g;

export function browserSecretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/**
 * 以憑證卡登入, step 1 (the console page): a login request bound to this browser by a secret (its
 * cookie; only the SHA-256 is kept), and the short code the page shows. At most
 * LIVE_REQUESTS_PER_ADDRESS live requests per address; a code is never live twice at once.
 */
export async function startConsoleCardLogin(
  ctx: ServiceContext,
  from: { address: string; agent: string },
): Promise<{ secret: string; started: ConsoleCardLoginStarted }> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + CONSOLE_CARD_LOGIN_SECONDS * 1000).toISOString();
  const agent = from.agent.replace(UNSHOWABLE, '').slice(0, 200);
  const userCode = await ctx.storage.write(async (trx) => {
    // Count and insert as one step across connections and instances, as the password guard does;
    // SQLite's writes are one at a time already.
    if (ctx.storage.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`console-card-login:${from.address}`}))`.execute(trx);
    await trx
      .deleteFrom('console_card_logins')
      .where('expires_at', '<', new Date(now.getTime() - KEEP_AFTER_EXPIRY_MS).toISOString())
      .execute();
    const live = await trx
      .selectFrom('console_card_logins')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('from_address', '=', from.address)
      .where('expires_at', '>', nowIso)
      .executeTakeFirstOrThrow();
    if (Number(live.n) >= LIVE_REQUESTS_PER_ADDRESS) throw new GongwenError('CONSOLE_CARD_LOGIN_RATE_LIMITED');
    let code = newUserCode();
    // 20^8 codes: a clash with a live one is rare, but it would make a code name two requests.
    while (await trx.selectFrom('console_card_logins').select('user_code').where('user_code', '=', code).where('expires_at', '>', nowIso).executeTakeFirst()) {
      code = newUserCode();
    }
    await trx
      .insertInto('console_card_logins')
      .values({
        browser_sha256: browserSecretDigest(secret),
        user_code: code,
        requested_at: nowIso,
        expires_at: expiresAt,
        from_address: from.address,
        from_agent: agent,
        claimed_by: null,
        challenge_sha256: null,
        approved_by: null,
        approved_at: null,
        card_sha256: null,
        used_at: null,
      })
      .execute();
    return code;
  });
  return {
    secret,
    started: {
      userCode: displayUserCode(userCode),
      intervalSeconds: CONSOLE_CARD_LOGIN_POLL_SECONDS,
      fromAddress: from.address,
      fromAgent: agent,
      requestedAt: nowIso,
      expiresAt,
    },
  };
}

/**
 * 以憑證卡登入, step 3 (the console page, polling with its cookie): pending until the card
 * approves; then, once, the console session, audited as `session.login` via `console-card` with
 * the card and where the request came from. The person's state and roles are read again here: a
 * role revoked or a separation since the approval refuses, and nothing changes.
 */
export async function pollConsoleCardLogin(ctx: ServiceContext, secret: string | undefined): Promise<{ poll: ConsoleCardLoginPoll; token?: string }> {
  if (!secret || secret.length > 100) throw new GongwenError('CONSOLE_CARD_LOGIN_UNKNOWN');
  const sha256 = browserSecretDigest(secret);
  const now = ctx.now().toISOString();
  const row = await ctx.storage.db.selectFrom('console_card_logins').selectAll().where('browser_sha256', '=', sha256).executeTakeFirst();
  const approved = approvedState(row, now);
  if (approved === 'pending') return { poll: { state: 'pending', expiresAt: row!.expires_at, intervalSeconds: CONSOLE_CARD_LOGIN_POLL_SECONDS } };
  const user = await ctx.storage.db
    .selectFrom('users')
    .select(['id', 'account', 'name', 'separated_at'])
    .where('id', '=', approved.approved_by!)
    .executeTakeFirst();
  if (!user) throw new GongwenError('CONSOLE_CARD_LOGIN_UNKNOWN');
  if (user.separated_at !== null && user.separated_at <= now) throw new GongwenError('USER_SEPARATED');
  const roles = await rolesOf(ctx, user.id, user.account);
  if (roles.length === 0) throw new GongwenError('ADMIN_ROLE_REQUIRED', 'the console is for 系統管理者 and 檔案管理 only');
  const { token, me } = await ctx.storage.write(async (trx) => {
    const taken = await trx
      .updateTable('console_card_logins')
      .set({ used_at: now })
      .where('browser_sha256', '=', sha256)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (taken.numUpdatedRows !== 1n) throw new GongwenError('CONSOLE_CARD_LOGIN_USED');
    return openConsoleSession(ctx, trx, user, roles, { via: 'console-card', card: approved.card_sha256, from: approved.from_address });
  });
  return { poll: { state: 'approved', me }, token };
}

/** A request as its browser sees it: pending, approved (to pick up), or refused with its code. */
function approvedState(row: ConsoleCardLoginTable | undefined, now: string): ConsoleCardLoginTable | 'pending' {
  if (!row) throw new GongwenError('CONSOLE_CARD_LOGIN_UNKNOWN');
  if (row.used_at !== null) throw new GongwenError('CONSOLE_CARD_LOGIN_USED');
  if (row.expires_at <= now) throw new GongwenError('CONSOLE_CARD_LOGIN_EXPIRED');
  return row.approved_at === null ? 'pending' : row;
}

/**
 * The live request a typed code names, for the desktop's lookup and approval: the newest with
 * that code; expired or already approved ones are refused as such.
 */
export async function requestOfCode(ctx: ServiceContext, userCode: string): Promise<ConsoleCardLoginTable> {
  const row = await ctx.storage.db
    .selectFrom('console_card_logins')
    .selectAll()
    .where('user_code', '=', userCode)
    .orderBy('requested_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new GongwenError('CONSOLE_CARD_LOGIN_UNKNOWN');
  if (row.approved_at !== null || row.used_at !== null) throw new GongwenError('CONSOLE_CARD_LOGIN_USED');
  if (row.expires_at <= ctx.now().toISOString()) throw new GongwenError('CONSOLE_CARD_LOGIN_EXPIRED');
  return row;
}

/** How long an approved request waits for its browser. */
export function pickUpUntil(expiresAt: string, approvedAt: Date): string {
  const late = new Date(approvedAt.getTime() + PICK_UP_MS).toISOString();
  return late > expiresAt ? late : expiresAt;
}
