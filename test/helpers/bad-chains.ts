import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src-server/storage/schema.js';
import { sha256Hex } from '../../src-server/temp-ca/authority.js';

/**
 * PKITS-style card chains under a test root of their own, each wrong in exactly one way (RFC 5280
 * §6.1, the project's algorithm rule, the signing-certificate profile), each with the code the
 * service must answer and what `openssl verify -purpose smimesign` says of it. The demo PKI keeps
 * no root key, so these chains hang under a second root that the tests add to the card roots.
 */
export interface ChainCase {
  name: string;
  /** The leaf and the intermediates a signature carries (leaf first). */
  leaf: Uint8Array;
  chain: Uint8Array[];
  signer: CmsSigner;
  /** The service's answer: null when the chain is correct and must be accepted. */
  code: string | null;
  /**
   * Whether `openssl verify -auth_level 2 -purpose smimesign` accepts it; differs from the
   * service only where the signing-certificate profile is stricter than RFC 5280 (a CA as leaf).
   */
  opensslAccepts: boolean;
}

export interface BadChains {
  rootPem: string;
  cases: ChainCase[];
  /** The root and its key, to make further chains under it. */
  root: Issuer;
}

// The DOM's WebCrypto types are not in this project's lib: named through @peculiar/x509's parameters.
type CryptoKey = Parameters<typeof x509.X509CertificateGenerator.create>[0] extends { signingKey: infer K } ? K : never;
type Keys = { publicKey: CryptoKey; privateKey: CryptoKey };
const YEAR_MS = 365 * 24 * 3600 * 1000;
const rsa = (modulusLength = 2048, hash = 'SHA-256') => ({ name: 'RSASSA-PKCS1-v1_5', hash, publicExponent: new Uint8Array([1, 0, 1]), modulusLength });
const UNKNOWN_EXTENSION = '1.3.6.1.4.1.55555.22.1';
const NULL_DER = new Uint8Array([0x05, 0x00]);

async function rsaKeys(bits = 2048): Promise<Keys> {
  return (await webcrypto.subtle.generateKey(rsa(bits), true, ['sign', 'verify'])) as unknown as Keys;
}

/** The same private key, bound to SHA-1 (WebCrypto ties an RSA key to one hash). */
async function withSha1(keys: Keys): Promise<CryptoKey> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never);
  return (await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['sign'])) as unknown as CryptoKey;
}

interface Issuer {
  cert: x509.X509Certificate;
  keys: Keys;
}

interface CertOptions {
  subject: string;
  issuer: Issuer;
  keys: Keys;
  notBefore?: Date;
  notAfter?: Date;
  /** true: CA (optionally with a pathLen); false: end entity; null: no basicConstraints at all. */
  ca?: boolean | null;
  pathLength?: number;
  keyUsage?: number | null;
  unknownExtension?: { critical: boolean };
  sha1?: boolean;
  signingKey?: CryptoKey;
}

let serial = 0x2200;

async function issue(o: CertOptions): Promise<x509.X509Certificate> {
  const now = Date.now();
  const ca = o.ca === undefined ? false : o.ca;
  const extensions: x509.Extension[] = [];
  if (ca !== null) extensions.push(new x509.BasicConstraintsExtension(ca, ca ? o.pathLength : undefined, true));
  const usage =
    o.keyUsage === undefined
      ? ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation
      : o.keyUsage;
  if (usage !== null) extensions.push(new x509.KeyUsagesExtension(usage, true));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.cert), await x509.SubjectKeyIdentifierExtension.create(o.keys.publicKey));
  if (o.unknownExtension) extensions.push(new x509.Extension(UNKNOWN_EXTENSION, o.unknownExtension.critical, NULL_DER));
  return x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16),
    subject: o.subject,
    issuer: o.issuer.cert.subject,
    notBefore: o.notBefore ?? new Date('2020-01-01T00:00:00Z'),
    notAfter: o.notAfter ?? new Date(now + 5 * YEAR_MS),
    publicKey: o.keys.publicKey,
    signingKey: o.signingKey ?? (o.sha1 ? await withSha1(o.issuer.keys) : o.issuer.keys.privateKey),
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: o.sha1 ? 'SHA-1' : 'SHA-256' },
    extensions,
  });
}

async function makeRoot(now: number): Promise<Issuer> {
  const keys = await rsaKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '22',
    name: 'CN=PKITS-style Test Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW',
    notBefore: new Date('2010-01-01T00:00:00Z'),
    notAfter: new Date(now + 20 * YEAR_MS),
    keys,
    signingAlgorithm: rsa(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

const der = (c: x509.X509Certificate) => new Uint8Array(c.rawData);

async function signerOf(leaf: x509.X509Certificate, keys: Keys, chain: x509.X509Certificate[]): Promise<CmsSigner> {
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  return keyObjectSigner(der(leaf), createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }), chain.map(der));
}

