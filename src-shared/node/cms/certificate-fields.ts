import { createHash } from 'node:crypto';
import { Tag, children, encodingOf, plainBytes, readWhole } from './der.js';

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
