import { refuseSignature, type SignatureReason } from '../../common/errors.js';
import { berToDer } from './ber.js';
import { knownCertificate } from './certificate-cache.js';
import { DerError, Tag, assertStrictDer, children, contentOf, encodingOf, expect, plainBytes, readWhole, sameBytes, smallInteger, type Tlv } from './der.js';
import { contextConstructed, sequence } from './der-writer.js';
import { oidDer } from './oids.js';

/**
 * Parses a step signature (CMS ContentInfo holding a detached SignedData) into the pieces the
 * verifier and the countersigner need, as views into the original bytes. Limits are set far above
 * what the profile produces and far below what could hurt the service.
 */
export const CMS_LIMITS = {
  bytes: 64 * 1024,
  certificates: 10,
  digestAlgorithms: 4,
  signerInfos: 4,
  attributes: 16,
  countersignatures: 8,
} as const;

export interface Attribute {
  /** DER of the attribute type OID. */
  type: Uint8Array;
  /** DER of each value in the attribute's SET. */
  values: Uint8Array[];
}

/**
 * Who signed (RFC 5652 §5.3): the certificate's issuer and serial (DER of the Name and the
 * INTEGER; SignerInfo version 1), or its subjectKeyIdentifier (the key identifier's octets;
 * version 3, as `openssl cms -sign -keyid` writes).
 */
export type SignerIdentifier = { issuer: Uint8Array; serial: Uint8Array } | { keyId: Uint8Array };

export interface ParsedSignerInfo {
  encoding: Uint8Array;
  version: number;
  sid: SignerIdentifier;
  digestAlgorithm: Uint8Array;
  /** The signed attributes as signed: DER with the SET tag (RFC 5652 section 5.4). */
  signedAttributesDer: Uint8Array | null;
  signedAttributes: Attribute[];
  signatureAlgorithm: Uint8Array;
  /** DER of the signature algorithm's parameters other than NULL (RSASSA-PSS has some); null when absent or NULL. */
  signatureParameters: Uint8Array | null;
  signature: Uint8Array;
  unsignedAttributes: Attribute[];
  countersignatures: ParsedSignerInfo[];
}

export interface ParsedSignedData {
  /**
   * The whole signature in DER, detached: as sent, or re-encoded from the BER sent (`berToDer`),
   * without the content if it carried one. What is stored.
   */
  encoding: Uint8Array;
  /**
   * The content the signature carried (`openssl cms -sign -stream` always embeds it), or null
   * when it came detached. The verifier accepts it only when it is the step payload.
   */
  encapsulatedContent: Uint8Array | null;
  version: number;
  digestAlgorithms: Uint8Array;
  encapContentInfo: Uint8Array;
  certificates: Uint8Array[];
  crls: Uint8Array | null;
  signerInfos: ParsedSignerInfo[];
}

function attributesOf(bytes: Uint8Array, container: Tlv): Attribute[] {
  const list = children(bytes, container);
  if (list.length > CMS_LIMITS.attributes) tooMany('attributes', list.length, CMS_LIMITS.attributes);
  const attributes: Attribute[] = [];
  for (const attr of list) {
    if (attr.tag !== Tag.SEQUENCE) throw new DerError('attribute is not a SEQUENCE');
    const fields = children(bytes, attr);
    const type = fields[0];
    const values = fields[1];
    if (fields.length !== 2 || type!.tag !== Tag.OID || values!.tag !== Tag.SET) throw new DerError('malformed attribute');
    const encodings: Uint8Array[] = [];
    for (const value of children(bytes, values!)) encodings.push(encodingOf(bytes, value));
    attributes.push({ type: encodingOf(bytes, type!), values: encodings });
  }
  return attributes;
}

export function findAttribute(attributes: readonly Attribute[], type: Uint8Array): Attribute | undefined {
  return attributes.find((a) => sameBytes(a.type, type));
}

