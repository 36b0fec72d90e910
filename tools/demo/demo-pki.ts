import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { makeTempCa } from '../../src-server/temp-ca/make-temp-ca.js';
import { demoPeople, type DemoPerson } from './people.js';

/**
 * The test PKI: a test "GCA" root (the government card CA stand-in) with an RSA-2048 card
 * certificate for each demo person, and the service's temp-cert CA (ECDSA P-256). One script
 * makes it; the demo service, the tests and the virtual card (SoftHSM) all use the same files.
 *
 *   <dir>/gca-root.cert.pem           trusted card root
 *   <dir>/cards/<account>.cert.pem    card certificate
 *   <dir>/cards/<account>.key.pem     its private key (PKCS#8): goes onto the virtual card only
 *   <dir>/cards/<account>.keyx.*.pem  the card's encryption pair, which must never sign
 *   <dir>/temp-ca.cert.pem, temp-ca.key.pem
 *   <dir>/gca-root.key.pem            the root's key (PKCS#8): tests sign further CRLs with it
 *   <dir>/gca-root.crl.pem            the root's CRL, revoking the spare card below (GONGWEN_CARD_CRLS)
 *   <dir>/cards/revoked.cert.pem, revoked.key.pem   a spare card certificate of the first person, revoked
 */
export interface DemoPki {
  dir: string;
  gcaRootPem: string;
  tempCaCertPem: string;
  tempCaKeyPem: string;
  /** Per account: the signing pair (SIGN) and, as on HiCOS cards, an encryption pair (KEYX). */
  cards: Record<string, { certPem: string; keyPem: string; keyxCertPem: string; keyxKeyPem: string }>;
  /** The root's key, for tests that publish further CRLs (absent in a PKI made before CRLs). */
  gcaRootKeyPem?: string;
  /** The root's CRL (PEM): revokes `revokedCard` only. */
  gcaRootCrlPem?: string;
  /** A spare signing card of the first demo person (not registered by the demo), on the root's CRL. */
  revokedCard?: { account: string; certPem: string; keyPem: string; serial: string; revokedAt: string };
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Valid from 2010 on, so that the demo can hold documents signed in 103 (2014), as the seed's is. */
export const DEMO_NOT_BEFORE = new Date('2010-01-01T00:00:00Z');

export async function makeDemoPki(dir: string, people: DemoPerson[] = demoPeople): Promise<DemoPki> {
  const now = new Date();
  const notBefore = DEMO_NOT_BEFORE;
  const rootKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const rootName = 'CN=GCA Test Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW';
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: rootName,
    notBefore,
    notAfter: new Date(now.getTime() + 10 * YEAR_MS),
    keys: rootKeys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  const cards: DemoPki['cards'] = {};
  let serial = 0x1000;
  for (const person of people) {
    const subject = `CN=${person.name},OU=${person.unitId},O=GongwenDesk Test Agency,C=TW`;
    const issue = async (usage: number) => {
      const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16),
        subject,
        issuer: root.subject,
        notBefore,
        notAfter: new Date(now.getTime() + 5 * YEAR_MS),
        publicKey: keys.publicKey,
        signingKey: rootKeys.privateKey,
        signingAlgorithm: RSA,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(usage, true),
          await x509.AuthorityKeyIdentifierExtension.create(root),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      return { certPem: cert.toString('pem') + '\n', keyPem: toPem(pkcs8, 'PRIVATE KEY') };
    };
    const sign = await issue(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
    const keyx = await issue(x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.dataEncipherment);
    cards[person.account] = { ...sign, keyxCertPem: keyx.certPem, keyxKeyPem: keyx.keyPem };
  }
  // Issued after every demo card, so their serials stay as they were.
  const spareOf = people[0]!;
  const spareSerial = serial.toString(16);
  const spare = await issueSpare(spareOf, spareSerial);
  const revokedAt = new Date(now.getTime() - 24 * 3600 * 1000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: root.subject,
    thisUpdate: new Date(now.getTime() - 60 * 1000),
    nextUpdate: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
    entries: [{ serialNumber: spareSerial, revocationDate: revokedAt, reason: x509.X509CrlReason.keyCompromise }],
    signingKey: rootKeys.privateKey,
    signingAlgorithm: RSA,
  });
  const rootKeyPem = toPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', rootKeys.privateKey)), 'PRIVATE KEY');

  async function issueSpare(person: DemoPerson, serialNumber: string) {
    const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: `CN=${person.name},OU=${person.unitId},O=GongwenDesk Test Agency,C=TW`,
      issuer: root.subject,
      notBefore,
      notAfter: new Date(now.getTime() + 5 * YEAR_MS),
      publicKey: keys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        await x509.AuthorityKeyIdentifierExtension.create(root),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    return { certPem: cert.toString('pem') + '\n', keyPem: toPem(pkcs8, 'PRIVATE KEY') };
  }

