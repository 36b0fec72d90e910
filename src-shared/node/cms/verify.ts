import { verify as cryptoVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { GongwenError } from '../../common/errors.js';
import { knownCertificate, type KnownCertificate } from './certificate-cache.js';
import { DerError, Tag, children, contentOf, readTime, readWhole, sameBytes } from './der.js';
import { oidDer } from './oids.js';
import { findAttribute, parseCountersignerInfo, parseSignedData, type ParsedSignedData, type ParsedSignerInfo } from './parse.js';
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
  const parsed = parseOrRefuse(cms);
  if (parsed.signerInfos.length !== 1) throw new GongwenError('SIGNATURE_PROFILE', 'a step signature has exactly one signer');
  const signerInfo = parsed.signerInfos[0]!;
  const signer = verifySignerInfo(parsed, signerInfo, sha256(payload), 'content');
  const countersignatures = signerInfo.countersignatures.map((counter) => verifyCountersignature(parsed, signerInfo.signature, counter));
  return { signer, countersignatures, parsed };
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
  const note = utf8Value(single(noteAttribute?.values, 'resign note'));
  const reason = findAttribute(counter.signedAttributes, oidDer.resignReason);
  const onBehalfOf = findAttribute(counter.signedAttributes, oidDer.resignOnBehalfOf);
  if (!reason && !onBehalfOf) return { ...verified, note };
  if (!reason || !onBehalfOf) throw new GongwenError('SIGNATURE_PROFILE', 'an on-behalf countersignature carries both the reason and the signer');
  return {
    ...verified,
    note,
    onBehalf: { signerAccount: utf8Value(single(onBehalfOf.values, 'on-behalf-of')), reason: utf8Value(single(reason.values, 'resign reason')) },
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
  if (info.version !== 1) throw new GongwenError('SIGNATURE_PROFILE', 'SignerInfo version must be 1');
  if (weakDigests.some((w) => sameBytes(w, info.digestAlgorithm))) throw new GongwenError('WEAK_ALGORITHM', 'digest algorithm');
  if (!sameBytes(info.digestAlgorithm, oidDer.sha256)) throw new GongwenError('SIGNATURE_PROFILE', 'digest algorithm must be SHA-256');
  if (weakSignatures.some((w) => sameBytes(w, info.signatureAlgorithm))) throw new GongwenError('WEAK_ALGORITHM', 'signature algorithm');
  if (!info.signedAttributesDer) throw new GongwenError('SIGNATURE_PROFILE', 'signed attributes are required');

  let signerCertificate: KnownCertificate | undefined;
  let certificateDer: Uint8Array | undefined;
  for (const der of parsed.certificates) {
    const known = guard(() => knownCertificate(der));
    if (sameBytes(known.reference.issuer, info.issuer) && sameBytes(known.reference.serial, info.serial)) {
      signerCertificate = known;
      certificateDer = der;
      break;
    }
  }
  if (!signerCertificate || !certificateDer) throw new GongwenError('CERT_UNKNOWN', 'the signer certificate is not in the signature');
  const certificate = signerCertificate.x509;

  const attrs = info.signedAttributes;
  const contentType = findAttribute(attrs, oidDer.contentType);
  if (role === 'content' && !sameBytes(single(contentType?.values, 'content-type'), oidDer.data)) throw new GongwenError('SIGNATURE_PROFILE', 'content-type');
  if (role === 'countersignature' && contentType) throw new GongwenError('SIGNATURE_PROFILE', 'a countersignature has no content-type');

  const digestValue = single(findAttribute(attrs, oidDer.messageDigest)?.values, 'message-digest');
  const digest = guard(() => contentOf(digestValue, readWhole(digestValue, Tag.OCTET_STRING)));
  if (!sameBytes(digest, expectedDigest)) {
    throw new GongwenError(role === 'content' ? 'SIGNATURE_PAYLOAD_MISMATCH' : 'COUNTERSIGNATURE_INVALID', 'message-digest');
  }

  const timeValue = single(findAttribute(attrs, oidDer.signingTime)?.values, 'signing-time');
  const signingTime = guard(() => readTime(timeValue, readWhole(timeValue, timeValue[0] === Tag.UTC_TIME ? Tag.UTC_TIME : Tag.GENERALIZED_TIME)));

  const essValue = single(findAttribute(attrs, oidDer.signingCertificateV2)?.values, 'signing-certificate-v2');
  if (
    !sameBytes(
      guard(() => firstCertHash(essValue)),
      signerCertificate.reference.sha256,
    )
  )
    throw new GongwenError('SIGNATURE_PROFILE', 'signing-certificate-v2 names another certificate');

  checkKeyStrength(signerCertificate.publicKey, info.signatureAlgorithm);
  const ok = cryptoVerify('sha256', info.signedAttributesDer, { key: signerCertificate.publicKey, dsaEncoding: 'der' }, info.signature);
  if (!ok) throw new GongwenError('SIGNATURE_INVALID', role);
  return { certificate, certificateDer, signingTime };
}

function checkKeyStrength(key: KeyObject, signatureAlgorithm: Uint8Array): void {
  if (key.asymmetricKeyType === 'rsa') {
    if (!sameBytes(signatureAlgorithm, oidDer.sha256WithRSAEncryption) && !sameBytes(signatureAlgorithm, oidDer.rsaEncryption)) {
      throw new GongwenError('SIGNATURE_PROFILE', 'signature algorithm does not fit an RSA key');
    }
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw new GongwenError('WEAK_ALGORITHM', 'RSA key shorter than 2048 bits');
  } else if (key.asymmetricKeyType === 'ec') {
    if (!sameBytes(signatureAlgorithm, oidDer.ecdsaWithSHA256)) throw new GongwenError('SIGNATURE_PROFILE', 'signature algorithm does not fit an EC key');
    if (!acceptedCurves.has(key.asymmetricKeyDetails?.namedCurve ?? '')) throw new GongwenError('WEAK_ALGORITHM', 'EC curve');
  } else {
    throw new GongwenError('SIGNATURE_PROFILE', `unsupported key type ${key.asymmetricKeyType ?? ''}`);
  }
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
      throw new DerError('signing-certificate-v2 hash is not SHA-256');
    i = 1;
  }
  const hash = fields[i];
  if (!hash || hash.tag !== Tag.OCTET_STRING) throw new DerError('malformed signing-certificate-v2');
  return contentOf(value, hash);
}

function single(values: Uint8Array[] | undefined, name: string): Uint8Array {
  if (!values || values.length !== 1) throw new GongwenError('SIGNATURE_PROFILE', `${name} must appear once with one value`);
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
