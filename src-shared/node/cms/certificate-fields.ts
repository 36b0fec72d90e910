import { createHash } from 'node:crypto';
import { Tag, children, encodingOf, plainBytes, readTlv, readWhole, sameBytes } from './der.js';

/** The raw pieces of a certificate that a SignerInfo refers to: issuer Name and serial INTEGER. */
export interface CertificateReference {
  /** DER of the issuer Name, as in the certificate. */
  issuer: Uint8Array;
  /** DER of the serialNumber INTEGER, as in the certificate. */
  serial: Uint8Array;
  /** SHA-256 of the whole certificate (ESSCertIDv2.certHash). */
  sha256: Uint8Array;
}

/**
 * Read anew at each call: where one signer signs many times (a 補簽 batch), the caller keeps the
 * reference it read once (`Countersigner`).
 */
export function certificateReference(der: Uint8Array): CertificateReference {
  const certificateDer = plainBytes(der);
  const cert = readWhole(certificateDer, Tag.SEQUENCE);
  const tbs = children(certificateDer, cert)[0];
  if (!tbs || tbs.tag !== Tag.SEQUENCE) throw new Error('not a certificate');
  const fields = children(certificateDer, tbs);
  const offset = fields[0]?.tag === Tag.context(0) ? 1 : 0; // explicit version is optional
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || serial.tag !== Tag.INTEGER || !issuer || issuer.tag !== Tag.SEQUENCE) throw new Error('not a certificate');
  return {
    issuer: encodingOf(certificateDer, issuer),
    serial: encodingOf(certificateDer, serial),
    sha256: new Uint8Array(createHash('sha256').update(certificateDer).digest()),
  };
}

const SUBJECT_KEY_IDENTIFIER = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x0e); // 2.5.29.14

/**
 * The key identifier of the certificate's subjectKeyIdentifier extension (RFC 5280 §4.2.1.2), or
 * null: what a SignerInfo v3 names its signer by (RFC 5652 §5.3, `openssl cms -sign -keyid`).
 */
export function subjectKeyIdentifier(der: Uint8Array): Uint8Array | null {
  const bytes = plainBytes(der);
  const cert = readWhole(bytes, Tag.SEQUENCE);
  const tbs = children(bytes, cert)[0];
  if (!tbs || tbs.tag !== Tag.SEQUENCE) return null;
  const extensions = children(bytes, tbs).find((field) => field.tag === Tag.context(3));
  const list = extensions && children(bytes, extensions)[0];
  if (!list || list.tag !== Tag.SEQUENCE) return null;
  for (const extension of children(bytes, list)) {
    const fields = children(bytes, extension);
    const id = fields[0];
    const value = fields[fields.length - 1];
    if (!id || !value || value.tag !== Tag.OCTET_STRING || !sameBytes(encodingOf(bytes, id), SUBJECT_KEY_IDENTIFIER)) continue;
    const keyId = readTlv(bytes, value.contentStart, value.end);
    return keyId.tag === Tag.OCTET_STRING && keyId.end === value.end ? bytes.subarray(keyId.contentStart, keyId.end) : null;
  }
  return null;
}