/** A countersignature on its own (a SignerInfo that may not itself be countersigned), as IFT940 uploads it. */
export function parseCountersignerInfo(der: Uint8Array): ParsedSignerInfo {
  const bytes = asDer(der, 'countersignature too large');
  return parseSignerInfo(bytes, readWhole(bytes, Tag.SEQUENCE), 1);
}

function parseSignerInfo(bytes: Uint8Array, tlv: Tlv, depth: number): ParsedSignerInfo {
  if (tlv.tag !== Tag.SEQUENCE) throw new DerError('SignerInfo is not a SEQUENCE');
  const parts = children(bytes, tlv);
  let i = 0;
  const next = () => parts[i++];
  const version = smallInteger(bytes, next() ?? fail('missing version'));
  const sid = signerIdentifier(bytes, next() ?? fail('missing sid'));
  const digestAlgorithm = algorithmOid(bytes, next() ?? fail('missing digestAlgorithm'));
  let signedAttributesDer: Uint8Array | null = null;
  let signedAttributes: Attribute[] = [];
  let item = next() ?? fail('missing signatureAlgorithm');
  if (item.tag === Tag.context(0)) {
    const raw = encodingOf(bytes, item);
    signedAttributesDer = Uint8Array.from(raw);
    signedAttributesDer[0] = Tag.SET;
    signedAttributes = attributesOf(bytes, item);
    item = next() ?? fail('missing signatureAlgorithm');
  }
  const { algorithm: signatureAlgorithm, parameters: signatureParameters } = algorithmWithParameters(bytes, item);
  const signatureTlv = next() ?? fail('missing signature');
  if (signatureTlv.tag !== Tag.OCTET_STRING) throw new DerError('signature is not an OCTET STRING');
  let unsignedAttributes: Attribute[] = [];
  const unsigned = next();
  if (unsigned) {
    if (unsigned.tag !== Tag.context(1)) throw new DerError('unexpected field in SignerInfo');
    unsignedAttributes = attributesOf(bytes, unsigned);
  }
  if (i < parts.length) throw new DerError('trailing fields in SignerInfo');

  const countersignatures: ParsedSignerInfo[] = [];
  const counterAttr = findAttribute(unsignedAttributes, oidDer.countersignature);
  if (counterAttr) {
    if (depth > 0) profile('NESTED_COUNTERSIGNATURE');
    if (counterAttr.values.length > CMS_LIMITS.countersignatures) tooMany('countersignatures', counterAttr.values.length, CMS_LIMITS.countersignatures);
    for (const value of counterAttr.values) {
      countersignatures.push(parseSignerInfo(value, readWhole(value, Tag.SEQUENCE), depth + 1));
    }
  }
  return {
    encoding: encodingOf(bytes, tlv),
    version,
    sid,
    digestAlgorithm,
    signedAttributesDer,
    signedAttributes,
    signatureAlgorithm,
    signatureParameters,
    signature: contentOf(bytes, signatureTlv),
    unsignedAttributes,
    countersignatures,
  };
}

function signerIdentifier(bytes: Uint8Array, sid: Tlv): SignerIdentifier {
  if (sid.tag === Tag.contextPrimitive(0)) {
    if (sid.end === sid.contentStart) throw new DerError('empty subjectKeyIdentifier');
    return { keyId: contentOf(bytes, sid) };
  }
  if (sid.tag !== Tag.SEQUENCE) throw new DerError('sid is neither issuerAndSerialNumber nor subjectKeyIdentifier');
  const sidFields = children(bytes, sid);
  const issuer = sidFields[0];
  const serial = sidFields[1];
  if (!issuer || issuer.tag !== Tag.SEQUENCE || !serial || serial.tag !== Tag.INTEGER || sidFields.length > 2) throw new DerError('malformed sid');
  return { issuer: encodingOf(bytes, issuer), serial: encodingOf(bytes, serial) };
}

