import { X509Certificate } from 'node:crypto';
import { ContentInfo, SignedData } from 'pkijs';
import { sameBytes } from '../../src-shared/node/cms/der.js';
import { objectIdentifier } from '../../src-shared/node/cms/der-writer.js';
import type { Attribute } from '../../src-shared/node/cms/parse.js';
import { sha256 } from '../../src-shared/node/cms/signer-info.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { issuedBy, x509 } from '../../src-shared/node/pki/x509.js';
import { crlIssuedBy } from '../revocation/crl.js';
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
  /**
   * CRLs kept with the evidence (`crls/*.pem`, `trust/temp-ca.crl`, DER): a certificate listed on
   * one its issuer signed is valid only for a time before its revocation date.
   */
  crls?: readonly Uint8Array[];
}

/**
 * "Now, years later": verifies a step signature (as exported in evidence) whose certificates may
 * have expired since. A SignerInfo with a signature-time-stamp token from a trusted TSA, over its
 * very signature value, is judged at the token's time: valid when that time falls within its
 * certificate's validity and before any revocation on the CRLs given. One without a token is
 * judged now. The path to a trusted root may run through CA certificates the CMS carries (a card
 * under an intermediate). Throws a GongwenError naming what failed.
 */
export async function verifyYearsLater(cms: Uint8Array, payload: Uint8Array, trust: TrustAnchors, now: Date): Promise<YearsLaterVerdict> {
  const verified = verifyStepSignature(cms, payload);
  const carried = verified.parsed.certificates.map((der) => new X509Certificate(der));
  const signerInfo = verified.parsed.signerInfos[0]!;
  const signer = await judge(verified.signer.certificate, signerInfo.signature, signerInfo.unsignedAttributes, { trust, carried, now });
  const countersignatures = [];
  for (const [i, counter] of verified.countersignatures.entries()) {
    const info = signerInfo.countersignatures[i]!;
    countersignatures.push(await judge(counter.certificate, info.signature, info.unsignedAttributes, { trust, carried, now }));
  }
  return { signer, countersignatures };
}

async function judge(
  certificate: X509Certificate,
  signatureValue: Uint8Array,
  unsigned: readonly Attribute[],
  context: { trust: TrustAnchors; carried: readonly X509Certificate[]; now: Date },
): Promise<SignerVerdict> {
  const { trust, now } = context;
  const issuers = pathToRoot(certificate, trust.signerRoots, context.carried);
  if (!issuers) throw new GongwenError('CERT_UNTRUSTED', certificate.subject);
  const tokens = unsigned.filter((a) => sameBytes(a.type, SIGNATURE_TIME_STAMP)).flatMap((a) => a.values);
  const checkedAt = tokens.length ? await provenTime(tokens, signatureValue, trust.timeStampAuthorities) : now;
  // Every certificate of the path below its root, the signer's first, then any intermediate's.
  const path = [certificate, ...issuers];
  for (const [i, ca] of issuers.entries()) {
    const below = path[i]!;
    if (checkedAt < new Date(below.validFrom) || checkedAt > new Date(below.validTo))
      throw new GongwenError(i === 0 ? 'CERT_EXPIRED' : 'CERT_CHAIN_EXPIRED', `${below.subject} at ${checkedAt.toISOString()}`);
    const revoked = await revokedAt(below, ca, trust.crls ?? []);
    if (revoked && revoked <= checkedAt) throw new GongwenError('CERT_REVOKED', `${below.subject} revoked ${revoked.toISOString()}`);
  }
  return { subject: certificate.subject, mode: tokens.length ? 'time-stamp' : 'now', checkedAt };
}

/**
 * The earliest time a trusted token over the signature value proves. Unsigned attributes are not
 * signed: anyone handling the CMS can add a token (the signer's own, or garbage) beside the
 * service's, so one that does not stand is passed over; only when none does is the first's fault
 * reported.
 */
