import { webcrypto } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

/**
 * An agency's internal PKI for the service's HTTPS, as the test PKI makes its others: an agency CA
 * and a server certificate it issued for this computer (127.0.0.1, localhost), in PEM files the
 * service reads as GONGWEN_TLS_CERT / GONGWEN_TLS_KEY and Settings name as the agency CA.
 */
export interface ServiceTlsFiles {
  dir: string;
  /** The agency CA certificate (PEM file). */
  caPath: string;
  caPem: string;
  certPath: string;
  keyPath: string;
}

export async function makeServiceTls(): Promise<ServiceTlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'gongwen-service-tls-'));
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=GongwenDesk Test Agency CA,O=GongwenDesk Test Agency,C=TW',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
    keys: caKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost,O=GongwenDesk Test Agency,C=TW',
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const files: ServiceTlsFiles = {
    dir,
    caPath: join(dir, 'agency-ca.cert.pem'),
    caPem: ca.toString('pem') + '\n',
    certPath: join(dir, 'service.cert.pem'),
    keyPath: join(dir, 'service.key.pem'),
  };
  await writeFile(files.caPath, files.caPem);
  await writeFile(files.certPath, cert.toString('pem') + '\n');
  await writeFile(files.keyPath, toPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 'PRIVATE KEY'), { mode: 0o600 });
  return files;
}