  const tempCa = await makeTempCa('CN=GongwenDesk Temporary Certificate CA (Test),O=GongwenDesk Test Agency,C=TW', now, DEMO_NOT_BEFORE);
  const pki: DemoPki = {
    dir,
    gcaRootPem: root.toString('pem') + '\n',
    tempCaCertPem: tempCa.certPem,
    tempCaKeyPem: tempCa.keyPem,
    cards,
    gcaRootKeyPem: rootKeyPem,
    gcaRootCrlPem: toPem(new Uint8Array(crl.rawData), 'X509 CRL'),
    revokedCard: { account: spareOf.account, ...spare, serial: spareSerial, revokedAt: revokedAt.toISOString() },
  };
  await writeDemoPki(pki);
  return pki;
}

async function writeDemoPki(pki: DemoPki): Promise<void> {
  await mkdir(join(pki.dir, 'cards'), { recursive: true, mode: 0o700 });
  await writeFile(join(pki.dir, 'gca-root.cert.pem'), pki.gcaRootPem);
  await writeFile(join(pki.dir, 'temp-ca.cert.pem'), pki.tempCaCertPem);
  await writeFile(join(pki.dir, 'temp-ca.key.pem'), pki.tempCaKeyPem, { mode: 0o600 });
  if (pki.gcaRootKeyPem) await writeFile(join(pki.dir, 'gca-root.key.pem'), pki.gcaRootKeyPem, { mode: 0o600 });
  if (pki.gcaRootCrlPem) await writeFile(join(pki.dir, 'gca-root.crl.pem'), pki.gcaRootCrlPem);
  if (pki.revokedCard) {
    const { certPem, keyPem, ...about } = pki.revokedCard;
    await writeFile(join(pki.dir, 'cards', 'revoked.cert.pem'), certPem);
    await writeFile(join(pki.dir, 'cards', 'revoked.key.pem'), keyPem, { mode: 0o600 });
    await writeFile(join(pki.dir, 'cards', 'revoked.json'), JSON.stringify(about) + '\n');
  }
  for (const [account, card] of Object.entries(pki.cards)) {
    await writeFile(join(pki.dir, 'cards', `${account}.cert.pem`), card.certPem);
    await writeFile(join(pki.dir, 'cards', `${account}.key.pem`), card.keyPem, { mode: 0o600 });
    await writeFile(join(pki.dir, 'cards', `${account}.keyx.cert.pem`), card.keyxCertPem);
    await writeFile(join(pki.dir, 'cards', `${account}.keyx.key.pem`), card.keyxKeyPem, { mode: 0o600 });
  }
}

export async function loadDemoPki(dir: string, people: DemoPerson[] = demoPeople): Promise<DemoPki> {
  const read = (...p: string[]) => readFile(join(dir, ...p), 'utf8');
  const cards: DemoPki['cards'] = {};
  for (const person of people) {
    cards[person.account] = {
      certPem: await read('cards', `${person.account}.cert.pem`),
      keyPem: await read('cards', `${person.account}.key.pem`),
      keyxCertPem: await read('cards', `${person.account}.keyx.cert.pem`),
      keyxKeyPem: await read('cards', `${person.account}.keyx.key.pem`),
    };
  }
  // A PKI made before CRLs has none of these: the demo still runs, without a card CRL.
  const optional = (...p: string[]) => read(...p).catch(() => undefined);
  const revokedAbout = await optional('cards', 'revoked.json');
  const revokedCert = await optional('cards', 'revoked.cert.pem');
  const revokedKey = await optional('cards', 'revoked.key.pem');
  return {
    dir,
    gcaRootPem: await read('gca-root.cert.pem'),
    tempCaCertPem: await read('temp-ca.cert.pem'),
    tempCaKeyPem: await read('temp-ca.key.pem'),
    cards,
    gcaRootKeyPem: await optional('gca-root.key.pem'),
    gcaRootCrlPem: await optional('gca-root.crl.pem'),
    revokedCard:
      revokedAbout && revokedCert && revokedKey
        ? { ...(JSON.parse(revokedAbout) as { account: string; serial: string; revokedAt: string }), certPem: revokedCert, keyPem: revokedKey }
        : undefined,
  };
}

/** Loads the PKI in `dir`, making it first if it is not there. */
export async function ensureDemoPki(dir: string): Promise<DemoPki> {
  try {
    return await loadDemoPki(dir);
  } catch {
    return makeDemoPki(dir);
  }
}
