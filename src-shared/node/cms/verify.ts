import { constants, verify as cryptoVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { GongwenError, refuseSignature as refuse, type SignatureReason } from '../../common/errors.js';
import { knownCertificate, type KnownCertificate } from './certificate-cache.js';
import { subjectKeyIdentifier } from './certificate-fields.js';
import { DerError, Tag, children, contentOf, readTime, readWhole, sameBytes } from './der.js';
import { oidDer, oidName } from './oids.js';
import { findAttribute, parseCountersignerInfo, parseSignedData, type ParsedSignedData, type ParsedSignerInfo } from './parse.js';
import { pssSaltLength } from './pss.js';
import { sha256 } from './signer-info.js';

/** What a verified SignerInfo tells: who signed (the certificate is not yet judged), and when. */
export interface VerifiedSigner {
  certificate: X509Certificate;
  certificateDer: Uint8Array;
  signingTime: Date;
}

export interface VerifiedCountersignature extends VerifiedSigner {
  /** 補簽註記 */
  note: string;
  /** 代為補簽: the signer's account and the reason, when the countersignature carries them (both or neither). */
  onBehalf?: { signerAccount: string; reason: string };
}

export interface VerifiedStepSignature {
  signer: VerifiedSigner;
  /** Every countersignature on the signer, each verified over the signer's signature value. */
  countersignatures: VerifiedCountersignature[];
  parsed: ParsedSignedData;
}

const weakDigests = [oidDer.sha1, oidDer.md5];
const weakSignatures = [oidDer.sha1WithRSAEncryption, oidDer.md5WithRSAEncryption, oidDer.ecdsaWithSHA1];
const acceptedCurves = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;
/** One decoder for every note: `decode` without `stream` keeps no state between calls. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies a step signature against the payload bytes the verifier built itself: the structure,
 * the CAdES signed attributes, the signature value and every countersignature. Whether the
 * certificates are trusted, unrevoked and the user's own is the caller's decision (it depends on
 * the service's state); this function answers only "these bytes were signed by this key".
 */
export function verifyStepSignature(cms: Uint8Array, payload: Uint8Array): VerifiedStepSignature {
  const { signer, parsed } = verifyStepSigner(cms, payload);
  const signerInfo = parsed.signerInfos[0]!;
  const countersignatures = signerInfo.countersignatures.map((counter) => verifyCountersignature(parsed, signerInfo.signature, counter));
  return { signer, countersignatures, parsed };
}

/**
 * `verifyStepSignature` without the countersignatures: the step's own SignerInfo. Countersignatures
 * are unsigned attributes anyone can add, so a verifier reporting on each signature apart checks
 * them one by one (`verifyCountersignature`).
 */
export function verifyStepSigner(cms: Uint8Array, payload: Uint8Array): Pick<VerifiedStepSignature, 'signer' | 'parsed'> {
  const parsed = parseOrRefuse(cms);
  if (parsed.signerInfos.length !== 1) refuse('SIGNATURE_PROFILE', 'ONE_SIGNER', `${parsed.signerInfos.length} signers`);
  // A carried content (openssl's -stream embeds it) must be the payload; the signature is kept without it.
  if (parsed.encapsulatedContent && !sameBytes(parsed.encapsulatedContent, payload))
    throw new GongwenError('SIGNATURE_PAYLOAD_MISMATCH', 'the content the signature carries is not the step payload');
  return { signer: verifySignerInfo(parsed, parsed.signerInfos[0]!, sha256(payload), 'content'), parsed };
}

export function parseOrRefuse(cms: Uint8Array): ParsedSignedData {
  return refusingMalformed(() => parseSignedData(cms));
}

/** A countersignature uploaded on its own (IFT940), or SIGNATURE_MALFORMED. */
export function parseCountersignatureOrRefuse(der: Uint8Array): ParsedSignerInfo {
  return refusingMalformed(() => parseCountersignerInfo(der));
}

function refusingMalformed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DerError) throw new GongwenError('SIGNATURE_MALFORMED', error.message);
    throw error;
  }
}

/**
 * A countersignature over `countersignedSignature` (the signature value of the SignerInfo it
 * countersigns). `certificates` are where the countersigner's certificate is looked for (the
 * SignedData's, or those sent with it).
 */
