import { X509Certificate } from 'node:crypto';
import { ContentInfo, SignedData } from 'pkijs';
import { sameBytes } from '../../src-shared/node/cms/der.js';
import { objectIdentifier } from '../../src-shared/node/cms/der-writer.js';
import type { Attribute } from '../../src-shared/node/cms/parse.js';
import { sha256 } from '../../src-shared/node/cms/signer-info.js';
import { verifyCountersignature, verifyStepSigner } from '../../src-shared/node/cms/verify.js';
import { GongwenError, messageOf, type ErrorCode } from '../../src-shared/common/errors.js';
import { issuedBy, x509 } from '../../src-shared/node/pki/x509.js';
import { crlIssuedBy } from '../revocation/crl.js';
import { CardPathValidator, pathTimeFailure } from '../signatures/card-path.js';
import type { PathCertificate } from '../signatures/path-certificate.js';
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
  /**
   * What the CRLs given said of the path at `checkedAt`: 'checked' when, for every certificate
   * below the root, a CRL its issuer signed was current then (thisUpdate at or before, nextUpdate
   * after) or was issued since; 'stale' when an issuer's CRLs are all older (a revocation after
   * them would not show); 'none' when an issuer has no CRL among them.
   */
  revocation: RevocationKnowledge;
}

export type RevocationKnowledge = 'checked' | 'stale' | 'none';

export interface YearsLaterVerdict {
  signer: SignerVerdict;
  countersignatures: SignerVerdict[];
}

export interface TrustAnchors {
  /** Issuers of the step signers' certificates (card roots, the temp CA). */
  signerRoots: readonly X509Certificate[];
  /**
   * Issuers of 補簽 countersigners' certificates: the card roots alone, as a temporary certificate
   * cannot re-sign. Default: `signerRoots`.
   */
  countersignerRoots?: readonly X509Certificate[];
  /** Trusted TSA certificates (a token's signer must be one, or be issued by one). */
  timeStampAuthorities: readonly X509Certificate[];
  /**
   * CRLs kept with the evidence (`crls/*.pem`, `trust/temp-ca.crl`, DER): a certificate listed on
   * one its issuer signed is valid only for a time before its revocation date.
   */
  crls?: readonly Uint8Array[];
}

/** One signature's verdict, or why it does not stand: a stable code, its sentence, the detail. */
export type SignerOutcome = { ok: true; verdict: SignerVerdict } | { ok: false; code: ErrorCode; message: string; detail?: string; error: GongwenError };

/**
 * "Now, years later": verifies a step signature (as exported in evidence) whose certificates may
 * have expired since. A SignerInfo with a signature-time-stamp token from a trusted TSA, over its
 * very signature value, is judged at the token's time: valid when that time falls within the
 * validity of every certificate of its path (the root's too) and before any revocation on the
 * CRLs given. One without a token is judged now. The path to a trusted root may run through CA
 * certificates the CMS carries (a card under an intermediate) and is validated as the service
 * validates a card's at send (`CardPathValidator`: RFC 5280 basic path validation, the signing
 * profile, the algorithm rule). Throws a GongwenError naming the first failure.
 */
export async function verifyYearsLater(cms: Uint8Array, payload: Uint8Array, trust: TrustAnchors, now: Date): Promise<YearsLaterVerdict> {
  const outcomes = await verifyEachYearsLater(cms, payload, trust, now);
  const verdictOf = (outcome: SignerOutcome) => {
    if (!outcome.ok) throw outcome.error;
    return outcome.verdict;
  };
  return { signer: verdictOf(outcomes.signer), countersignatures: outcomes.countersignatures.map(verdictOf) };
}

/**
 * `verifyYearsLater` for each signature apart, so a records officer learns that the step's
 * signature stands though its 補簽 does not, or the reverse: a countersignature is an unsigned
 * attribute anyone can add, so one that fails to verify is its own verdict. When the step's own
 * SignerInfo does not verify (the structure, its signature value) nothing in it is judged.
 */
export async function verifyEachYearsLater(
  cms: Uint8Array,
  payload: Uint8Array,
  trust: TrustAnchors,
  now: Date,
): Promise<{ signer: SignerOutcome; countersignatures: SignerOutcome[] }> {
  let verified;
  try {
    verified = verifyStepSigner(cms, payload);
  } catch (error) {
    return { signer: failed(error), countersignatures: [] };
  }
  const { parsed } = verified;
  const signerInfo = parsed.signerInfos[0]!;
  const context = { trust, carried: parsed.certificates, now };
  const signer = await outcomeOf(() => judge(verified.signer.certificate, signerInfo, trust.signerRoots, context));
  const countersignatures = [];
  for (const info of signerInfo.countersignatures) {
    const judging = () =>
      judge(verifyCountersignature(parsed, signerInfo.signature, info).certificate, info, trust.countersignerRoots ?? trust.signerRoots, context);
    countersignatures.push(await outcomeOf(judging));
  }
  return { signer, countersignatures };
}

async function outcomeOf(judging: () => Promise<SignerVerdict>): Promise<SignerOutcome> {
  try {
    return { ok: true, verdict: await judging() };
  } catch (error) {
    return failed(error);
  }
}

