import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { LIMITS } from './documents.js';
import { account, base64, isoInstant } from './text.js';

/**
 * Card login (憑證卡登入) and card replacement (註冊新憑證卡): the card signs a card statement,
 * a small RFC 8785 JSON object naming what the signature is for, never the challenge bytes bare.
 *
 *   { "account": …, "challenge": …, "profile": "gongwendesk-card-statement/1",
 *     "purpose": "login" | "register-card" | "console-login", "service": <host[:port] the client connected to>,
 *     "signedAt": <ISO instant, the PC's clock> }
 *
 * The card signs these UTF-8 bytes with SHA-256 (RSASSA-PKCS1-v1_5, or ECDSA). The profile and the
 * purpose keep a login signature from ever passing as a registration (and the other way round);
 * neither is a CMS signed-attributes SET (what step signatures and 補簽 sign), so no statement can
 * stand for a step. The service rebuilds the statement from the request, its own Host and the
 * challenge it issued for this purpose; it never signs or trusts a statement it was handed whole.
 */
export const CARD_STATEMENT_PROFILE = 'gongwendesk-card-statement/1';
export const cardPurposes = ['login', 'register-card', 'console-login'] as const;
export type CardPurpose = (typeof cardPurposes)[number];

/** How long a challenge may wait for the card (the PIN dialog included). */
export const CARD_CHALLENGE_SECONDS = 120;

/** 32 random bytes, base64url without padding. */
export const challenge = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: '驗證碼格式不正確 (not a challenge)' });
const host = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, { message: '主機名稱格式不正確 (not a host)' });

export interface CardStatement {
  service: string;
  purpose: CardPurpose;
  account: string;
  challenge: string;
  signedAt: string;
}

/** The exact bytes the card signs (see above). */
export function cardStatementBytes(statement: CardStatement): Uint8Array {
  host.parse(statement.service);
  return new TextEncoder().encode(
    canonicalJson({
      profile: CARD_STATEMENT_PROFILE,
      service: statement.service,
      purpose: statement.purpose,
      account: statement.account,
      challenge: statement.challenge,
      signedAt: statement.signedAt,
    }),
  );
}

export const CardChallengeResponse = z.object({ challenge, expiresAt: z.string() });
export type CardChallengeResponse = z.infer<typeof CardChallengeResponse>;

/** What a card proves in a request: its certificate (and any intermediates) and its signature over the statement. */
export const cardProof = {
  challenge,
  signedAt: isoInstant,
  /** The card's signing certificate, DER base64. */
  certificate: base64({ maxBytes: LIMITS.certificateBytes, bytes: 'the card’s signing certificate, X.509 DER' }),
  /** CAs between the card and its root, DER base64 (a card usually offers none). */
  intermediates: z
    .array(base64({ maxBytes: LIMITS.certificateBytes, bytes: 'a CA certificate between the card and its root, X.509 DER' }))
    .max(4)
    .default([]),
  /** The signature over the statement's bytes (RSA: PKCS#1 v1.5; EC: DER Ecdsa-Sig-Value), base64. */
  signature: base64({
    maxBytes: 1024,
    bytes: 'the card’s signature over the card statement’s bytes, SHA-256 (RSA: PKCS#1 v1.5; EC: DER Ecdsa-Sig-Value)',
  }),
};

/** 憑證卡登入: the account to log in to and the card's proof. */
export const CardLoginRequest = z.strictObject({ account, ...cardProof });
export type CardLoginRequest = z.input<typeof CardLoginRequest>;

/** 註冊新憑證卡: the new card's proof, for the logged-in account. */
export const RegisterCardRequest = z.strictObject(cardProof);
export type RegisterCardRequest = z.input<typeof RegisterCardRequest>;

export const cardRecordStates = ['active', 'retired', 'expired'] as const;

/** A card certificate on record for a person, as the settings screen lists it. */
export const CardRecord = z.object({
  sha256: z.string(),
  /** The holder's name (commonName) and identity number (serialNumber) from the certificate's subject. */
  holder: z.string(),
  serialNumber: z.string().nullable(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  registeredAt: z.string(),
  retiredAt: z.string().nullable(),
  state: z.enum(cardRecordStates),
});
export type CardRecord = z.infer<typeof CardRecord>;

export const CardList = z.object({ cards: z.array(CardRecord) });
export type CardList = z.infer<typeof CardList>;

export const RegisterCardResponse = z.object({ card: CardRecord, alreadyRegistered: z.boolean() });
export type RegisterCardResponse = z.infer<typeof RegisterCardResponse>;

export const CardSha256 = z.string().regex(/^[0-9a-f]{64}$/);
