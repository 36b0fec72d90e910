import type { Separation } from '../../src-shared/common/api/organisation.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { afterRevocation, revokeTempCertificatesIn } from '../temp-ca/applications.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { endSessionsOf } from '../accounts/sessions.js';
import { pendingResignOf } from './pending-resign.js';

/**
 * 離職: an administrator records that a person left. In one transaction: users.separated_at is
 * set (logins and every request of theirs are refused with USER_SEPARATED from then on, and the
 * on-behalf right treats their pending 補簽 as due on their behalf at once), their sessions end,
 * and every temp certificate of theirs is revoked (a fresh CRL is issued right after, so it lists
 * them at once). Nothing they signed is touched: steps, signatures and evidence stay as
 * they were, and still verify.
 *
 * `on` is the day they left, in Taiwan's time: today (the default; separated from now) or an
 * earlier day recorded late (separated from that day's start). A later day is refused: a
 * separation is recorded once it has happened, so no one keeps signing on a day already past.
 */
export async function separateUser(ctx: ServiceContext, by: string | null, account: string, on?: string): Promise<Separation> {
  const { dialect } = ctx.storage;
  const now = ctx.now();
  const today = taiwanDay(now);
  if (on !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(on) || Number.isNaN(Date.parse(on)) || on > today))
    throw new GongwenError('SEPARATION_DATE_INVALID', on);
  const separatedAt = on === undefined || on === today ? now.toISOString() : new Date(`${on}T00:00:00+08:00`).toISOString();
  const nowIso = now.toISOString();
  const done = await ctx.storage.write(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'separated_at']).where('account', '=', account).executeTakeFirst();
    if (!user) throw new GongwenError('USER_UNKNOWN', account);
    if (user.separated_at !== null) throw new GongwenError('USER_ALREADY_SEPARATED', account);
    await trx.updateTable('users').set({ separated_at: separatedAt }).where('id', '=', user.id).execute();
    const sessionsEnded = await endSessionsOf(trx, user.id, nowIso);
    const revoked = await revokeTempCertificatesIn(trx, user.id, 'separated', nowIso);
    // Re-enabling would issue a new certificate: the application is disabled with them.
    await trx.updateTable('temp_cert_applications').set({ state: 'disabled', updated_at: nowIso }).where('user_id', '=', user.id).execute();
    const pending = await pendingResignOf(trx, user.id);
    const headOf = (await trx.selectFrom('units').select('id').where('head_user_id', '=', user.id).orderBy('id').execute()).map((u) => u.id);
    const result: Separation = {
      account,
      separatedAt,
      sessionsEnded,
      tempCertsRevoked: revoked,
      pendingResign: pending.count,
      headOf,
    };
    await appendAudit(trx, dialect, now, { actor: by, action: 'user.separate', subject: account, detail: { ...result } });
    return result;
  });
  if (done.tempCertsRevoked > 0) await afterRevocation(ctx); // the CRL lists them at once
  return done;
}
