import { createHash } from 'node:crypto';
import { children, readWhole, Tag } from '../../src-shared/node/cms/der.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import type { PathCertificate } from '../signatures/path-certificate.js';

/** A CRL the service accepted: parsed by @peculiar/x509, its signature verified with its issuer's key. */
export interface AcceptedCrl {
  sha256: string;
  der: Uint8Array;
  /** The CA certificate whose key verified it. */
  issuerSha256: string;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Revoked serial numbers (lower-case hex, no leading zeros) and when. */
  revoked: ReadonlyMap<string, Date>;
}

/** Why a fetched CRL was refused: logged, never trusted. */
export class CrlRefused extends Error {}

export const crlSha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** Serial numbers compared as the same hex text whatever the library printed. */
export const normalSerial = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, '');

/** DER from a CRL file or HTTP body: DER as published by CAs, or PEM. */
export function crlDer(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (!text.includes('-----BEGIN')) return bytes;
  const pem = Buffer.from(bytes).toString('latin1');
  const body = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/.exec(pem);
  if (!body) throw new CrlRefused('PEM without an X509 CRL block');
  return new Uint8Array(Buffer.from(body[1]!.replace(/\s+/g, ''), 'base64'));
}

/**
 * Reads a CRL and accepts it only when one of `issuers` (the card roots and registered
 * intermediates) has its name as subject and its key verifies the CRL's signature, the issuer may
 * sign CRLs (keyUsage cRLSign when present), and it is current at `now` (thisUpdate not ahead
 * beyond `skewMs`, nextUpdate present and not past). Anything else is a CrlRefused with the reason.
 */
export async function acceptCrl(bytes: Uint8Array, issuers: readonly PathCertificate[], now: Date, skewMs: number): Promise<AcceptedCrl> {
  const der = crlDer(bytes);
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(der);
    void crl.entries; // entries are read lazily: a damaged list must fail here, not at a send
  } catch (error) {
    throw new CrlRefused(`not a well-formed CRL (${error instanceof Error ? error.message : String(error)})`);
  }
  // RFC 5280 5.2, 5.3: a CRL with a critical extension the reader does not process must not be
  // used. Those are a delta CRL's indicator, an indirect CRL's certificate issuer and an issuing
  // distribution point that narrows the list (to some reasons, some kinds of certificate, or other
  // issuers): each lists only some revocations, so taken for the whole list it would hide the
  // others. An issuing distribution point that only names where the CRL is published (critical,
  // as RFC 5280 requires, and common on complete CRLs) narrows nothing and is accepted.
  const critical = [...crl.extensions, ...crl.entries.flatMap((e) => e.extensions)].find((e) => e.critical && !namesOnlyItsPoint(e));
  if (critical)
    throw new CrlRefused(`a critical extension ${critical.type} this service does not apply (a delta, partitioned or indirect CRL is not a full list)`);
  const named = issuers.filter((c) => new x509.X509Certificate(c.der).subject === crl.issuer);
  if (named.length === 0) throw new CrlRefused(`issuer "${crl.issuer}" is not a card root or registered intermediate`);
  let issuer: PathCertificate | undefined;
  for (const candidate of named) {
    if (candidate.keyUsage && !candidate.keyUsage.cRLSign) continue;
    if (await crlIssuedBy(crl, new x509.X509Certificate(candidate.der))) {
      issuer = candidate;
      break;
    }
  }
  if (!issuer) throw new CrlRefused(`signature does not verify with the key of "${crl.issuer}"`);
  const nextUpdate = crl.nextUpdate;
  if (!nextUpdate) throw new CrlRefused('no nextUpdate: cannot tell when it goes stale');
  if (nextUpdate.getTime() < now.getTime()) throw new CrlRefused(`stale: nextUpdate ${nextUpdate.toISOString()} has passed`);
  if (crl.thisUpdate.getTime() > now.getTime() + skewMs) throw new CrlRefused(`thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
  return {
    sha256: crlSha256(der),
    der,
    issuerSha256: issuer.sha256,
    thisUpdate: crl.thisUpdate,
    nextUpdate,
    revoked: revokedOf(crl),
  };
}

/** Whether `issuer` issued `crl`: it bears the CRL's issuer name and its key verifies the CRL's signature. */
export async function crlIssuedBy(crl: x509.X509Crl, issuer: x509.X509Certificate): Promise<boolean> {
  return issuer.subject === crl.issuer && (await crl.verify({ publicKey: issuer }).catch(() => false));
}

/** The revoked serials of a CRL already accepted (read back from the database). */
export function revokedOf(crl: x509.X509Crl): Map<string, Date> {
  return new Map(crl.entries.map((e) => [normalSerial(e.serialNumber), e.revocationDate]));
}

const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';

/**
 * An issuing distribution point holding at most its distributionPoint [0]: none of the fields
 * that narrow a CRL's scope (onlyContainsUserCerts [1], onlyContainsCACerts [2], onlySomeReasons
 * [3], indirectCRL [4], onlyContainsAttributeCerts [5]).
 */
function namesOnlyItsPoint(extension: x509.Extension): boolean {
  if (extension.type !== ISSUING_DISTRIBUTION_POINT) return false;
  try {
    const value = new Uint8Array(extension.value);
    return children(value, readWhole(value, Tag.SEQUENCE)).every((field) => field.tag === 0xa0);
  } catch {
    return false;
  }
}
