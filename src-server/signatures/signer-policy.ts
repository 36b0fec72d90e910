import type { X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import { knownCertificate } from '../../src-shared/cms/certificate-cache.js';
import type { VerifiedSigner } from '../../src-shared/cms/verify.js';
import { GongwenError } from '../../src-shared/errors.js';
import type { Database } from '../storage/schema.js';
import { sha256Hex, type TempCertAuthority } from '../temp-ca/authority.js';

export type SignerKind = 'card' | 'temp';

export interface AcceptedSigner {
  kind: SignerKind;
  certificateSha256: string;
}

const MAX_CHAIN_DEPTH = 4;

/**
 * Whether a certificate that verifiably signed something may sign for this user: a temp
 * certificate must be one the temp CA issued to this user, unrevoked and in validity; a card
 * certificate must chain to a trusted card root and be registered to this user. Each refusal has
 * its own code.
 */
export class SignerPolicy {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tempCa: TempCertAuthority,
    private readonly cardRoots: readonly X509Certificate[],
  ) {}

  async accept(signer: VerifiedSigner, carried: readonly Uint8Array[], userId: string, now: Date): Promise<AcceptedSigner> {
    const certificate = signer.certificate;
    const sha256 = sha256Hex(certificate);
    if (this.tempCa.issued(certificate)) {
      await this.acceptTemp(sha256, userId);
      checkValidity(certificate, signer.signingTime, now);
      return { kind: 'temp', certificateSha256: sha256 };
    }
    await this.acceptCard(certificate, sha256, carried, userId);
    checkValidity(certificate, signer.signingTime, now);
    return { kind: 'card', certificateSha256: sha256 };
  }

  /**
   * A card certificate for this user, without a signature around it (re-sign): trusted and
   * registered, whatever the time (a batch asks once per card; `checkValidity` per signature).
   */
  async acceptCardHolder(certificate: X509Certificate, carried: readonly Uint8Array[], userId: string): Promise<string> {
    const sha256 = sha256Hex(certificate);
    if (this.tempCa.issued(certificate)) throw new GongwenError('CERT_UNTRUSTED', 'a temporary certificate cannot re-sign: use the card');
    await this.acceptCard(certificate, sha256, carried, userId);
    return sha256;
  }

  private async acceptTemp(sha256: string, userId: string): Promise<void> {
    const row = await this.db.selectFrom('temp_certificates').select(['user_id', 'revoked_at']).where('sha256', '=', sha256).executeTakeFirst();
    if (!row) throw new GongwenError('CERT_UNKNOWN', 'the temp CA has no record of this certificate');
    if (row.user_id !== userId) throw new GongwenError('SIGNER_NOT_USER');
    if (row.revoked_at !== null) throw new GongwenError('CERT_REVOKED');
  }

  private async acceptCard(certificate: X509Certificate, sha256: string, carried: readonly Uint8Array[], userId: string): Promise<void> {
    const registered = await this.db.selectFrom('card_certificates').select('user_id').where('sha256', '=', sha256).executeTakeFirst();
    if (registered && registered.user_id !== userId) throw new GongwenError('SIGNER_NOT_USER');
    this.assertChainsToRoot(certificate, carried);
    if (!registered) throw new GongwenError('CERT_NOT_REGISTERED');
  }

  /** Certificates already found to chain to a root (the roots do not change while the service runs). */
  private readonly chained = new Set<string>();

  /** Walks issuer links through the carried certificates to a configured root, refusing loops and long chains. */
  assertChainsToRoot(certificate: X509Certificate, carried: readonly Uint8Array[]): void {
    const fingerprint = certificate.fingerprint256;
    if (this.chained.has(fingerprint)) return;
    this.walkToRoot(certificate, carried);
    if (this.chained.size > 4096) this.chained.clear();
    this.chained.add(fingerprint);
  }

  private walkToRoot(certificate: X509Certificate, carried: readonly Uint8Array[]): void {
    const intermediates = carried.map((der) => knownCertificate(der).x509).filter((c) => c.ca);
    const seen = new Set<string>();
    let current = certificate;
    for (let depth = 0; depth <= MAX_CHAIN_DEPTH; depth++) {
      if (seen.has(current.fingerprint256)) throw new GongwenError('CERT_UNTRUSTED', 'the certificate chain loops');
      seen.add(current.fingerprint256);
      const root = this.cardRoots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
      if (root) return;
      const issuer = intermediates.find((c) => c.fingerprint256 !== current.fingerprint256 && current.checkIssued(c) && current.verify(c.publicKey));
      if (!issuer) throw new GongwenError('CERT_UNTRUSTED');
      current = issuer;
    }
    throw new GongwenError('CERT_UNTRUSTED', 'the certificate chain is too long');
  }
}

export function checkValidity(certificate: X509Certificate, signingTime: Date, now: Date): void {
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  for (const t of [signingTime.getTime(), now.getTime()]) {
    if (t < from || t > to) throw new GongwenError('CERT_EXPIRED');
  }
}
