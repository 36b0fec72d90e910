import { createPrivateKey, webcrypto } from 'node:crypto';
import { fromPem, x509 } from '../../src-shared/node/pki/x509.js';
import type { DemoPki } from '../../tools/demo/demo-pki.js';

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/**
 * A CRL in the test GCA root's name (DER), signed with the root's key unless `forgedWith` gives
 * another (a forgery). Entries are serials (hex) revoked at `revokedAt`; `extensions` are the CRL's own.
 */
export async function cardCrl(
  pki: DemoPki,
  options: { serials: string[]; thisUpdate: Date; nextUpdate: Date; revokedAt?: Date; forged?: boolean; extensions?: x509.Extension[] },
): Promise<Uint8Array> {
  const root = new x509.X509Certificate(fromPem(pki.gcaRootPem)[0]!);
  const signingKey = options.forged
    ? (await webcrypto.subtle.generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, ['sign', 'verify'])).privateKey
    : await webcrypto.subtle.importKey('pkcs8', createPrivateKey(pki.gcaRootKeyPem!).export({ type: 'pkcs8', format: 'der' }), RSA, false, ['sign']);
  const crl = await x509.X509CrlGenerator.create({
    issuer: root.subjectName,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    entries: options.serials.map((serialNumber) => ({ serialNumber, revocationDate: options.revokedAt ?? options.thisUpdate })),
    ...(options.extensions ? { extensions: options.extensions } : {}),
    signingKey: signingKey as webcrypto.CryptoKey,
    signingAlgorithm: RSA,
  });
  return new Uint8Array(crl.rawData);
}

/** A card certificate's serial as hex, from its PEM. */
export function serialOf(certPem: string): string {
  return new x509.X509Certificate(fromPem(certPem)[0]!).serialNumber;
}
