import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { hashPassword } from './password-hash.js';
import { requirePasswordPolicy } from './password-policy.js';
import { endSessionsOf, isSeparated } from './sessions.js';

export interface PasswordReset {
  account: string;
  sessionsEnded: number;
}

/**
 * An administrator sets a new login password for someone who forgot theirs (or whose password may
 * be known to others). The new one keeps the password policy. In one transaction: the hash is
 * replaced, every open session of theirs ends (whoever knew the old password is logged out too),
 * the login lock from their wrong tries is lifted (they may log in at once with the new one), and
 * the audit log records who reset whose password, never the password. The temp-cert password is
 * a different secret, sealed on the clerk's PC, and is not touched.
 *
 * `by` is the administrator's account, null at the command line (as for separation). A separated
 * person is refused: they may not log in again, so a password for them would only be a secret
 * for nobody.
 */
export async function resetPassword(ctx: ServiceContext, input: { by: string | null; account: string; password: string }): Promise<PasswordReset> {
  requirePasswordPolicy(input.account, input.password);
  const hash = await hashPassword(input.password);
  const now = ctx.now();
  const nowIso = now.toISOString();
  const { dialect } = ctx.storage;
  return ctx.storage.write(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'separated_at']).where('account', '=', input.account).executeTakeFirst();
    if (!user) throw new GongwenError('USER_UNKNOWN', input.account);
    if (isSeparated(user.separated_at, now)) throw new GongwenError('USER_SEPARATED', input.account);
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
    const sessionsEnded = await endSessionsOf(trx, user.id, nowIso);
    // The subject login() counts wrong passwords under (sessions.ts).
    await trx.deleteFrom('password_failures').where('subject', '=', `login:${input.account}`).execute();
    const result: PasswordReset = { account: input.account, sessionsEnded };
    await appendAudit(trx, dialect, now, {
      actor: input.by,
      action: 'user.password-reset',
      subject: input.account,
      detail: { sessionsEnded: result.sessionsEnded },
    });
    return result;
  });
}