export function verifyCountersignature(
  parsed: Pick<ParsedSignedData, 'certificates'>,
  countersignedSignature: Uint8Array,
  counter: ParsedSignerInfo,
): VerifiedCountersignature {
  const verified = verifySignerInfo(parsed, counter, sha256(countersignedSignature), 'countersignature');
  const noteAttribute = findAttribute(counter.signedAttributes, oidDer.resignNote);
  const note = utf8Value(single(noteAttribute?.values, 'RESIGN_NOTE_MISSING'));
  const reason = findAttribute(counter.signedAttributes, oidDer.resignReason);
  const onBehalfOf = findAttribute(counter.signedAttributes, oidDer.resignOnBehalfOf);
  if (!reason && !onBehalfOf) return { ...verified, note };
  if (!reason || !onBehalfOf) refuse('SIGNATURE_PROFILE', 'ON_BEHALF_ATTRIBUTES');
  return {
    ...verified,
    note,
    onBehalf: {
      signerAccount: utf8Value(single(onBehalfOf.values, 'ON_BEHALF_ATTRIBUTES')),
      reason: utf8Value(single(reason.values, 'ON_BEHALF_ATTRIBUTES')),
    },
  };
}

/** A UTF8String attribute value, strictly decoded. */
function utf8Value(value: Uint8Array): string {
  return guard(() => strictUtf8.decode(contentOf(value, readWhole(value, Tag.UTF8_STRING))));
}

function verifySignerInfo(
  parsed: Pick<ParsedSignedData, 'certificates'>,
  info: ParsedSignerInfo,
  expectedDigest: Uint8Array,
  role: 'content' | 'countersignature',
): VerifiedSigner {
  const byKeyId = 'keyId' in info.sid;
  if (info.version !== (byKeyId ? 3 : 1)) refuse('SIGNATURE_PROFILE', 'SIGNER_INFO_VERSION', `version ${info.version}`);
  if (weakDigests.some((w) => sameBytes(w, info.digestAlgorithm))) refuse('WEAK_ALGORITHM', 'WEAK_DIGEST', oidName(info.digestAlgorithm));
  if (!sameBytes(info.digestAlgorithm, oidDer.sha256)) refuse('SIGNATURE_PROFILE', 'DIGEST_ALGORITHM', oidName(info.digestAlgorithm));
  if (weakSignatures.some((w) => sameBytes(w, info.signatureAlgorithm))) refuse('WEAK_ALGORITHM', 'WEAK_SIGNATURE_ALGORITHM', oidName(info.signatureAlgorithm));
  if (!info.signedAttributesDer) refuse('SIGNATURE_PROFILE', 'SIGNED_ATTRIBUTES_MISSING');

  const attrs = info.signedAttributes;
  const essValue = single(findAttribute(attrs, oidDer.signingCertificateV2)?.values, 'SIGNING_CERTIFICATE_MISSING');
  const essHash = guard(() => firstCertHash(essValue));
  const { known: signerCertificate, der: certificateDer } = signerCertificateOf(parsed.certificates, info, essHash);
  const certificate = signerCertificate.x509;

  const contentType = findAttribute(attrs, oidDer.contentType);
  if (role === 'content' && !sameBytes(single(contentType?.values, 'CONTENT_TYPE_ATTRIBUTE'), oidDer.data))
    refuse('SIGNATURE_PROFILE', 'CONTENT_TYPE_ATTRIBUTE');
  if (role === 'countersignature' && contentType) refuse('SIGNATURE_PROFILE', 'COUNTERSIGNATURE_CONTENT_TYPE');

  const digestValue = single(findAttribute(attrs, oidDer.messageDigest)?.values, 'MESSAGE_DIGEST_MISSING');
  const digest = guard(() => contentOf(digestValue, readWhole(digestValue, Tag.OCTET_STRING)));
  if (!sameBytes(digest, expectedDigest)) {
    throw new GongwenError(role === 'content' ? 'SIGNATURE_PAYLOAD_MISMATCH' : 'COUNTERSIGNATURE_INVALID', 'message-digest');
  }

  const timeValue = single(findAttribute(attrs, oidDer.signingTime)?.values, 'SIGNING_TIME_MISSING');
  const signingTime = guard(() => readTime(timeValue, readWhole(timeValue, timeValue[0] === Tag.UTC_TIME ? Tag.UTC_TIME : Tag.GENERALIZED_TIME)));

  const padding = checkKeyStrength(signerCertificate.publicKey, info);
  const ok = cryptoVerify('sha256', info.signedAttributesDer, { key: signerCertificate.publicKey, dsaEncoding: 'der', ...padding }, info.signature);
  if (!ok) throw new GongwenError('SIGNATURE_INVALID', role);
  return { certificate, certificateDer, signingTime };
}

/**
 * The signer's certificate among those carried, by the SignerInfo's sid: issuer and serial, or
 * the subjectKeyIdentifier. signing-certificate-v2 must name that very certificate; where more
 * than one carried certificate has the key identifier (a re-issued certificate for one key), it
 * is the one signing-certificate-v2 names.
 */
