import type { z } from 'zod';
import {
  displayUserCode,
  type ConsoleLoginApproveRequest,
  type ConsoleLoginApproved,
  type ConsoleLoginLookup,
} from '../../src-shared/common/api/console-card-login.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { pickUpUntil, requestOfCode } from '../admin/console-card-logins.js';
import { rolesOf } from '../admin/roles.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { challengeDigest, issueCardChallenge, spendCardChallenge } from './card-challenges.js';
import { auditRefusal, guarded } from './card-login.js';
import { checkCardProof } from './card-statement.js';

/** Failed console approvals are counted per account (5 in 15 minutes), apart from card logins. */
export function consoleApprovalSubject(account: string): string {
  return `console-card:${account}`;
}

/** Where the desktop's request came from. */
interface DesktopOrigin {
  service: string;
  address: string;
}

/** Only a person the console would let in may approve a console login: refused before the card is asked. */
async function assertConsoleRole(ctx: ServiceContext, actor: Actor): Promise<void> {
  if ((await rolesOf(ctx, actor.id, actor.account)).length === 0) {
    throw new GongwenError('ADMIN_ROLE_REQUIRED', 'the console is for 系統管理者 and 檔案管理 only');
  }
}

/**
 * 主控台登入, step 2a (the desktop, logged in): the request a typed code names, where it came from,
 * and a card challenge for it, bound to this person and this request (a second lookup replaces
 * the first's challenge). A wrong code counts as a failure of this account.
 */
export async function lookUpConsoleLogin(ctx: ServiceContext, actor: Actor, userCode: string, origin: DesktopOrigin): Promise<ConsoleLoginLookup> {
  try {
    await assertConsoleRole(ctx, actor);
    let answer: ConsoleLoginLookup | undefined;
    await guarded(ctx, consoleApprovalSubject(actor.account), async () => {
      const request = await requestOfCode(ctx, userCode);
      const issued = await issueCardChallenge(ctx, 'console-login', actor.id);
      await ctx.storage.write((trx) =>
        trx
          .updateTable('console_card_logins')
          .set({ claimed_by: actor.id, challenge_sha256: challengeDigest(issued.challenge) })
          .where('browser_sha256', '=', request.browser_sha256)
          .execute(),
      );
      answer = {
        userCode: displayUserCode(request.user_code),
        fromAddress: request.from_address,
        fromAgent: request.from_agent,
        requestedAt: request.requested_at,
        expiresAt: request.expires_at,
        sameAddress: request.from_address === origin.address,
        challenge: issued.challenge,
        challengeExpiresAt: issued.expiresAt,
      };
    });
    return answer!;
  } catch (error) {
    if (error instanceof GongwenError) await auditRefusal(ctx, 'session.console-card-login-refused', actor.account, error, origin.address);
    throw error;
  }
}

/**
 * 主控台登入, step 2b: the card's approval, checked as a card login is. In order: the rate limit;
 * the request (live, not yet approved); the challenge (this request's, issued to this person;
 * spent now whatever follows); the statement for `console-login` signed with the certificate's
 * key; the certificate's path to a trusted card root, its registration to this person (another's:
 * CARD_OF_ANOTHER_USER), valid now; a console role. Then the request is approved, once, and
 * audited; its browser picks up the session. A refusal is audited and approves nothing.
 */
export async function approveConsoleLogin(
  ctx: ServiceContext,
  actor: Actor,
  input: z.output<typeof ConsoleLoginApproveRequest>,
  origin: DesktopOrigin,
): Promise<ConsoleLoginApproved> {
  try {
    await assertConsoleRole(ctx, actor);
    let answer: ConsoleLoginApproved | undefined;
    await guarded(ctx, consoleApprovalSubject(actor.account), async () => {
      const request = await requestOfCode(ctx, input.userCode);
      if (request.claimed_by !== actor.id || request.challenge_sha256 !== challengeDigest(input.challenge)) {
        throw new GongwenError('CARD_CHALLENGE_UNKNOWN', 'not the challenge this login request was given');
      }
      await spendCardChallenge(ctx, input.challenge, 'console-login', actor.id);
      const proven = checkCardProof(ctx, input, { service: origin.service, purpose: 'console-login', account: actor.account });
      let holder;
      try {
        holder = await ctx.signerPolicy.acceptCardHolder(proven.certificate, proven.intermediates, actor.id);
      } catch (error) {
        if (error instanceof GongwenError && error.code === 'SIGNER_NOT_USER') throw new GongwenError('CARD_OF_ANOTHER_USER');
        throw error;
      }
      const now = ctx.now();
      holder.assertValidAt(now, now);
      await ctx.storage.write(async (trx) => {
        const approved = await trx
          .updateTable('console_card_logins')
          .set({ approved_by: actor.id, approved_at: now.toISOString(), card_sha256: holder.sha256, expires_at: pickUpUntil(request.expires_at, now) })
          .where('browser_sha256', '=', request.browser_sha256)
          .where('approved_at', 'is', null)
          .where('expires_at', '>', now.toISOString())
          .executeTakeFirst();
        if (approved.numUpdatedRows !== 1n) throw new GongwenError('CONSOLE_CARD_LOGIN_USED');
        await appendAudit(trx, ctx.storage.dialect, now, {
          actor: actor.account,
          action: 'session.console-card-login-approved',
          subject: actor.account,
          detail: { card: holder.sha256, from: request.from_address, agent: request.from_agent, approvedFrom: origin.address },
        });
      });
      answer = { userCode: displayUserCode(request.user_code), fromAddress: request.from_address, fromAgent: request.from_agent };
    });
    return answer!;
  } catch (error) {
    if (error instanceof GongwenError) await auditRefusal(ctx, 'session.console-card-login-refused', actor.account, error, origin.address);
    throw error;
  }
}
