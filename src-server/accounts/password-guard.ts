import type { Kysely } from 'kysely';
import { GongwenError } from '../../src-shared/errors.js';
import type { Database } from '../storage/schema.js';

/**
 * Rate-limits wrong passwords per account (login) and per user (temp-cert password): after
 * MAX_FAILURES within the window, further tries are refused without checking the password. Kept
 * in the database so that several service instances share one count.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export class PasswordGuard {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  async assertNotLocked(subject: string): Promise<void> {
    const since = new Date(this.now().getTime() - WINDOW_MS).toISOString();
    const row = await this.db
      .selectFrom('password_failures')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('subject', '=', subject)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= MAX_FAILURES) throw new GongwenError('RATE_LIMITED');
  }

  async recordFailure(subject: string): Promise<void> {
    await this.db.insertInto('password_failures').values({ subject, failed_at: this.now().toISOString() }).execute();
  }

  async clear(subject: string): Promise<void> {
    await this.db.deleteFrom('password_failures').where('subject', '=', subject).execute();
  }

  /** Checks a password with the limit applied: throws `wrong` on a mismatch, RATE_LIMITED when locked. */
  async check(subject: string, matches: () => Promise<boolean>, wrong: 'LOGIN_FAILED' | 'TEMP_CERT_PASSWORD_WRONG'): Promise<void> {
    await this.assertNotLocked(subject);
    if (!(await matches())) {
      await this.recordFailure(subject);
      throw new GongwenError(wrong);
    }
    await this.clear(subject);
  }
}
