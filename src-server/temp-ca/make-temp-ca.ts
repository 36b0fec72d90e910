import { webcrypto } from 'node:crypto';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** A temp-cert CA: ECDSA P-256, self-signed, for issuing the temporary certificates only. */
export async function makeTempCa(
  name: string,
  now = new Date(),
  notBefore = new Date(now.getTime() - 24 * 3600 * 1000),
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore,
    notAfter: new Date(now.getTime() + 10 * YEAR_MS),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem') + '\n', keyPem: toPem(pkcs8, 'PRIVATE KEY') };
}
