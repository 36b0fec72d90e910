import { cardStatementBytes, type CardPurpose } from '../../src-shared/common/api/cards.js';
import type { CardService } from '../card/card-service.js';

/** What the service needs to see of a card's statement (`RegisterCardRequest`, and `CardLoginRequest` with the account). */
export interface CardProof {
  challenge: string;
  signedAt: string;
  certificate: string;
  intermediates: string[];
  signature: string;
}

/**
 * The card signs a card statement (src-shared/common/api/cards.ts) that this PC writes itself: the
 * service's host as this client addresses it, the purpose, the account, the challenge, the time.
 * The service only supplies the challenge, which must be 32 random bytes in base64url; it never
 * hands the card bytes to sign. The card session is the one a send opens (PIN, C_Login, SHA-256
 * signature by the signing key), closed at once; the PIN is not kept.
 */
export async function signCardStatement(
  card: CardService,
  pin: string,
  statement: { service: string; purpose: CardPurpose; account: string; challenge: string },
  now: Date = new Date(),
): Promise<CardProof> {
  const session = await card.openSession(pin);
  try {
    const signedAt = now.toISOString();
    const signature = await session.signer.sign(cardStatementBytes({ ...statement, signedAt }));
    return {
      challenge: statement.challenge,
      signedAt,
      certificate: Buffer.from(session.certificate).toString('base64'),
      intermediates: [],
      signature: Buffer.from(signature).toString('base64'),
    };
  } finally {
    await session.close().catch(() => {});
  }
}
