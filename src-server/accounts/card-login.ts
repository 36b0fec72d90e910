import type { z } from 'zod';
import type { LoginResponse } from '../../src-shared/common/api/accounts.js';
import type { CardLoginRequest } from '../../src-shared/common/api/cards.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { spendCardChallenge } from './card-challenges.js';
import { checkCardProof } from './card-statement.js';
import { openSession } from './sessions.js';
import { findUserByAccount } from './users.js';

/**
 * Failures of card logins and card registrations are counted per account like wrong passwords
 * (PasswordGuard: 5 in 15 minutes, in the database), under their own subject so a card's trouble
 * never locks the password out, nor the other way round.
 */
export function cardGuardSubject(purpose: 'login' | 'register-card', account: string): string {
  return `${purpose === 'login' ? 'card-login' : 'card-register'}:${account}`;
}

/**
 * 憑證卡登入. In order: the rate limit; the challenge (issued for login, unspent, not expired:
 * spent now whatever follows); the statement's signature with the certificate's key; the
 * certificate's path to a trusted card root and its registration to this account (retired:
 * CARD_RETIRED; another's: CARD_OF_ANOTHER_USER; nobody's or no such account:
 * CERT_NOT_REGISTERED), valid now. Then a session like a password login's, marked `card`.
 * Every outcome is audited.
 */
export async function cardLogin(
  ctx: ServiceContext,
  input: z.output<typeof CardLoginRequest>,
  origin: { service: string; address: string },
): Promise<LoginResponse> {
  try {
    let cardSha256 = '';
    let userRow: Awaited<ReturnType<typeof findUserByAccount>>;
    await guarded(ctx, cardGuardSubject('login', input.account), async () => {
      await spendCardChallenge(ctx, input.challenge, 'login', null);
      const proven = checkCardProof(ctx, input, { service: origin.service, purpose: 'login', account: input.account });
      userRow = await findUserByAccount(ctx.storage.db, input.account);
      let holder;
      try {
        holder = await ctx.signerPolicy.acceptCardHolder(proven.certificate, proven.intermediates, userRow?.id ?? '');
      } catch (error) {
        if (error instanceof GongwenError && error.code === 'SIGNER_NOT_USER') throw new GongwenError('CARD_OF_ANOTHER_USER');
        throw error;
      }
      if (!userRow) throw new GongwenError('CERT_NOT_REGISTERED');
      const now = ctx.now();
      holder.assertValidAt(now, now);
      cardSha256 = holder.sha256;
    });
    return await openSession(ctx, userRow!, { method: 'card', cardSha256 });
  } catch (error) {
    if (error instanceof GongwenError) await auditRefusal(ctx, 'session.card-login-refused', input.account, error, origin.address);
    throw error;
  }
}

/**
 * Runs a card check under the per-account limit: a failure leaves its reservation counted, a
 * success clears the count. Over the limit the card is not even looked at.
 */
export async function guarded(ctx: ServiceContext, subject: string, check: () => Promise<void>): Promise<void> {
  try {
    await ctx.passwordGuard.check(
      subject,
      async () => {
        await check();
        return true;
      },
      'LOGIN_FAILED',
    );
  } catch (error) {
    if (error instanceof GongwenError && error.code === 'RATE_LIMITED') throw new GongwenError('CARD_LOGIN_RATE_LIMITED');
    throw error;
  }
}

/** An audit entry for a refused card login or registration: who it named, the code, from where. */
export async function auditRefusal(ctx: ServiceContext, action: string, account: string, error: GongwenError, address: string): Promise<void> {
  await ctx.storage
    .write((trx) => appendAudit(trx, ctx.storage.dialect, ctx.now(), { actor: null, action, subject: account, detail: { code: error.code, address } }))
    .catch(() => {}); // the refusal is the answer; a failing audit write must not replace it
}
