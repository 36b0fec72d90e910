import type { X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { VerifiedSigner } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { Database } from '../storage/schema.js';
import { sha256Hex, type TempCertAuthority } from '../temp-ca/authority.js';
import type { CardRevocation, ReliedCrl } from '../revocation/card-revocation.js';
import { CardPathValidator, type ValidatedCard } from './card-path.js';

export type SignerKind = 'card' | 'temp';

export interface AcceptedSigner {
  kind: SignerKind;
  certificateSha256: string;
  /** What the card's revocation check relied on, per issuer of its path (none for a temp cert here). */
  revocation: ReliedCrl[];
}

/**
 * Whether a certificate that verifiably signed something may sign for this user: a temp
 * certificate must be one the temp CA issued to this user, unrevoked and in validity; a card
 * certificate must pass RFC 5280 path validation to a trusted card root (`card-path.ts`), fit the
 * signing profile and be registered to this user. Each refusal has its own code.
 */
export class SignerPolicy {
  private readonly cardPaths: CardPathValidator;
  private readonly intermediatesByCard = new Map<string, readonly Uint8Array[]>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly tempCa: TempCertAuthority,
    cardRoots: readonly X509Certificate[],
    private readonly revocation?: CardRevocation,
  ) {
    this.cardPaths = new CardPathValidator(cardRoots);
  }

  async accept(signer: VerifiedSigner, carried: readonly Uint8Array[], userId: string, now: Date): Promise<AcceptedSigner> {
    const certificate = signer.certificate;
    const sha256 = sha256Hex(certificate);
    if (this.tempCa.issued(certificate)) {
      await this.acceptTemp(sha256, userId, [signer.signingTime, now]);
      checkValidity(certificate, signer.signingTime, now);
      return { kind: 'temp', certificateSha256: sha256, revocation: [] };
    }
    const card = await this.acceptCard(certificate, sha256, carried, userId);
    card.assertValidAt([signer.signingTime, now]);
    return { kind: 'card', certificateSha256: sha256, revocation: await this.checkRevocation(card) };
  }

  /**
   * A card certificate for this user, without a signature around it (re-sign): trusted and
   * registered, whatever the time (a batch asks once per card; `assertValidAt` per signature,
   * for every certificate of the path).
   */
  async acceptCardHolder(certificate: X509Certificate, carried: readonly Uint8Array[], userId: string): Promise<CardHolder> {
    const sha256 = sha256Hex(certificate);
    if (this.tempCa.issued(certificate)) throw new GongwenError('CERT_UNTRUSTED', 'a temporary certificate cannot re-sign: use the card');
    const card = await this.acceptCard(certificate, sha256, carried, userId);
    const revocation = await this.checkRevocation(card);
    return { sha256, revocation, assertValidAt: (signingTime, now) => card.assertValidAt([signingTime, now]) };
  }

  /** CERT_REVOKED when the card or a CA of its path is on its issuer's CRL; else what was relied on. */
  private checkRevocation(card: ValidatedCard): Promise<ReliedCrl[]> {
    return this.revocation ? this.revocation.check(card.paths) : Promise.resolve([]);
  }

  private async acceptTemp(sha256: string, userId: string, times: readonly Date[]): Promise<void> {
    const row = await this.db
      .selectFrom('temp_certificates as c')
      .leftJoin('temp_cert_applications as a', 'a.user_id', 'c.user_id')
      .select(['c.user_id', 'c.revoked_at', 'a.period_end'])
      .where('c.sha256', '=', sha256)
      .executeTakeFirst();
    if (!row) throw new GongwenError('CERT_UNKNOWN', 'the temp CA has no record of this certificate');
    if (row.user_id !== userId) throw new GongwenError('SIGNER_NOT_USER');
    if (row.revoked_at !== null) throw new GongwenError('CERT_REVOKED');
    // The agency's period (policy tempCert.periodDays) has its own code, before the expiry it also is.
    const end = row.period_end ? new Date(row.period_end).getTime() : null;
    if (end !== null && times.some((t) => t.getTime() >= end)) throw new GongwenError('TEMP_CERT_PERIOD_ENDED');
  }

  private async acceptCard(certificate: X509Certificate, sha256: string, carried: readonly Uint8Array[], userId: string): Promise<ValidatedCard> {
    const registered = await this.db
      .selectFrom('card_certificates')
      .select(['user_id', 'intermediates', 'retired_at'])
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (registered && registered.user_id !== userId) throw new GongwenError('SIGNER_NOT_USER');
    // Retired (replaced): nothing new, neither a step, a 補簽 nor a login; what it signed before stands.
    if (registered && registered.retired_at !== null) throw new GongwenError('CARD_RETIRED');
    // The path may go through what the signature carried or through the CAs the card was registered with.
    const card = this.validateCard(certificate, [...carried, ...(await this.registeredIntermediates(sha256, registered?.intermediates ?? null))]);
    if (!registered) throw new GongwenError('CERT_NOT_REGISTERED');
    return card;
  }

  /** A registered card's intermediates, read once per card (they never change once registered). */
  private async registeredIntermediates(cardSha256: string, hashes: string | null): Promise<readonly Uint8Array[]> {
    if (hashes === null) return [];
    const known = this.intermediatesByCard.get(cardSha256);
    if (known) return known;
    const wanted = JSON.parse(hashes) as string[];
    const rows = await this.db.selectFrom('carried_certificates').select(['sha256', 'der']).where('sha256', 'in', wanted).execute();
    const ders = rows.map((r) => new Uint8Array(r.der));
    this.intermediatesByCard.set(cardSha256, ders);
    return ders;
  }

  /**
   * RFC 5280 path validation to a configured card root through the carried certificates, and the
   * leaf's signing profile (`card-path.ts`); the caller checks the times that matter.
   */
  validateCard(certificate: X509Certificate, carried: readonly Uint8Array[]): ValidatedCard {
    return this.cardPaths.validate(certificate, carried);
  }

  /** The path and profile checks without a time (kept for callers that only ask "does it chain"). */
  assertChainsToRoot(certificate: X509Certificate, carried: readonly Uint8Array[]): void {
    this.validateCard(certificate, carried);
  }
}

/** A card judged once per 補簽 batch; each countersignature's time is checked on its own. */
export interface CardHolder {
  sha256: string;
  /** What the revocation check (once per batch) relied on. */
  revocation: ReliedCrl[];
  assertValidAt(signingTime: Date, now: Date): void;
}

export function checkValidity(certificate: X509Certificate, signingTime: Date, now: Date): void {
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  for (const t of [signingTime.getTime(), now.getTime()]) {
    if (t < from || t > to) throw new GongwenError('CERT_EXPIRED');
  }
}
