import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseSigningCertificate, type CertificateOnCard } from '../../src-main/card/signing-certificate.js';
import { findModule } from '../../src-main/card/module-search.js';
import { x509 } from '../../src-shared/node/pki/x509.js';

// Which certificate on a card signs, over certificates made here with exactly the key usage,
// validity and subject each case needs (the SoftHSM tests in test/signing/card-readers.test.ts
// check the same choice on a real token).

const F = x509.KeyUsageFlags;
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let keys: webcrypto.CryptoKeyPair;
beforeAll(async () => {
  keys = (await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
});

const now = new Date('2026-11-30T00:00:00Z');
const DAY = 86_400_000;
let serial = 1;
async function cert(label: string, options: { usage?: number; subject?: string; notAfter?: Date } = {}): Promise<CertificateOnCard> {
  const made = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: options.subject ?? 'CN=葉彥志,O=GongwenDesk Test Agency,C=TW',
    notBefore: new Date(now.getTime() - 10 * DAY),
    notAfter: options.notAfter ?? new Date(now.getTime() + 365 * DAY),
    keys,
    signingAlgorithm: alg,
    extensions: options.usage === undefined ? [] : [new x509.KeyUsagesExtension(options.usage, true)],
  });
  return { id: Buffer.from(label), label, der: Buffer.from(made.rawData) };
}

describe('the signing certificate is chosen by key usage, validity and subject; the label only breaks ties', () => {
  it('never an encryption-only certificate, whatever its label', async () => {
    const encryption = await cert('SIGN', { usage: F.keyEncipherment | F.dataEncipherment });
    const signing = await cert('KEYX', { usage: F.digitalSignature });
    const choice = chooseSigningCertificate([encryption, signing], now);
    expect(choice.chosen?.label).toBe('KEYX');
    expect(choice.reason).toBe('"KEYX" has key usage digitalSignature, subject CN 葉彥志');
    expect(choice.verdicts).toEqual([
      {
        label: 'SIGN',
        id: Buffer.from('SIGN').toString('hex'),
        holder: '葉彥志',
        keyUsage: ['keyEncipherment', 'dataEncipherment'],
        chosen: false,
        reason: 'key usage keyEncipherment, dataEncipherment does not allow signing',
      },
      { label: 'KEYX', id: Buffer.from('KEYX').toString('hex'), holder: '葉彥志', keyUsage: ['digitalSignature'], chosen: true, reason: 'chosen' },
    ]);
    expect(chooseSigningCertificate([encryption], now)).toMatchObject({ chosen: null, reason: /no certificate on the card allows signing/ });
  });

  it('nonRepudiation before digitalSignature alone; a certificate without key usage (any use) after both', async () => {
    const any = await cert('ANY');
    const auth = await cert('AUTH', { usage: F.digitalSignature });
    const sign = await cert('NR', { usage: F.digitalSignature | F.nonRepudiation });
    expect(chooseSigningCertificate([any, auth, sign], now).chosen?.label).toBe('NR');
    expect(chooseSigningCertificate([any, auth], now).chosen?.label).toBe('AUTH');
    expect(chooseSigningCertificate([any], now)).toMatchObject({ chosen: { label: 'ANY' }, reason: /no key usage extension \(any use allowed\)/ });
  });

  it('one valid now before an expired one; a subject with a CN before one without', async () => {
    const expired = await cert('OLD', { usage: F.nonRepudiation, notAfter: new Date(now.getTime() - DAY) });
    const valid = await cert('NEW', { usage: F.nonRepudiation });
    expect(chooseSigningCertificate([expired, valid], now).chosen?.label).toBe('NEW');
    expect(chooseSigningCertificate([expired], now)).toMatchObject({ chosen: { label: 'OLD' }, reason: /though not valid now/ });
    const noCn = await cert('ORG', { usage: F.nonRepudiation, subject: 'O=GongwenDesk Test Agency,C=TW' });
    expect(chooseSigningCertificate([noCn, valid], now).chosen?.label).toBe('NEW');
  });

  it('the label SIGN breaks a tie, and the reason says so; with no SIGN, the card’s order', async () => {
    const a = await cert('A', { usage: F.nonRepudiation });
    const sign = await cert('SIGN', { usage: F.nonRepudiation });
    expect(chooseSigningCertificate([a, sign], now)).toMatchObject({ chosen: { label: 'SIGN' }, reason: /the label SIGN broke a tie with "A"$/ });
    const b = await cert('B', { usage: F.nonRepudiation });
    expect(chooseSigningCertificate([a, b], now)).toMatchObject({ chosen: { label: 'A' }, reason: /first on the card of those equal to it \("B"\)$/ });
  });

  it('a CA certificate (keyCertSign) and bytes that are no certificate are not chosen', async () => {
    const ca = await cert('CA', { usage: F.keyCertSign | F.cRLSign });
    const junk: CertificateOnCard = { id: null, label: 'JUNK', der: Buffer.from('not a certificate') };
    const choice = chooseSigningCertificate([ca, junk], now);
    expect(choice.chosen).toBeNull();
    expect(choice.verdicts.map((v) => v.reason)).toEqual(['key usage keyCertSign, cRLSign does not allow signing', 'not a readable X.509 certificate']);
    expect(chooseSigningCertificate([], now).reason).toBe('no certificate on the card');
  });
});

describe('where the PKCS#11 module is looked for', () => {
  it('Windows: HiCOS in System32 first, then the HiCOS install folder; every path tried is listed', () => {
    const installed = 'C:\\Program Files (x86)\\Chunghwa Telecom\\HiCOS PKI Smart Card\\HiCOSPKCS11.dll';
    const search = findModule(undefined, 'win32', (p) => p === installed || p.endsWith('opensc-pkcs11.dll'));
    expect(search).toMatchObject({ path: installed, source: 'found' });
    expect(search.tried.slice(0, 4)).toEqual([
      { path: 'C:\\Windows\\System32\\HiCOSPKCS11.dll', exists: false },
      { path: 'C:\\Windows\\System32\\HiCOS_PKCS11.dll', exists: false },
      { path: 'C:\\Windows\\System32\\HiCOSPKCS11_219.dll', exists: false },
      { path: installed, exists: true },
    ]);
    expect(search.tried.filter((t) => t.exists).map((t) => t.path)).toContain('C:\\Windows\\System32\\opensc-pkcs11.dll');
  });

  it('macOS: HiCOS before OpenSC; nothing installed: none, and the list says where it looked', () => {
    expect(findModule(undefined, 'darwin', (p) => p === '/usr/local/lib/libHicos_p11v1.dylib' || p.includes('opensc')).path).toBe(
      '/usr/local/lib/libHicos_p11v1.dylib',
    );
    const none = findModule(undefined, 'darwin', () => false);
    expect(none).toMatchObject({ path: '', source: 'none' });
    expect(none.tried.map((t) => t.path)).toEqual(expect.arrayContaining(['/usr/local/lib/libHicos_p11v1.dylib', '/Library/OpenSC/lib/opensc-pkcs11.so']));
  });

  it('a module set in Settings is used as it is, the table still listed for the diagnostics', () => {
    const search = findModule('/usr/lib/softhsm/libsofthsm2.so', 'linux', () => true);
    expect(search).toMatchObject({ path: '/usr/lib/softhsm/libsofthsm2.so', source: 'configured' });
    expect(search.tried.length).toBeGreaterThan(5);
  });
});
