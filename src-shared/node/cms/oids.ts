import { objectIdentifier } from './der-writer.js';

/**
 * Object identifiers of the signature profile. The project's own arc is a UUID under 2.25
 * (ITU-T X.667), which needs no registration and cannot collide.
 */
export const GONGWEN_ARC = '2.25.148236149808349953054963097656526251520';

export const oid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  countersignature: '1.2.840.113549.1.9.6',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  md5: '1.2.840.113549.2.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  md5WithRSAEncryption: '1.2.840.113549.1.1.4',
  /** RSASSA-PSS (RFC 4055): its parameters name the hash, the mask generation and the salt length. */
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  /** Certificate policy: "this is a GongwenDesk temporary software certificate". */
  tempCertPolicy: `${GONGWEN_ARC}.1`,
  /** Signed attribute of a countersignature: the 補簽註記 (re-sign note), a UTF8String. */
  resignNote: `${GONGWEN_ARC}.2`,
  /** Signed attribute of an on-behalf countersignature (代為補簽): why the signer could not re-sign, a UTF8String. */
  resignReason: `${GONGWEN_ARC}.3`,
  /** Signed attribute of an on-behalf countersignature: the account of the step's signer it is made for, a UTF8String. */
  resignOnBehalfOf: `${GONGWEN_ARC}.4`,
} as const;

export type OidName = keyof typeof oid;

/** DER encodings of the OIDs above, for comparing against bytes without decoding them. */
export const oidDer: Record<OidName, Uint8Array> = Object.fromEntries(Object.entries(oid).map(([name, dotted]) => [name, objectIdentifier(dotted)])) as Record<
  OidName,
  Uint8Array
>;

/** A name for an OID found in a signature, for the detail of a refusal: the profile's name, or the dotted form. */
export function oidName(der: Uint8Array): string {
  for (const [name, encoding] of Object.entries(oidDer)) {
    if (encoding.length === der.length && encoding.every((b, i) => b === der[i])) return name;
  }
  return dottedOid(der);
}

function dottedOid(der: Uint8Array): string {
  // DER of an OBJECT IDENTIFIER: tag, a short length (an algorithm OID is short), the arcs.
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f); i < der.length; i++) {
    value = (value << 7n) | BigInt(der[i]! & 0x7f);
    if ((der[i]! & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (arcs.length === 0) return 'an unreadable OID';
  const first = arcs[0]! < 80n ? arcs[0]! / 40n : 2n;
  return [first, arcs[0]! - first * 40n, ...arcs.slice(1)].join('.');
}
