import { knownCertificate } from './certificate-cache.js';
import { DerError, Tag, assertStrictDer, children, contentOf, encodingOf, expect, plainBytes, readWhole, sameBytes, smallInteger, type Tlv } from './der.js';
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

export interface ParsedSignerInfo {
  encoding: Uint8Array;
  version: number;
  /** DER of the issuer Name and serial INTEGER of the signer's certificate. */
  issuer: Uint8Array;
  serial: Uint8Array;
  digestAlgorithm: Uint8Array;
  /** The signed attributes as signed: DER with the SET tag (RFC 5652 section 5.4). */
  signedAttributesDer: Uint8Array | null;
  signedAttributes: Attribute[];
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  unsignedAttributes: Attribute[];
  countersignatures: ParsedSignerInfo[];
}

export interface ParsedSignedData {
  version: number;
  digestAlgorithms: Uint8Array;
  encapContentInfo: Uint8Array;
  certificates: Uint8Array[];
  crls: Uint8Array | null;
  signerInfos: ParsedSignerInfo[];
}

function attributesOf(bytes: Uint8Array, container: Tlv): Attribute[] {
  const list = children(bytes, container);
  if (list.length > CMS_LIMITS.attributes) throw new DerError('too many attributes');
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
  const bytes = plainBytes(der);
  if (bytes.length > CMS_LIMITS.bytes) throw new DerError('countersignature too large');
  assertStrictDer(bytes);
  return parseSignerInfo(bytes, readWhole(bytes, Tag.SEQUENCE), 1);
}

function parseSignerInfo(bytes: Uint8Array, tlv: Tlv, depth: number): ParsedSignerInfo {
  if (tlv.tag !== Tag.SEQUENCE) throw new DerError('SignerInfo is not a SEQUENCE');
  const parts = children(bytes, tlv);
  let i = 0;
  const next = () => parts[i++];
  const version = smallInteger(bytes, next() ?? fail('missing version'));
  const sid = next() ?? fail('missing sid');
  if (sid.tag !== Tag.SEQUENCE) throw new DerError('only issuerAndSerialNumber signer identifiers are supported');
  const sidFields = children(bytes, sid);
  const issuer = sidFields[0];
  const serial = sidFields[1];
  if (!issuer || issuer.tag !== Tag.SEQUENCE || !serial || serial.tag !== Tag.INTEGER) throw new DerError('malformed sid');
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
  const signatureAlgorithm = algorithmOid(bytes, item);
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
    if (depth > 0) throw new DerError('countersignatures of countersignatures are not part of the profile');
    if (counterAttr.values.length > CMS_LIMITS.countersignatures) throw new DerError('too many countersignatures');
    for (const value of counterAttr.values) {
      countersignatures.push(parseSignerInfo(value, readWhole(value, Tag.SEQUENCE), depth + 1));
    }
  }
  return {
    encoding: encodingOf(bytes, tlv),
    version,
    issuer: encodingOf(bytes, issuer),
    serial: encodingOf(bytes, serial),
    digestAlgorithm,
    signedAttributesDer,
    signedAttributes,
    signatureAlgorithm,
    signature: contentOf(bytes, signatureTlv),
    unsignedAttributes,
    countersignatures,
  };
}

/** AlgorithmIdentifier → DER of its OID (parameters, if any, are checked by the verifier's OID list). */
function algorithmOid(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  if (tlv.tag !== Tag.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE');
  const fields = children(bytes, tlv);
  const algorithm = fields[0];
  const parameters = fields[1];
  if (!algorithm || algorithm.tag !== Tag.OID || fields.length > 2) throw new DerError('malformed AlgorithmIdentifier');
  if (parameters && parameters.tag !== Tag.NULL) throw new DerError('unexpected algorithm parameters');
  return encodingOf(bytes, algorithm);
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

export function parseSignedData(der: Uint8Array): ParsedSignedData {
  const bytes = plainBytes(der);
  if (bytes.length > CMS_LIMITS.bytes) throw new DerError('signature too large');
  // Stored and exported as evidence: every byte must be DER a reader other than ours accepts.
  assertStrictDer(bytes);
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
  if (digestList.length === 0 || digestList.length > CMS_LIMITS.digestAlgorithms) throw new DerError('wrong number of digest algorithms');
  for (const algorithm of digestList) algorithmOid(bytes, algorithm);
  const encap = parts[i++] ?? fail('missing encapContentInfo');
  expect(bytes, encap.start, Tag.SEQUENCE);
  const encapFields = children(bytes, encap);
  const eContentType = encapFields[0];
  if (!eContentType || !sameBytes(encodingOf(bytes, eContentType), oidDer.data)) throw new DerError('content type is not id-data');
  if (encapFields.length > 1) throw new DerError('a step signature is detached: it must not carry its content');

  const certificates: Uint8Array[] = [];
  const crls: Uint8Array | null = null;
  let item = parts[i++] ?? fail('missing signerInfos');
  if (item.tag === Tag.context(0)) {
    const certs = children(bytes, item);
    if (certs.length > CMS_LIMITS.certificates) throw new DerError('too many certificates');
    for (const c of certs) {
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
  if (signerTlvs.length === 0 || signerTlvs.length > CMS_LIMITS.signerInfos) throw new DerError('wrong number of signers');
  const signerInfos: ParsedSignerInfo[] = [];
  for (const signer of signerTlvs) signerInfos.push(parseSignerInfo(bytes, signer, 0));
  return {
    version,
    digestAlgorithms: encodingOf(bytes, digestAlgorithms),
    encapContentInfo: encodingOf(bytes, encap),
    certificates,
    crls,
    signerInfos,
  };
}