/** AlgorithmIdentifier → DER of its OID; parameters other than NULL are the verifier's to judge, or null. */
function algorithmWithParameters(bytes: Uint8Array, tlv: Tlv): { algorithm: Uint8Array; parameters: Uint8Array | null } {
  if (tlv.tag !== Tag.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE');
  const fields = children(bytes, tlv);
  const algorithm = fields[0];
  const parameters = fields[1];
  if (!algorithm || algorithm.tag !== Tag.OID || fields.length > 2) throw new DerError('malformed AlgorithmIdentifier');
  return { algorithm: encodingOf(bytes, algorithm), parameters: parameters && parameters.tag !== Tag.NULL ? encodingOf(bytes, parameters) : null };
}

/** A digest algorithm: SHA-256 and the others have no parameters (absent or NULL). */
function algorithmOid(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  const { algorithm, parameters } = algorithmWithParameters(bytes, tlv);
  if (parameters) profile('ALGORITHM_PARAMETERS');
  return algorithm;
}

/** Well-formed CMS outside the profile: SIGNATURE_PROFILE with the reason, not SIGNATURE_MALFORMED. */
function profile(reason: SignatureReason, found?: string): never {
  refuseSignature('SIGNATURE_PROFILE', reason, found);
}

function tooMany(what: string, count: number, limit: number): never {
  profile('TOO_MANY', `${count} ${what}, at most ${limit}`);
}

/**
 * The signature as DER: BER re-encoded (`berToDer`), then every byte checked as strict DER, for
 * it is stored and exported as evidence that a reader other than ours must accept.
 */
function asDer(input: Uint8Array, tooLarge: string): Uint8Array {
  const sent = plainBytes(input);
  if (sent.length > CMS_LIMITS.bytes) throw new DerError(tooLarge);
  try {
    // DER, as the desktop app and most clients send: read where it lies, nothing rebuilt.
    assertStrictDer(sent);
    return sent;
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    const bytes = berToDer(sent);
    // Nothing BER would explain: the first complaint stands.
    if (bytes === sent) throw error;
    if (bytes.length > CMS_LIMITS.bytes) throw new DerError(tooLarge);
    assertStrictDer(bytes);
    return bytes;
  }
}

/** Each certificate carried must be one (parsed by OpenSSL, as any reader of the evidence would). */
function assertCertificate(der: Uint8Array): void {
  try {
    knownCertificate(der);
  } catch {
    throw new DerError('a carried certificate is not an X.509 certificate');
  }
}

function fail(message: string): never {
  throw new DerError(message);
}

/**
 * A signature that carried its content, parsed as the same signature detached (what a step
 * signature is, and what is stored): the signed attributes name the content by its digest, so
 * leaving it out changes nothing that was signed. The content is handed to the verifier.
 */
function detached(bytes: Uint8Array, parts: Tlv[], eContent: Tlv): ParsedSignedData {
  if (eContent.tag !== Tag.context(0)) throw new DerError('malformed eContent');
  const inner = children(bytes, eContent);
  const octets = inner[0];
  if (!octets || octets.tag !== Tag.OCTET_STRING || inner.length > 1) throw new DerError('eContent is not an OCTET STRING');
  const signedData = sequence(...parts.map((part, i) => (i === 2 ? sequence(oidDer.data) : encodingOf(bytes, part))));
  const parsed = parseSignedData(sequence(oidDer.signedData, contextConstructed(0, signedData)));
  return { ...parsed, encapsulatedContent: contentOf(bytes, octets) };
}

export function parseSignedData(der: Uint8Array): ParsedSignedData {
  const bytes = asDer(der, 'signature too large');
  const contentInfo = readWhole(bytes, Tag.SEQUENCE);
  const contentInfoFields = children(bytes, contentInfo);
  const contentType = contentInfoFields[0];
  const explicit = contentInfoFields[1];
  if (!contentType || contentType.tag !== Tag.OID || !sameBytes(encodingOf(bytes, contentType), oidDer.signedData)) throw new DerError('not a CMS SignedData');
  if (!explicit || explicit.tag !== Tag.context(0) || contentInfoFields.length > 2) throw new DerError('malformed ContentInfo');
  const explicitContent = children(bytes, explicit);
  const signedDataTlv = explicitContent[0];
  if (!signedDataTlv || signedDataTlv.tag !== Tag.SEQUENCE || explicitContent.length > 1) throw new DerError('malformed SignedData');
  const parts = children(bytes, signedDataTlv);
  let i = 0;
  const version = smallInteger(bytes, parts[i++] ?? fail('missing version'));
  const digestAlgorithms = parts[i++] ?? fail('missing digestAlgorithms');
  if (digestAlgorithms.tag !== Tag.SET) throw new DerError('digestAlgorithms is not a SET');
  const digestList = children(bytes, digestAlgorithms);
  if (digestList.length === 0) throw new DerError('no digest algorithms');
  if (digestList.length > CMS_LIMITS.digestAlgorithms) tooMany('digest algorithms', digestList.length, CMS_LIMITS.digestAlgorithms);
  for (const algorithm of digestList) algorithmOid(bytes, algorithm);
  const encap = parts[i++] ?? fail('missing encapContentInfo');
  expect(bytes, encap.start, Tag.SEQUENCE);
  const encapFields = children(bytes, encap);
  const eContentType = encapFields[0];
  if (!eContentType || eContentType.tag !== Tag.OID || encapFields.length > 2) throw new DerError('malformed encapContentInfo');
  if (!sameBytes(encodingOf(bytes, eContentType), oidDer.data)) profile('CONTENT_NOT_DATA');
  const eContent = encapFields[1];
  if (eContent) return detached(bytes, parts, eContent);

  const certificates: Uint8Array[] = [];
  const crls: Uint8Array | null = null;
  let item = parts[i++] ?? fail('missing signerInfos');
  if (item.tag === Tag.context(0)) {
    const certs = children(bytes, item);
    if (certs.length > CMS_LIMITS.certificates) tooMany('certificates', certs.length, CMS_LIMITS.certificates);
    for (const c of certs) {
      // The other CertificateChoices (attribute certificates, other formats) are CMS, not the profile's.
      if (c.tag === Tag.context(1) || c.tag === Tag.context(2) || c.tag === Tag.context(3)) profile('CERTIFICATE_CHOICE');
      if (c.tag !== Tag.SEQUENCE) throw new DerError('only X.509 certificates are accepted');
      const der = encodingOf(bytes, c);
      assertCertificate(der);
      certificates.push(der);
    }
    item = parts[i++] ?? fail('missing signerInfos');
  }
  // The profile carries no revocation data (the service publishes its CRL itself); a field no one
  // checks is a field a signer could fill with anything.
  if (item.tag === Tag.context(1)) throw new DerError('CRLs are not part of the step-signature profile');
  if (item.tag !== Tag.SET) throw new DerError('signerInfos is not a SET');
  if (i < parts.length) throw new DerError('trailing fields in SignedData');
  const signerTlvs = children(bytes, item);
  if (signerTlvs.length === 0) throw new DerError('no signers');
  if (signerTlvs.length > CMS_LIMITS.signerInfos) tooMany('signers', signerTlvs.length, CMS_LIMITS.signerInfos);
  const signerInfos: ParsedSignerInfo[] = [];
  for (const signer of signerTlvs) signerInfos.push(parseSignerInfo(bytes, signer, 0));
  return {
    encoding: bytes,
    encapsulatedContent: null,
    version,
    digestAlgorithms: encodingOf(bytes, digestAlgorithms),
    encapContentInfo: encodingOf(bytes, encap),
    certificates,
    crls,
    signerInfos,
  };
}
