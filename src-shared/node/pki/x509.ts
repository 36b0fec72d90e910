import 'reflect-metadata';
import { webcrypto, type X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 needs a WebCrypto provider and reflect-metadata loaded before first use.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/**
 * Whether `issuer` issued `subject`: names and key identifiers (and keyCertSign) by OpenSSL, then
 * the signature. A key node cannot load cannot have signed anything: false, not an exception.
 */
export function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function toPem(der: Uint8Array, label: 'CERTIFICATE' | 'X509 CRL' | 'PRIVATE KEY' | 'CERTIFICATE REQUEST'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Every PEM block of the given label in `text`, as DER. */
export function fromPem(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
}
