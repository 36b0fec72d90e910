import { GongwenError } from '../../src-shared/common/errors.js';

/** Wrong passwords allowed at once before the waits begin: typing mistakes. */
const FREE_TRIES = 3;
const FIRST_WAIT_MS = 2_000;
const LONGEST_WAIT_MS = 5 * 60_000;

/**
 * Wrong temp-cert passwords on this PC, per account, for as long as the app runs (across logins).
 * The sealed key is opened on the PC, so the service's rate limit never sees these guesses: after
 * three wrong ones, each next try must wait (2 s, doubling to 5 minutes) or is refused with
 * RATE_LIMITED before scrypt runs. The right password clears the count.
 */
export class UnlockBackoff {
  private readonly failures = new Map<string, { count: number; notBefore: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** RATE_LIMITED when this account must still wait. */
  check(account: string): void {
    const state = this.failures.get(account);
    if (state && this.now() < state.notBefore) throw new GongwenError('RATE_LIMITED', `wait ${Math.ceil((state.notBefore - this.now()) / 1000)} s`);
  }

  failed(account: string): void {
    const count = (this.failures.get(account)?.count ?? 0) + 1;
    const wait = count < FREE_TRIES ? 0 : Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (count - FREE_TRIES));
    this.failures.set(account, { count, notBefore: this.now() + wait });
  }

  succeeded(account: string): void {
    this.failures.delete(account);
  }
}

/** The app's one count: a new login (a new TempCertStore) does not start the guesses afresh. */
export const unlockBackoff = new UnlockBackoff();