/** A failure as an outcome. What is not a GongwenError (input no check foresaw) is INTERNAL: not valid either way. */
function failed(error: unknown): SignerOutcome & { ok: false } {
  const known = error instanceof GongwenError ? error : new GongwenError('INTERNAL', error instanceof Error ? error.message : String(error));
  return { ok: false, code: known.code, message: messageOf(known.code, 'en'), ...(known.detail ? { detail: known.detail } : {}), error: known };
}

async function judge(
  certificate: X509Certificate,
  signerInfo: { signature: Uint8Array; unsignedAttributes: readonly Attribute[] },
  roots: readonly X509Certificate[],
  context: { trust: TrustAnchors; carried: readonly Uint8Array[]; now: Date },
): Promise<SignerVerdict> {
  const { trust, now } = context;
  const card = new CardPathValidator(roots).validate(certificate, context.carried);
  const tokens = signerInfo.unsignedAttributes.filter((a) => sameBytes(a.type, SIGNATURE_TIME_STAMP)).flatMap((a) => a.values);
  const checkedAt = tokens.length ? await provenTime(tokens, signerInfo.signature, trust.timeStampAuthorities) : now;
  // Of several valid paths (a re-keyed intermediate carried beside the old one), one that holds will do.
  let first: GongwenError | undefined;
  for (const path of card.paths) {
    const revocation = await revocationAt(path, checkedAt, trust.crls ?? []);
    const failure = pathTimeFailure(path, [checkedAt]) ?? revocation.failure;
    if (!failure) return { subject: certificate.subject, mode: tokens.length ? 'time-stamp' : 'now', checkedAt, revocation: revocation.knowledge };
    first ??= failure;
  }
  if (tokens.length) throw first!;
  // Nothing proves when it was made: say that it was judged today, and why that may fail.
  throw new GongwenError(first!.code, `${first!.detail ?? certificate.subject}; it has no time-stamp, so it is judged as of now, ${now.toISOString()}`);
}

/** Whether a certificate of `path` (leaf first) was revoked at or before `at`, and what the CRLs could tell of each. */
async function revocationAt(
  path: readonly PathCertificate[],
  at: Date,
  crls: readonly Uint8Array[],
): Promise<{ failure?: GongwenError; knowledge: RevocationKnowledge }> {
  const rank: Record<RevocationKnowledge, number> = { checked: 0, stale: 1, none: 2 };
  let knowledge: RevocationKnowledge = 'checked';
  for (let i = 0; i < path.length - 1; i++) {
    const found = await revocationOf(path[i]!.x509, path[i + 1]!.x509, crls, at);
    if (rank[found.knowledge] > rank[knowledge]) knowledge = found.knowledge;
    if (found.revoked && found.revoked <= at)
      return { failure: new GongwenError('CERT_REVOKED', `${path[i]!.subject} revoked ${found.revoked.toISOString()}`), knowledge };
  }
  return { knowledge };
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

/** CRLs read once, and whether each was signed by a given issuer (a GRCA CRL runs to megabytes). */
const readCrls = new WeakMap<Uint8Array, { crl: x509.X509Crl; issuedBy: Map<string, boolean> }>();

/** A CRL given to the verifier, read once (a CRL that does not parse throws, as @peculiar/x509 does). */
export function readCrl(der: Uint8Array): { crl: x509.X509Crl; issuedBy: Map<string, boolean> } {
  let read = readCrls.get(der);
  if (!read) readCrls.set(der, (read = { crl: new x509.X509Crl(der), issuedBy: new Map() }));
  return read;
}

/**
 * When `certificate` was revoked by a CRL among `crls` its issuer signed (null: none lists it), and
 * whether one of them speaks for `at`: current then, or issued since (an older CRL cannot show a
 * revocation after it, and anyone handing the CMS over chooses which CRLs come with it).
 */
async function revocationOf(
  certificate: X509Certificate,
  issuer: X509Certificate,
  crls: readonly Uint8Array[],
  at: Date,
): Promise<{ revoked: Date | null; knowledge: RevocationKnowledge }> {
  const issuerCertificate = new x509.X509Certificate(issuer.raw);
  const listed = new x509.X509Certificate(certificate.raw);
  let knowledge: RevocationKnowledge = 'none';
  for (const der of crls) {
    const read = readCrl(der);
    let signed = read.issuedBy.get(issuer.fingerprint256);
    if (signed === undefined) read.issuedBy.set(issuer.fingerprint256, (signed = await crlIssuedBy(read.crl, issuerCertificate)));
    if (!signed) continue;
    const { thisUpdate, nextUpdate } = read.crl;
    const speaksForAt = thisUpdate >= at || (nextUpdate !== undefined && nextUpdate >= at);
    if (speaksForAt) knowledge = 'checked';
    else if (knowledge === 'none') knowledge = 'stale';
    const entry = read.crl.findRevoked(listed);
    if (entry) return { revoked: entry.revocationDate, knowledge };
  }
  return { revoked: null, knowledge };
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
  let tsa: X509Certificate;
  try {
    tsa = new X509Certificate(Buffer.from(result.signerCertificate.toSchema().toBER()));
  } catch {
    throw new GongwenError('TIME_STAMP_INVALID', "the TSA's certificate cannot be read");
  }
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
