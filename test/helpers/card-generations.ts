import { createPrivateKey, sign, webcrypto } from 'node:crypto';
import { cardStatementBytes, type CardPurpose } from '../../src-shared/common/api/cards.js';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';

/**
 * Cards as MOICA and GCA issue them, for card login and replacement: the subject carries the
 * holder's commonName and serialNumber (2.5.4.5, the identifier a replacement must repeat), under
 * a root of their own whose key is kept here, so a test can issue an old card, its replacement
 * and someone else's. The root goes to the service's card roots (`rootPem`).
 */
export interface IssuedCard {
  der: Uint8Array;
  certPem: string;
  keyPem: string;
  /** Signs bytes as the card would (SHA-256, RSASSA-PKCS1-v1_5). */
  sign(data: Uint8Array): Uint8Array;
}

export interface CardIssuer {
  rootPem: string;
  /** With `underIntermediate`: the CA between the root and the cards (DER), as a GCA card sits under one. */
  intermediateDer?: Uint8Array;
  issue(holder: { name: string; serialNumber?: string; unit?: string }, options?: { notAfter?: Date; notBefore?: Date }): Promise<IssuedCard>;
  /** A CRL (DER) signed by the root, revoking the given certificates (DER) at `revokedAt`. */
  rootCrl(revoked: readonly Uint8Array[], revokedAt: Date): Promise<Uint8Array>;
  /** The same, signed by the cards' own issuer (the intermediate, with `underIntermediate`; else the root). */
  issuerCrl(revoked: readonly Uint8Array[], revokedAt: Date): Promise<Uint8Array>;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;
let serial = 0x7700;

export async function makeCardIssuer(
  rootName = 'CN=MOICA-style Test Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW',
  options: { underIntermediate?: boolean } = {},
): Promise<CardIssuer> {
  const rootKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '77',
    name: rootName,
    notBefore: new Date('2010-01-01T00:00:00Z'),
    notAfter: new Date(Date.now() + 20 * YEAR_MS),
    keys: rootKeys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  let issuerCert = root;
  let issuerKey = rootKeys.privateKey;
  if (options.underIntermediate) {
    const caKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
    issuerCert = await x509.X509CertificateGenerator.create({
      serialNumber: '78',
      subject: 'CN=GCA-style Intermediate (GongwenDesk),O=GongwenDesk Test PKI,C=TW',
      issuer: root.subject,
      notBefore: new Date('2010-01-01T00:00:00Z'),
      notAfter: new Date(Date.now() + 15 * YEAR_MS),
      publicKey: caKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.AuthorityKeyIdentifierExtension.create(root),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    issuerKey = caKeys.privateKey;
  }
  return {
    rootPem: root.toString('pem') + '\n',
    ...(options.underIntermediate ? { intermediateDer: new Uint8Array(issuerCert.rawData) } : {}),
    rootCrl: (revoked, revokedAt) => crlBy(root, rootKeys.privateKey, revoked, revokedAt),
    issuerCrl: (revoked, revokedAt) => crlBy(issuerCert, issuerKey, revoked, revokedAt),
    issue: async (holder, options = {}) => {
      const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
      const subject = new x509.Name([
        { '2.5.4.6': ['TW'] },
        { '2.5.4.10': ['GongwenDesk Test Agency'] },
        { '2.5.4.11': [holder.unit ?? 'ict'] },
        { '2.5.4.3': [holder.name] },
        ...(holder.serialNumber ? [{ '2.5.4.5': [holder.serialNumber] }] : []),
      ]);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16),
        subject: subject.toString(),
        issuer: issuerCert.subject,
        notBefore: options.notBefore ?? new Date('2020-01-01T00:00:00Z'),
        notAfter: options.notAfter ?? new Date(Date.now() + 5 * YEAR_MS),
        publicKey: keys.publicKey,
        signingKey: issuerKey,
        signingAlgorithm: RSA,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
          await x509.AuthorityKeyIdentifierExtension.create(issuerCert),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
      return {
        der: new Uint8Array(cert.rawData),
        certPem: cert.toString('pem') + '\n',
        keyPem: toPem(pkcs8, 'PRIVATE KEY'),
        sign: (data) => new Uint8Array(sign('sha256', data, privateKey)),
      };
    },
  };
}

/** A card's proof (the request body's card part) over the statement this service would rebuild. */
export function cardProof(
  card: Pick<IssuedCard, 'der' | 'sign'>,
  statement: { service: string; purpose: CardPurpose; account: string; challenge: string; signedAt?: string },
  intermediates: Uint8Array[] = [],
) {
  const signedAt = statement.signedAt ?? new Date().toISOString();
  const signature = card.sign(cardStatementBytes({ ...statement, signedAt }));
  return {
    challenge: statement.challenge,
    signedAt,
    certificate: Buffer.from(card.der).toString('base64'),
    intermediates: intermediates.map((d) => Buffer.from(d).toString('base64')),
    signature: Buffer.from(signature).toString('base64'),
  };
}

/** A CRL (DER) by `issuer`, this update `revokedAt` and next a year on, revoking `revoked` (DER) at `revokedAt`. */
async function crlBy(
  issuer: x509.X509Certificate,
  key: Parameters<typeof x509.X509CrlGenerator.create>[0]['signingKey'],
  revoked: readonly Uint8Array[],
  revokedAt: Date,
): Promise<Uint8Array> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.subjectName,
    thisUpdate: revokedAt,
    nextUpdate: new Date(revokedAt.getTime() + YEAR_MS),
    entries: revoked.map((der) => ({ serialNumber: new x509.X509Certificate(der).serialNumber, revocationDate: revokedAt })),
    signingKey: key,
    signingAlgorithm: RSA,
  });
  return new Uint8Array(crl.rawData);
}