async function provenTime(tokens: readonly Uint8Array[], signatureValue: Uint8Array, trusted: readonly X509Certificate[]): Promise<Date> {
  const proven: Date[] = [];
  let firstFault: unknown;
  for (const token of tokens) {
    try {
      proven.push(await timeStampedAt(token, signatureValue, trusted));
    } catch (error) {
      firstFault ??= error;
    }
  }
  if (proven.length === 0) throw firstFault;
  return new Date(Math.min(...proven.map((t) => t.getTime())));
}

/** Issuer links tried at most: a CMS is anyone's to hand over, with whatever CA certificates they like. */
const MAX_LINKS = 256;

/**
 * The issuers above `certificate` up to a trusted root (the root last), through the CA
 * certificates carried (a few levels at most); null when no such path exists. CA certificates
 * sharing one name and key each issue all the others: nine of them (the most a signature may carry
 * beside its signer's) would cost 7,380 signature checks without a bound on the links tried.
 */
function pathToRoot(certificate: X509Certificate, roots: readonly X509Certificate[], carried: readonly X509Certificate[]): X509Certificate[] | null {
  let links = 0;
  const issuersAbove = (below: X509Certificate, depth: number): X509Certificate[] | null => {
    const root = roots.find((r) => issuedBy(below, r));
    if (root) return [root];
    if (depth >= 4) return null;
    for (const ca of carried) {
      if (!ca.ca || ca.raw.equals(below.raw)) continue;
      if (++links > MAX_LINKS) return null;
      if (!issuedBy(below, ca)) continue;
      const above = issuersAbove(ca, depth + 1);
      if (above) return [ca, ...above];
    }
    return null;
  };
  return issuersAbove(certificate, 0);
}

/** When `certificate` was revoked, by a CRL among `crls` that its issuer signed; null when none lists it. */
async function revokedAt(certificate: X509Certificate, issuer: X509Certificate, crls: readonly Uint8Array[]): Promise<Date | null> {
  const issuerCertificate = new x509.X509Certificate(issuer.raw);
  const listed = new x509.X509Certificate(certificate.raw);
  for (const der of crls) {
    const crl = new x509.X509Crl(der);
    if (!(await crlIssuedBy(crl, issuerCertificate))) continue;
    const entry = crl.findRevoked(listed);
    if (entry) return entry.revocationDate;
  }
  return null;
}

/** The genTime of a token that is over `signatureValue` and signed by a trusted TSA; else TIME_STAMP_INVALID. */
export async function timeStampedAt(token: Uint8Array, signatureValue: Uint8Array, trusted: readonly X509Certificate[]): Promise<Date> {
  return (await timeStampProof(token, signatureValue, trusted)).genTime;
}

/** What `timeStampedAt` proves, with the certificate that signed the token (the TSA's). */
export async function timeStampProof(
  token: Uint8Array,
  signatureValue: Uint8Array,
  trusted: readonly X509Certificate[],
): Promise<{ genTime: Date; tsaCertificate: X509Certificate }> {
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
  // Trusted itself or issued directly by a trusted certificate: an operator whose TSA sits under a
  // CA configures that CA (and the root above it, for evidence). A path through CAs the token
  // carries would need the whole of RFC 5280 path validation, which only the card path does.
  const isTrusted = trusted.some((t) => t.raw.equals(tsa.raw) || issuedBy(tsa, t));
  if (!isTrusted) throw new GongwenError('TIME_STAMP_INVALID', `untrusted TSA ${tsa.subject}`);
  if (!(tsa.keyUsage ?? []).includes(tsOid.timeStamping)) throw new GongwenError('TIME_STAMP_INVALID', 'the TSA certificate is not for time-stamping');
  if (facts.genTime < new Date(tsa.validFrom) || facts.genTime > new Date(tsa.validTo))
    throw new GongwenError('TIME_STAMP_INVALID', "the token lies outside its TSA certificate's validity");
  return { genTime: facts.genTime, tsaCertificate: tsa };
}
