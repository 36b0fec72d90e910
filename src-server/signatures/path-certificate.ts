import type { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { knownCertificate } from '../../src-shared/node/cms/certificate-cache.js';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * A certificate read for path validation: node's X509Certificate (names, key identifiers and the
 * signature, through OpenSSL's `checkIssued` and `verify`) and, from PKI.js, what node does not
 * expose (the signature algorithm, basicConstraints with its pathLen, keyUsage bits, and which
 * extensions are critical). Read once per certificate; every failure is CERT_MALFORMED, never a throw
 * of another kind, since these are bytes a stranger sent.
 */
export interface PathCertificate {
  der: Uint8Array;
  x509: X509Certificate;
  sha256: string;
  subject: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** The OID of the algorithm the issuer signed this certificate with. */
  signatureAlgorithm: string;
  /** basicConstraints cA (false when the extension is absent, as for a v1 certificate). */
  ca: boolean;
  pathLength: number | undefined;
  /** keyUsage bits (bit 0 = digitalSignature, … 5 = keyCertSign), or undefined when absent. */
  keyUsage: KeyUsage | undefined;
  /** Critical extensions this service does not process. */
  unknownCritical: string[];
}

export interface KeyUsage {
  digitalSignature: boolean;
  nonRepudiation: boolean;
  keyEncipherment: boolean;
  dataEncipherment: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
}

/**
 * Extensions whose processing RFC 5280 §6.1 needs and this validator does (basicConstraints,
 * keyUsage, the key identifiers), or that need none for a signing certificate's path (names,
 * policies without constraints, extended key usage, revocation pointers). Name constraints,
 * policy constraints and mappings and inhibitAnyPolicy are not processed: critical, they refuse.
 */
const understood = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.19', // basicConstraints
  '2.5.29.17', // subjectAltName (critical when the subject is empty)
  '2.5.29.18', // issuerAltName
  '2.5.29.9', // subjectDirectoryAttributes (GCA/MOICA cards carry it)
  '2.5.29.32', // certificatePolicies (any policy is acceptable: no initial policy set)
  '2.5.29.37', // extKeyUsage
  '2.5.29.31', // cRLDistributionPoints
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

const EXT_BASIC_CONSTRAINTS = '2.5.29.19';
const EXT_KEY_USAGE = '2.5.29.15';

/** The SHA-256 (hex) of a carried certificate's bytes, reading it with node once; CERT_MALFORMED if it is none. */
export function carriedSha256(der: Uint8Array): string {
  try {
    return knownCertificate(der).sha256Hex;
  } catch {
    throw new GongwenError('CERT_MALFORMED', 'not an X.509 certificate');
  }
}

export function readPathCertificate(der: Uint8Array): PathCertificate {
  const sha256 = carriedSha256(der);
  return remembered(sha256, () => withExtensions(der, knownCertificate(der).x509, sha256));
}

/** The same reading for a certificate already parsed by node (a configured root, the signer's). */
export function pathCertificateOf(x509: X509Certificate): PathCertificate {
  const der = new Uint8Array(x509.raw);
  const sha256 = knownCertificate(der).sha256Hex;
  return remembered(sha256, () => withExtensions(der, x509, sha256));
}

/** Readings by SHA-256: PKI.js parsing costs far more than the rest of a validation. */
const readings = new Map<string, PathCertificate>();
const MAX_READINGS = 2048;

function remembered(sha256: string, read: () => PathCertificate): PathCertificate {
  let reading = readings.get(sha256);
  if (!reading) {
    reading = read();
    if (readings.size >= MAX_READINGS) readings.delete(readings.keys().next().value!);
    readings.set(sha256, reading);
  }
  return reading;
}

function withExtensions(der: Uint8Array, x509: X509Certificate, sha256: string): PathCertificate {
  let parsed: pkijs.Certificate;
  try {
    parsed = pkijs.Certificate.fromBER(der);
  } catch {
    throw new GongwenError('CERT_MALFORMED', `${x509.subject}: not a well-formed certificate`);
  }
  // RFC 5280 §4.1.1.2: the outer algorithm must be the one inside the signed part.
  if (parsed.signatureAlgorithm.algorithmId !== parsed.signature.algorithmId)
    throw new GongwenError('CERT_MALFORMED', `${x509.subject}: signature algorithms differ`);
  let ca = false;
  let pathLength: number | undefined;
  let keyUsage: KeyUsage | undefined;
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const extension of parsed.extensions ?? []) {
    const id = extension.extnID;
    if (seen.has(id)) throw new GongwenError('CERT_MALFORMED', `${x509.subject}: extension ${id} appears twice`);
    seen.add(id);
    if (extension.critical && !understood.has(id)) unknownCritical.push(id);
    if (id === EXT_BASIC_CONSTRAINTS) {
      const value = extension.parsedValue as pkijs.BasicConstraints | undefined;
      if (!(value instanceof pkijs.BasicConstraints)) throw new GongwenError('CERT_MALFORMED', `${x509.subject}: basicConstraints`);
      ca = value.cA === true;
      if (value.pathLenConstraint !== undefined) {
        const n = typeof value.pathLenConstraint === 'number' ? value.pathLenConstraint : Number.NaN;
        if (!Number.isSafeInteger(n) || n < 0) throw new GongwenError('CERT_MALFORMED', `${x509.subject}: pathLenConstraint`);
        pathLength = n;
      }
    } else if (id === EXT_KEY_USAGE) {
      keyUsage = keyUsageOf(extension.parsedValue, x509.subject);
    }
  }
  return {
    der,
    x509,
    sha256,
    subject: x509.subject,
    serial: x509.serialNumber.toLowerCase(),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    signatureAlgorithm: parsed.signatureAlgorithm.algorithmId,
    ca,
    pathLength,
    keyUsage,
    unknownCritical,
  };
}

function keyUsageOf(value: unknown, subject: string): KeyUsage {
  // KeyUsage ::= BIT STRING; PKI.js keeps the bytes after the unused-bits octet.
  const bits = value as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  const bytes = bits?.valueBlock?.valueHexView;
  if (!bytes) throw new GongwenError('CERT_MALFORMED', `${subject}: keyUsage`);
  const first = bytes[0] ?? 0;
  return {
    digitalSignature: (first & 0x80) !== 0,
    nonRepudiation: (first & 0x40) !== 0,
    keyEncipherment: (first & 0x20) !== 0,
    dataEncipherment: (first & 0x10) !== 0,
    keyAgreement: (first & 0x08) !== 0,
    keyCertSign: (first & 0x04) !== 0,
    cRLSign: (first & 0x02) !== 0,
  };
}

/** Key usage as an administrator reads it: `digitalSignature, nonRepudiation`. */
export function describeKeyUsage(usage: KeyUsage | undefined): string {
  if (!usage) return '(none)';
  const names = (Object.keys(usage) as (keyof KeyUsage)[]).filter((k) => usage[k]);
  return names.length ? names.join(', ') : '(none)';
}
