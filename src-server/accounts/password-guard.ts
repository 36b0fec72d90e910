import { sql } from 'kysely';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { Storage } from '../storage/database.js';

/**
 * Rate-limits wrong passwords per account (login) and per user (temp-cert password): after
 * MAX_FAILURES within the window, further tries are refused without checking the password. Kept
 * in the database so that several service instances share one count.
 *
 * Each try first reserves an attempt (counted as a failure until the password proves right), in
 * one atomic step with the count: fifty wrong passwords sent at once get five checks, not fifty.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export class PasswordGuard {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date,
  ) {}

  /** Counts the recent failures and, below the limit, records this try as one; else RATE_LIMITED. */
  private async reserveAttempt(subject: string): Promise<void> {
    const now = this.now();
    const since = new Date(now.getTime() - WINDOW_MS).toISOString();
    await this.storage.write(async (trx) => {
      // PostgreSQL: a lock per subject for this transaction, shared by every instance, so the count
      // and the insert are one step. SQLite runs write units one after another on one connection.
      if (this.storage.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`password:${subject}`}))`.execute(trx);
      const row = await trx
        .selectFrom('password_failures')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('subject', '=', subject)
        .where('failed_at', '>', since)
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= MAX_FAILURES) throw new GongwenError('RATE_LIMITED');
      await trx.insertInto('password_failures').values({ subject, failed_at: now.toISOString() }).execute();
    });
  }

  async clear(subject: string): Promise<void> {
    await this.storage.write((trx) => trx.deleteFrom('password_failures').where('subject', '=', subject).execute());
  }

  /** Checks a password with the limit applied: throws `wrong` on a mismatch, RATE_LIMITED when locked. */
  async check(
    subject: string,
    matches: () => Promise<boolean>,
    wrong: 'LOGIN_FAILED' | 'TEMP_CERT_PASSWORD_WRONG' | 'REAUTH_FAILED' | 'DEPUTY_REAUTH_FAILED',
  ): Promise<void> {
    await this.reserveAttempt(subject);
    // A wrong password (or a check that fails) leaves the reservation as the recorded failure.
    if (!(await matches())) throw new GongwenError(wrong);
    await this.clear(subject);
  }
}