/** Makes the root (or reuses `under`'s) and every case; `holder` names the person the leaves are made out to. */
export async function makeBadChains(holder = 'Test Holder', under?: BadChains): Promise<BadChains> {
  const now = Date.now();
  const root = under?.root ?? (await makeRoot(now));
  // Keys are reused where the case does not turn on them: generating RSA keys is the slow part.
  const [intKeys, subKeys, leafKeys, otherKeys] = await Promise.all([rsaKeys(), rsaKeys(), rsaKeys(), rsaKeys()]);
  const leafSubject = (n: number) => `CN=${holder} ${n},OU=22,O=GongwenDesk Test Agency,C=TW`;
  const cases: ChainCase[] = [];
  let n = 0;

  /** root → intermediate (options) → leaf (options). */
  const twoLevel = async (
    name: string,
    code: string | null,
    opensslAccepts: boolean,
    int: Partial<CertOptions>,
    leaf: Partial<CertOptions> = {},
    carried?: (i: x509.X509Certificate) => Promise<x509.X509Certificate[]>,
  ) => {
    const keys = int.keys ?? intKeys;
    const intCert = await issue({
      subject: `CN=Test Card CA ${++n},O=GongwenDesk Test PKI,C=TW`,
      issuer: root,
      keys,
      ca: true,
      notBefore: new Date('2015-01-01T00:00:00Z'),
      notAfter: new Date(now + 10 * YEAR_MS),
      ...int,
    });
    const leafCert = await issue({ subject: leafSubject(n), issuer: { cert: intCert, keys }, keys: leafKeys, ...leaf });
    const chain = carried ? await carried(intCert) : [intCert];
    cases.push({ name, leaf: der(leafCert), chain: chain.map(der), signer: await signerOf(leafCert, leafKeys, chain), code, opensslAccepts });
    return { intCert, leafCert };
  };

  await twoLevel('control: a correct chain (root → intermediate → leaf)', null, true, {});
  await twoLevel('an intermediate that expired in 2016', 'CERT_CHAIN_EXPIRED', false, {
    notBefore: new Date('2010-01-01T00:00:00Z'),
    notAfter: new Date('2016-12-31T00:00:00Z'),
  });
  await twoLevel('an intermediate not valid before 2040', 'CERT_CHAIN_EXPIRED', false, {
    notBefore: new Date('2040-01-01T00:00:00Z'),
    notAfter: new Date('2050-01-01T00:00:00Z'),
  });
  await twoLevel('an unknown critical extension in the intermediate', 'CERT_CRITICAL_EXTENSION', false, { unknownExtension: { critical: true } });
  await twoLevel('control: the same extension, not critical, in the intermediate', null, true, { unknownExtension: { critical: false } });
  await twoLevel('an unknown critical extension in the leaf', 'CERT_CRITICAL_EXTENSION', false, {}, { unknownExtension: { critical: true } });
  await twoLevel('control: the same extension, not critical, in the leaf', null, true, {}, { unknownExtension: { critical: false } });
  await twoLevel('an intermediate signed with SHA-1', 'CERT_WEAK_ALGORITHM', false, { sha1: true });
  await twoLevel('an RSA-1024 intermediate', 'CERT_WEAK_ALGORITHM', false, { keys: await rsaKeys(1024) });
  await twoLevel('a leaf whose keyUsage is keyEncipherment only', 'CERT_NOT_FOR_SIGNING', false, {}, { keyUsage: x509.KeyUsageFlags.keyEncipherment });
  await twoLevel('a leaf without keyUsage', 'CERT_NOT_FOR_SIGNING', true, {}, { keyUsage: null });
  await twoLevel(
    'a leaf that is itself a CA',
    'CERT_IS_CA',
    true,
    {},
    { ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign },
  );
  await twoLevel('an intermediate with CA:FALSE', 'CERT_CHAIN_NOT_CA', false, {
    ca: false,
    keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
  });
  await twoLevel('an intermediate without basicConstraints', 'CERT_CHAIN_NOT_CA', false, {
    ca: null,
    keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
  });
  await twoLevel('an intermediate without keyCertSign', 'CERT_UNTRUSTED', false, { keyUsage: x509.KeyUsageFlags.cRLSign });
  // The leaf is signed by the real intermediate; the signature carries a look-alike (same name, another key).
  await twoLevel('a look-alike intermediate with another key', 'CERT_UNTRUSTED', false, {}, {}, async (i) => [
    await issue({ subject: i.subject, issuer: root, keys: otherKeys, ca: true, notBefore: i.notBefore, notAfter: i.notAfter }),
  ]);
  // A leaf made out under the intermediate's name, but signed with another key.
  await twoLevel('a leaf issued by another key under the same name', 'CERT_UNTRUSTED', false, {}, { signingKey: otherKeys.privateKey });

  // pathLenConstraint: root → intermediate (pathLen p) → sub-CA → leaf.
  const threeLevel = async (name: string, code: string | null, opensslAccepts: boolean, pathLength: number) => {
    const intCert = await issue({
      subject: `CN=Test Card CA ${++n},O=GongwenDesk Test PKI,C=TW`,
      issuer: root,
      keys: intKeys,
      ca: true,
      pathLength,
      notBefore: new Date('2015-01-01T00:00:00Z'),
      notAfter: new Date(now + 10 * YEAR_MS),
    });
    const subCert = await issue({
      subject: `CN=Test Card Sub-CA ${n},O=GongwenDesk Test PKI,C=TW`,
      issuer: { cert: intCert, keys: intKeys },
      keys: subKeys,
      ca: true,
      notBefore: new Date('2015-01-01T00:00:00Z'),
      notAfter: new Date(now + 10 * YEAR_MS),
    });
    const leafCert = await issue({ subject: leafSubject(n), issuer: { cert: subCert, keys: subKeys }, keys: leafKeys });
    cases.push({
      name,
      leaf: der(leafCert),
      chain: [der(subCert), der(intCert)],
      signer: await signerOf(leafCert, leafKeys, [subCert, intCert]),
      code,
      opensslAccepts,
    });
  };
  await threeLevel('pathLenConstraint 0 on an intermediate with a sub-CA under it', 'CERT_CHAIN_PATH_LENGTH', false, 0);
  await threeLevel('control: pathLenConstraint 1 on an intermediate with a sub-CA under it', null, true, 1);

  return { rootPem: root.cert.toString('pem') + '\n', cases, root };
}

