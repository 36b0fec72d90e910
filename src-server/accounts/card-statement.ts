import { X509Certificate, verify } from 'node:crypto';
import { cardStatementBytes, type CardPurpose } from '../../src-shared/common/api/cards.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';

/** A card's proof as it arrives (base64 fields already checked by the request's schema). */
export interface CardProof {
  challenge: string;
  signedAt: string;
  certificate: string;
  intermediates: readonly string[];
  signature: string;
}

export interface ProvenCard {
  certificate: X509Certificate;
  der: Uint8Array;
  intermediates: Uint8Array[];
}

/**
 * Checks that the certificate's key signed the card statement this service would write for this
 * purpose, account and challenge (`cardStatementBytes`), with `service` the Host the request came
 * to: a statement signed for another service, purpose or account does not verify. The signing
 * time must be within the clock skew of now. Who the certificate belongs to is the caller's part.
 */
export function checkCardProof(ctx: ServiceContext, proof: CardProof, statement: { service: string; purpose: CardPurpose; account: string }): ProvenCard {
  const der = new Uint8Array(Buffer.from(proof.certificate, 'base64'));
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new GongwenError('CERT_MALFORMED', 'not an X.509 certificate');
  }
  const signedAt = new Date(proof.signedAt).getTime();
  if (!Number.isFinite(signedAt) || Math.abs(signedAt - ctx.now().getTime()) > ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID');
  let bytes: Uint8Array;
  try {
    bytes = cardStatementBytes({ ...statement, challenge: proof.challenge, signedAt: proof.signedAt });
  } catch {
    throw new GongwenError('SIGNATURE_INVALID', 'the request came to a host name a card statement cannot name');
  }
  let ok: boolean;
  try {
    const key = certificate.publicKey;
    const type = key.asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ec') throw new GongwenError('CERT_WEAK_ALGORITHM', `${type ?? 'unknown'} key`);
    ok = verify('sha256', bytes, key, Buffer.from(proof.signature, 'base64'));
  } catch (error) {
    if (error instanceof GongwenError) throw error;
    ok = false;
  }
  if (!ok) throw new GongwenError('SIGNATURE_INVALID', 'the card statement does not verify with this certificate');
  return { certificate, der, intermediates: proof.intermediates.map((b) => new Uint8Array(Buffer.from(b, 'base64'))) };
}

/** The host (and port) the request was addressed to: what the client put in its statement. */
export function serviceHostOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const host = request.headers.host;
  return typeof host === 'string' ? host.toLowerCase() : '';
}