function signerCertificateOf(certificates: readonly Uint8Array[], info: ParsedSignerInfo, essHash: Uint8Array): { known: KnownCertificate; der: Uint8Array } {
  const { sid } = info;
  const matches: { known: KnownCertificate; der: Uint8Array }[] = [];
  for (const der of certificates) {
    const known = guard(() => knownCertificate(der));
    const named =
      'keyId' in sid
        ? sameBytes(guard(() => subjectKeyIdentifier(der)) ?? new Uint8Array(), sid.keyId)
        : sameBytes(known.reference.issuer, sid.issuer) && sameBytes(known.reference.serial, sid.serial);
    if (named) matches.push({ known, der });
  }
  if (matches.length === 0) throw new GongwenError('CERT_UNKNOWN', 'the signer certificate is not in the signature');
  const named = matches.find((m) => sameBytes(m.known.reference.sha256, essHash));
  if (!named) refuse('SIGNATURE_PROFILE', 'SIGNING_CERTIFICATE_OTHER');
  return named;
}

/** The key fits the signature algorithm and is strong enough; RSASSA-PSS's padding options for the check. */
function checkKeyStrength(key: KeyObject, info: ParsedSignerInfo): { padding?: number; saltLength?: number } {
  const algorithm = info.signatureAlgorithm;
  const pss = sameBytes(algorithm, oidDer.rsassaPss);
  if (info.signatureParameters && !pss) refuse('SIGNATURE_PROFILE', 'ALGORITHM_PARAMETERS', oidName(algorithm));
  if (key.asymmetricKeyType === 'rsa') {
    if (!pss && !sameBytes(algorithm, oidDer.sha256WithRSAEncryption) && !sameBytes(algorithm, oidDer.rsaEncryption)) {
      refuse('SIGNATURE_PROFILE', 'SIGNATURE_ALGORITHM', `${oidName(algorithm)} with an RSA key`);
    }
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
      refuse('WEAK_ALGORITHM', 'WEAK_RSA_KEY', `${key.asymmetricKeyDetails?.modulusLength ?? 0} bits`);
    return pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength(info.signatureParameters) } : {};
  }
  if (key.asymmetricKeyType === 'ec') {
    if (!sameBytes(algorithm, oidDer.ecdsaWithSHA256)) refuse('SIGNATURE_PROFILE', 'SIGNATURE_ALGORITHM', `${oidName(algorithm)} with an EC key`);
    if (!acceptedCurves.has(key.asymmetricKeyDetails?.namedCurve ?? ''))
      refuse('WEAK_ALGORITHM', 'WEAK_CURVE', key.asymmetricKeyDetails?.namedCurve ?? 'unknown');
    return {};
  }
  return refuse('SIGNATURE_PROFILE', 'KEY_TYPE', key.asymmetricKeyType ?? 'unknown');
}

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }; the first certHash. */
function firstCertHash(value: Uint8Array): Uint8Array {
  const top = readWhole(value, Tag.SEQUENCE);
  // Fields by index, as the CMS reader reads them.
  const certs = children(value, top)[0];
  if (!certs || certs.tag !== Tag.SEQUENCE) throw new DerError('malformed signing-certificate-v2');
  const first = children(value, certs)[0];
  if (!first || first.tag !== Tag.SEQUENCE) throw new DerError('malformed signing-certificate-v2');
  const fields = children(value, first);
  let i = 0;
  if (fields[0]?.tag === Tag.SEQUENCE) {
    // An explicit hashAlgorithm: only SHA-256 (the default) is part of the profile.
    const algorithm = children(value, fields[0])[0];
    if (!algorithm || !sameBytes(value.subarray(algorithm.start, algorithm.end), oidDer.sha256))
      refuse('SIGNATURE_PROFILE', 'SIGNING_CERTIFICATE_HASH', algorithm ? oidName(value.subarray(algorithm.start, algorithm.end)) : undefined);
    i = 1;
  }
  const hash = fields[i];
  if (!hash || hash.tag !== Tag.OCTET_STRING) throw new DerError('malformed signing-certificate-v2');
  return contentOf(value, hash);
}

/** The one value of a signed attribute the profile requires: `missing` names it when it is absent. */
function single(values: Uint8Array[] | undefined, missing: SignatureReason): Uint8Array {
  if (!values || values.length === 0) refuse('SIGNATURE_PROFILE', missing);
  if (values.length !== 1) refuse('SIGNATURE_PROFILE', 'ATTRIBUTE_REPEATED', `${values.length} values`);
  return values[0]!;
}

/** Malformed bytes inside an otherwise well-formed signature are the sender's fault, not ours. */
function guard<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof GongwenError) throw error;
    throw new GongwenError('SIGNATURE_MALFORMED', error instanceof Error ? error.message : 'unreadable value');
  }
}
