import { createHash, randomBytes } from 'node:crypto';
import { CARD_CHALLENGE_SECONDS, type CardChallengeResponse, type CardPurpose } from '../../src-shared/common/api/cards.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';

/** Spent and expired challenges are kept this long, so a late or replayed one is named as such, not "unknown". */
const KEEP_AFTER_EXPIRY_MS = 24 * 3600 * 1000;

/** How a challenge is kept: its SHA-256, hex (a login request names its challenge so, too). */
export function challengeDigest(challenge: string): string {
  return createHash('sha256').update(challenge).digest('hex');
}

/**
 * A one-time challenge for a card statement: 32 random bytes, valid CARD_CHALLENGE_SECONDS, for
 * one purpose (and, to register a card, one user). Only its SHA-256 is stored, in the database,
 * so every service instance spends the same challenges and a copy of the table replays nothing.
 * Rows long expired are cleared as new ones are issued.
 */
export async function issueCardChallenge(ctx: ServiceContext, purpose: CardPurpose, userId: string | null): Promise<CardChallengeResponse> {
  const challenge = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + CARD_CHALLENGE_SECONDS * 1000).toISOString();
  await ctx.storage.write(async (trx) => {
    await trx
      .deleteFrom('card_challenges')
      .where('expires_at', '<', new Date(now.getTime() - KEEP_AFTER_EXPIRY_MS).toISOString())
      .execute();
    await trx
      .insertInto('card_challenges')
      .values({ challenge_sha256: challengeDigest(challenge), purpose, user_id: userId, issued_at: now.toISOString(), expires_at: expiresAt, used_at: null })
      .execute();
  });
  return { challenge, expiresAt };
}

/**
 * Spends a challenge: it must have been issued for this purpose (and user), be unspent and not
 * expired. Whatever the request brings next, a challenge is spent once: the `used_at IS NULL`
 * update lets exactly one of two concurrent requests (on any instance) have it.
 */
export async function spendCardChallenge(ctx: ServiceContext, challenge: string, purpose: CardPurpose, userId: string | null): Promise<void> {
  const sha256 = challengeDigest(challenge);
  const now = ctx.now().toISOString();
  const row = await ctx.storage.db.selectFrom('card_challenges').selectAll().where('challenge_sha256', '=', sha256).executeTakeFirst();
  if (!row || row.purpose !== purpose || row.user_id !== userId) throw new GongwenError('CARD_CHALLENGE_UNKNOWN');
  if (row.used_at !== null) throw new GongwenError('CARD_CHALLENGE_USED');
  if (row.expires_at <= now) throw new GongwenError('CARD_CHALLENGE_EXPIRED');
  const spent = await ctx.storage.write((trx) =>
    trx.updateTable('card_challenges').set({ used_at: now }).where('challenge_sha256', '=', sha256).where('used_at', 'is', null).executeTakeFirst(),
  );
  if (spent.numUpdatedRows !== 1n) throw new GongwenError('CARD_CHALLENGE_USED');
}
