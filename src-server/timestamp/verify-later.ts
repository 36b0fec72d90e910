import { X509Certificate } from 'node:crypto';
import { ContentInfo, SignedData } from 'pkijs';
import { sameBytes } from '../../src-shared/node/cms/der.js';
import { objectIdentifier } from '../../src-shared/node/cms/der-writer.js';
import type { Attribute } from '../../src-shared/node/cms/parse.js';
import { sha256 } from '../../src-shared/node/cms/signer-info.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { isSha256, readTimeStampToken } from './read-token.js';
import { tsOid } from './token.js';

const SIGNATURE_TIME_STAMP = objectIdentifier(tsOid.signatureTimeStampToken);

/**
 * How a signature was judged: 'now' (no time-stamp: its certificates must be valid today) or
 * 'time-stamp' (each certificate valid at the time a trusted TSA proves the signature existed).
 */
export type VerificationMode = 'now' | 'time-stamp';

export interface SignerVerdict {
  subject: string;
  mode: VerificationMode;
  /** The instant the certificate was checked at: the token's genTime, or now. */
  checkedAt: Date;
}

export interface YearsLaterVerdict {
  signer: SignerVerdict;
  countersignatures: SignerVerdict[];
}

export interface TrustAnchors {
  /** Issuers of the signers' certificates (card roots, the temp CA). */
  signerRoots: readonly X509Certificate[];
  /** Trusted TSA certificates (a token's signer must be one, or be issued by one). */
  timeStampAuthorities: readonly X509Certificate[];
}

/**
 * "Now, years later": verifies a step signature (as exported in evidence) whose certificates may
 * have expired since. A SignerInfo with a signature-time-stamp token from a trusted TSA, over its
 * very signature value, is judged at the token's time: valid when that time falls within its
 * certificate's validity. One without a token is judged now. Revocation is not checked (no CRL is
 * kept yet, docs/security.md). Throws a GongwenError naming what failed.
 */
export async function verifyYearsLater(cms: Uint8Array, payload: Uint8Array, trust: TrustAnchors, now: Date): Promise<YearsLaterVerdict> {
  const verified = verifyStepSignature(cms, payload);
  const signerInfo = verified.parsed.signerInfos[0]!;
  const signer = await judge(verified.signer.certificate, signerInfo.signature, signerInfo.unsignedAttributes, trust, now);
  const countersignatures = [];
  for (const [i, counter] of verified.countersignatures.entries()) {
    const info = signerInfo.countersignatures[i]!;
    countersignatures.push(await judge(counter.certificate, info.signature, info.unsignedAttributes, trust, now));
  }
  return { signer, countersignatures };
}

async function judge(
  certificate: X509Certificate,
  signatureValue: Uint8Array,
  unsigned: readonly Attribute[],
  trust: TrustAnchors,
  now: Date,
): Promise<SignerVerdict> {
  if (!trust.signerRoots.some((root) => certificate.checkIssued(root) && certificate.verify(root.publicKey)))
    throw new GongwenError('CERT_UNTRUSTED', certificate.subject);
  const tokens = unsigned.filter((a) => sameBytes(a.type, SIGNATURE_TIME_STAMP)).flatMap((a) => a.values);
  const checkedAt = tokens.length ? await timeStampedAt(tokens[0]!, signatureValue, trust.timeStampAuthorities) : now;
  if (checkedAt < new Date(certificate.validFrom) || checkedAt > new Date(certificate.validTo))
    throw new GongwenError('CERT_EXPIRED', `${certificate.subject} at ${checkedAt.toISOString()}`);
  return { subject: certificate.subject, mode: tokens.length ? 'time-stamp' : 'now', checkedAt };
}

/** The genTime of a token that is over `signatureValue` and signed by a trusted TSA; else TIME_STAMP_INVALID. */
export async function timeStampedAt(token: Uint8Array, signatureValue: Uint8Array, trusted: readonly X509Certificate[]): Promise<Date> {
  let facts;
  try {
    facts = readTimeStampToken(token);
  } catch {
    throw new GongwenError('TIME_STAMP_INVALID', 'not a time-stamp token');
  }
  if (!isSha256(facts) || !sameBytes(facts.imprint, sha256(signatureValue)))
    throw new GongwenError('TIME_STAMP_INVALID', 'the token is over another signature value');
  const signed = new SignedData({ schema: ContentInfo.fromBER(token).content });
  // PKI.js checks the imprint again against `data` (the time-stamped bytes) and the signature over TSTInfo.
  const result = await signed.verify({ signer: 0, data: signatureValue.slice().buffer, checkChain: false, extendedMode: true }).catch(() => null);
  if (!result?.signatureVerified || !result.signerCertificate) throw new GongwenError('TIME_STAMP_INVALID', "the token's signature does not verify");
  const tsa = new X509Certificate(Buffer.from(result.signerCertificate.toSchema().toBER()));
  const isTrusted = trusted.some((t) => t.raw.equals(tsa.raw) || (tsa.checkIssued(t) && tsa.verify(t.publicKey)));
  if (!isTrusted) throw new GongwenError('TIME_STAMP_INVALID', `untrusted TSA ${tsa.subject}`);
  if (!(tsa.keyUsage ?? []).includes(tsOid.timeStamping)) throw new GongwenError('TIME_STAMP_INVALID', 'the TSA certificate is not for time-stamping');
  if (facts.genTime < new Date(tsa.validFrom) || facts.genTime > new Date(tsa.validTo))
    throw new GongwenError('TIME_STAMP_INVALID', "the token lies outside its TSA certificate's validity");
  return facts.genTime;
}
