import { webcrypto } from 'node:crypto';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** What a key made by the service is for: its certificate's extensions and how long it lives. */
export interface SelfSignedProfile {
  name: string;
  notBefore: Date;
  /** From `now`. */
  years: number;
  /** The extensions besides the subject key identifier, which every such certificate carries. */
  extensions: x509.Extension[];
}

/**
 * An ECDSA P-256 key the service makes for itself (the temp-cert CA, the time-stamping authority)
 * and its self-signed certificate, both as PEM: the key goes to a file readable by the service only.
 */
export async function makeSelfSignedEcKey(profile: SelfSignedProfile, now = new Date()): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: profile.name,
    notBefore: profile.notBefore,
    notAfter: new Date(now.getTime() + profile.years * YEAR_MS),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [...profile.extensions, await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem') + '\n', keyPem: toPem(pkcs8, 'PRIVATE KEY') };
}