/** What `openssl verify -auth_level 2 -purpose smimesign` says of a leaf with its chain under `rootPem`, at `at`. */
export function opensslVerifies(rootPem: string, leaf: Uint8Array, chain: readonly Uint8Array[], at = new Date()): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-chain-'));
  writeFileSync(join(dir, 'root.pem'), rootPem);
  writeFileSync(join(dir, 'leaf.pem'), toPem(leaf, 'CERTIFICATE'));
  writeFileSync(join(dir, 'chain.pem'), chain.map((c) => toPem(c, 'CERTIFICATE')).join(''));
  const args = ['verify', '-auth_level', '2', '-purpose', 'smimesign', '-attime', String(Math.floor(at.getTime() / 1000)), '-CAfile', join(dir, 'root.pem')];
  if (chain.length > 0) args.push('-untrusted', join(dir, 'chain.pem'));
  args.push(join(dir, 'leaf.pem'));
  try {
    return { ok: true, output: execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A card leaf issued directly by the test root, as PEM for a virtual card (which holds no intermediates). */
export interface RootLeafCase {
  name: string;
  leaf: Uint8Array;
  certPem: string;
  keyPem: string;
  code: string | null;
}

/** Leaves straight under `chains`' root, each wrong in one way of the leaf's own, and a control. */
export async function makeRootLeaves(chains: BadChains, holder: string): Promise<RootLeafCase[]> {
  const keys = await rsaKeys();
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  const keyPem = toPem(pkcs8, 'PRIVATE KEY');
  const out: RootLeafCase[] = [];
  let n = 0;
  const leaf = async (name: string, code: string | null, options: Partial<CertOptions>) => {
    const cert = await issue({ subject: `CN=${holder} card ${++n},OU=22,O=GongwenDesk Test Agency,C=TW`, issuer: chains.root, keys, ...options });
    out.push({ name, leaf: der(cert), certPem: cert.toString('pem') + '\n', keyPem, code });
  };
  await leaf('a leaf whose keyUsage is keyEncipherment only', 'CERT_NOT_FOR_SIGNING', { keyUsage: x509.KeyUsageFlags.keyEncipherment });
  await leaf('a leaf that is itself a CA', 'CERT_IS_CA', {
    ca: true,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign,
  });
  await leaf('an unknown critical extension in the leaf', 'CERT_CRITICAL_EXTENSION', { unknownExtension: { critical: true } });
  await leaf('a leaf signed with SHA-1', 'CERT_WEAK_ALGORITHM', { sha1: true });
  await leaf('control: a correct leaf under the root', null, {});
  return out;
}

/**
 * Records a card certificate for `account` straight in the database, as a service older than the
 * path validator would have registered it: the tests that judge a signature's path need the card on
 * record whatever registration would say of it today.
 */
export async function recordCardUnchecked(db: Kysely<Database>, account: string, leaf: Uint8Array): Promise<void> {
  const cert = new X509Certificate(leaf);
  const user = await db.selectFrom('users').select('id').where('account', '=', account).executeTakeFirstOrThrow();
  await db
    .insertInto('card_certificates')
    .values({
      sha256: sha256Hex(cert),
      user_id: user.id,
      subject: cert.subject,
      serial: cert.serialNumber.toLowerCase(),
      not_before: new Date(cert.validFrom).toISOString(),
      not_after: new Date(cert.validTo).toISOString(),
      der: leaf,
      registered_at: new Date().toISOString(),
    })
    .execute();
}
