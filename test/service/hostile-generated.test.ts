import { generateKeyPairSync, sign as nodeSign, webcrypto } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { certificateReference } from '../../src-shared/node/cms/certificate-fields.js';
import { implicitSetOf, nullValue, octetString, sequence, setOf, smallIntegerValue, time, tlv } from '../../src-shared/node/cms/der-writer.js';
import { parseSignedData, type ParsedSignedData } from '../../src-shared/node/cms/parse.js';
import { oidDer } from '../../src-shared/node/cms/oids.js';
import { encodeSignedData } from '../../src-shared/node/cms/sign.js';
import { attribute, signingCertificateV2 } from '../../src-shared/node/cms/signer-info.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';
import { refusalFailures } from '../helpers/refusal-cases.js';

/**
 * Hostile requests generated across every text field and the signature bytes: odd Unicode in each
 * field, damaged CMS, SQL and path strings, weak algorithms, looping and over-long certificate
 * chains, huge values. Each gets a documented 4xx code and a sentence; no table changes.
 */
const ODD: [string, string][] = [
  ['RLO', 'a\u202Eb'],
  ['LRO', 'a\u202Db'],
  ['PDI', 'a\u2069b'],
  ['LRM', 'a\u200Eb'],
  ['ALM', 'a\u061Cb'],
  ['NUL', 'a\u0000b'],
  ['BEL', 'a\u0007b'],
  ['ESC', 'a\u001bb'],
  ['DEL', 'a\u007fb'],
  ['C1 NEL', 'a\u0085b'],
  ['lone high surrogate', 'a\uD83Db'],
  ['lone low surrogate', 'a\uDE00b'],
  ['reversed surrogate pair', 'a\uDE00\uD83Db'],
  ['LRE', 'a\u202Ab'],
  ['RLE', 'a\u202Bb'],
  ['PDF', 'a\u202Cb'],
  ['LRI', 'a\u2066b'],
  ['RLI', 'a\u2067b'],
  ['FSI', 'a\u2068b'],
  ['RLM', 'a\u200Fb'],
  ['backspace', 'a\u0008b'],
  ['vertical tab', 'a\u000Bb'],
  ['form feed', 'a\u000Cb'],
  ['C1 CSI', 'a\u009Bb'],
];
const SIGNATURE_CODES = [
  'SIGNATURE_MALFORMED',
  'SIGNATURE_PROFILE',
  'SIGNATURE_INVALID',
  'SIGNATURE_PAYLOAD_MISMATCH',
  'CERT_UNKNOWN',
  'WEAK_ALGORITHM',
  'SIGNING_TIME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_NOT_REGISTERED',
  'SIGNER_NOT_USER',
];

interface Case {
  name: string;
  status: number[];
  codes: string[];
  request: () => Promise<InjectOptions>;
}

/** An RSA key pair of `bits`, as node:crypto keys and as the same keys for WebCrypto (certificates are made with the latter). */
async function rsaKeys(bits: number) {
  const node = generateKeyPairSync('rsa', { modulusLength: bits });
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const web = {
    publicKey: (await webcrypto.subtle.importKey('spki', node.publicKey.export({ type: 'spki', format: 'der' }), algorithm, true, [
      'verify',
    ])) as unknown as CryptoKey,
    privateKey: (await webcrypto.subtle.importKey('pkcs8', node.privateKey.export({ type: 'pkcs8', format: 'der' }), algorithm, true, [
      'sign',
    ])) as unknown as CryptoKey,
  };
  return { node, web };
}

/** A CMS signed with any key and digest the test chooses: for weak algorithms and rogue chains. */
async function rogueCms(
  payload: Uint8Array,
  certDer: Uint8Array,
  chain: Uint8Array[],
  key: Parameters<typeof nodeSign>[2],
  opts: { digest: 'sha1' | 'sha256'; ec: boolean },
) {
  const digestOid = opts.digest === 'sha1' ? oidDer.sha1 : oidDer.sha256;
  const md = new Uint8Array((await import('node:crypto')).createHash(opts.digest).update(payload).digest());
  const attrs = [
    attribute('contentType', oidDer.data),
    attribute('signingTime', time(new Date(Math.floor(Date.now() / 1000) * 1000))),
    attribute('messageDigest', octetString(md)),
    signingCertificateV2(certDer),
  ];
  const signature = new Uint8Array(nodeSign(opts.digest, setOf(attrs), key));
  const ref = certificateReference(certDer);
  const sigAlg = opts.ec
    ? sequence(oidDer.ecdsaWithSHA256)
    : sequence(opts.digest === 'sha1' ? oidDer.sha1WithRSAEncryption : oidDer.sha256WithRSAEncryption, nullValue());
  const signerInfo = sequence(
    smallIntegerValue(1),
    sequence(ref.issuer, ref.serial),
    sequence(digestOid),
    implicitSetOf(0xa0, attrs),
    sigAlg,
    octetString(signature),
  );
  return encodeSignedData([certDer, ...chain], [signerInfo]);
}

async function selfSigned(name: string, keys: CryptoKeyPair, algorithm: Algorithm, issuer?: { name: string; key: CryptoKey }, ca = false) {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Math.floor(Math.random() * 1e9).toString(16),
    subject: name,
    issuer: issuer?.name ?? name,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: issuer?.key ?? keys.privateKey,
    signingAlgorithm: algorithm,
    extensions: ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : [],
  });
  return new Uint8Array(cert.rawData);
}

type CryptoKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };
type CryptoKey = Parameters<typeof x509.X509CertificateGenerator.create>[0] extends { signingKey: infer K } ? K : never;
type Algorithm = { name: string; hash?: string; namedCurve?: string };

describe.each(databaseKinds())('generated hostile input on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  let vendor: Clerk;
  let doc: DocumentView;
  let pending: PendingResignStep[];
  const cases: Case[] = [];

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
    vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    const v = await vendor.createDocument();
    await vendor.act(v.id, '送請簽核', 'yeh.yenchih', temp);
    pending = (await vendor.call('GET', '/api/resign/pending')).body.steps;
    doc = await drafter.open((await drafter.createDocument('正常公文', '內容')).id);
    const card = await drafter.card();
    const auth = (c: Clerk) => ({ authorization: `Bearer ${c.token}` });
    const post = (c: Clerk, url: string, payload: unknown): InjectOptions => ({
      method: 'POST',
      url,
      payload: payload as InjectOptions['payload'],
      headers: auth(c),
    });
    const send = async (extra: Record<string, unknown>) =>
      post(drafter, `/api/documents/${doc.id}/actions`, { ...(await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', card)), ...extra });
    const invalid = { status: [400], codes: ['VALIDATION_FAILED'] };

    for (const [what, text] of ODD) {
      cases.push(
        { name: `${what} in a subject`, ...invalid, request: async () => post(drafter, '/api/documents', { subject: text, body: '' }) },
        { name: `${what} in a body`, ...invalid, request: async () => post(drafter, '/api/documents', { subject: 's', body: text }) },
        {
          name: `${what} in an attachment name`,
          ...invalid,
          request: async () => post(drafter, '/api/documents', { subject: 's', body: '', attachments: [{ name: `${text}.pdf`, contentBase64: 'AAAA' }] }),
        },
        { name: `${what} in an opinion`, ...invalid, request: () => send({ opinion: text }) },
        {
          name: `${what} in an application reason`,
          ...invalid,
          request: async () => post(drafter, '/api/temp-cert/application', { password: 'long-enough-1', reason: text, loginPassword: 'gongwen-demo' }),
        },
        {
          name: `${what} in a PC label`,
          ...invalid,
          request: async () => post(vendor, '/api/temp-cert/enable', { password: 'x', pcLabel: text, csr: 'AAAA', loginPassword: 'gongwen-demo' }),
        },
        {
          name: `${what} in a unit head's decision comment`,
          ...invalid,
          request: async () => post(drafter, '/api/temp-cert/approvals', { account: 'vendor', approve: false, comment: text }),
        },
        {
          name: `${what} in a re-sign note`,
          ...invalid,
          request: async () =>
            post(vendor, '/api/resign', { note: text, certificates: ['AAAA'], items: [{ stepId: pending[0]!.stepId, countersignature: 'AAAA' }] }),
        },
      );
      const deputy = { deputy: 'wang.meiling', startsOn: '2026-12-01', endsOn: '2026-12-02', loginPassword: 'gongwen-demo' };
      cases.push(
        ...(['deputy', 'startsOn', 'endsOn', 'for'] as const).map((field) => ({
          name: `${what} in a deputy's ${field}`,
          ...invalid,
          request: async () => post(drafter, '/api/deputies', { ...deputy, [field]: text }),
        })),
        {
          name: `${what} in a separation day`,
          ...invalid,
          request: async () => post(drafter, '/api/admin/users/vendor/separation', { on: `2026-11-0${text}` }),
        },
      );
      // A URL cannot carry an unpaired surrogate at all; the other odd characters can.
      if (!/[\uD800-\uDFFF]/.test(text))
        cases.push({
          name: `${what} in a search`,
          ...invalid,
          request: async () => ({ method: 'GET', url: `/api/documents?q=${encodeURIComponent(text)}`, headers: auth(drafter) }),
        });
      if (!/[\uD800-\uDFFF]/.test(text))
        cases.push({
          name: `${what} in a figures month`,
          ...invalid,
          request: async () => ({ method: 'GET', url: `/api/units/ict/figures?month=${encodeURIComponent(`2026-1${text}`)}`, headers: auth(drafter) }),
        });
    }

    const good = Buffer.from((await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', card)).signature, 'base64');
    for (let i = 0; i < 12; i++) {
      const cut = Math.floor((good.length * (i + 1)) / 14);
      cases.push({
        name: `CMS cut at byte ${cut}`,
        status: [400],
        codes: ['SIGNATURE_MALFORMED'],
        request: () => send({ signature: good.subarray(0, cut).toString('base64') }),
      });
    }
    for (let i = 0; i < 16; i++) {
      const at = Math.floor((good.length * (i + 0.5)) / 16);
      const flipped = Buffer.from(good);
      flipped[at]! ^= 0x40;
      cases.push({
        name: `CMS with a bit flipped at byte ${at}`,
        status: [400, 403],
        codes: SIGNATURE_CODES,
        request: () => send({ signature: flipped.toString('base64') }),
      });
    }
    // Over the send route's body limit (256 KB as JSON) or over the schema's: either refusal is right.
    cases.push({
      name: 'a CMS of 200 KB',
      status: [400, 413],
      codes: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
      request: () => send({ signature: Buffer.alloc(200_000).toString('base64') }),
    });

    for (const s of ["' OR '1'='1", 'admin"--', '../../etc/passwd', '%00', 'Robert); DROP TABLE users;--', 'C:\\Windows\\System32']) {
      cases.push(
        { name: `"${s}" as an account`, ...invalid, request: async () => ({ method: 'POST', url: '/api/session', payload: { account: s, password: 'x' } }) },
        { name: `"${s}" as a recipient`, ...invalid, request: () => send({ recipient: s }) },
        { name: `"${s}" as a document number`, ...invalid, request: async () => post(drafter, '/api/documents', { number: s, subject: 's', body: '' }) },
        {
          name: `"${s}" as a document id`,
          status: [404],
          codes: ['DOCUMENT_NOT_FOUND', 'NOT_FOUND'],
          request: async () => ({ method: 'GET', url: `/api/documents/${encodeURIComponent(s)}`, headers: auth(drafter) }),
        },
        { name: `"${s}" as a step token`, ...invalid, request: () => send({ stepToken: s }) },
      );
    }

    cases.push(
      {
        name: 'an opinion of 100,000 characters',
        status: [400, 413],
        codes: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
        request: () => send({ opinion: '意'.repeat(100_000) }),
      },
      {
        name: 'an attachment over 5 MB',
        status: [400, 413],
        codes: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
        request: async () =>
          post(drafter, '/api/documents', {
            subject: 's',
            body: '',
            attachments: [{ name: 'a.bin', contentBase64: Buffer.alloc(5 * 1024 * 1024 + 3).toString('base64') }],
          }),
      },
      {
        name: 'eleven attachments',
        ...invalid,
        request: async () =>
          post(drafter, '/api/documents', {
            subject: 's',
            body: '',
            attachments: Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, contentBase64: 'AAAA' })),
          }),
      },
    );

    // A valid signature with junk where the parser need not look (issue 13, point 3): the signed
    // attributes still verify, but the stored evidence would not be readable outside the service.
    const poisoned = async (name: string, rewrite: (parsed: ParsedSignedData) => Uint8Array) => {
      const body = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', card);
      const parsed = parseSignedData(new Uint8Array(Buffer.from(body.signature, 'base64')));
      cases.push({
        name,
        status: [400],
        codes: ['SIGNATURE_MALFORMED'],
        request: async () => post(drafter, `/api/documents/${doc.id}/actions`, { ...body, signature: Buffer.from(rewrite(parsed)).toString('base64') }),
      });
    };
    const signerInfos = (p: ParsedSignedData) => p.signerInfos.map((s) => s.encoding);
    const junkTlv = sequence(tlv(0x02, Uint8Array.of(0x00, 0x01)), tlv(0x04, Buffer.from('junk')));
    const signedData = (p: ParsedSignedData, parts: { digests?: Uint8Array; certificates?: Uint8Array; crls?: Uint8Array }) =>
      sequence(
        oidDer.signedData,
        tlv(
          0xa0,
          sequence(
            smallIntegerValue(1),
            parts.digests ?? p.digestAlgorithms,
            p.encapContentInfo,
            parts.certificates ?? implicitSetOf(0xa0, p.certificates),
            parts.crls ?? new Uint8Array(),
            setOf(signerInfos(p)),
          ),
        ),
      );
    await poisoned('a SEQUENCE that is not a certificate after the signer’s certificate', (p) =>
      encodeSignedData([...p.certificates, sequence(smallIntegerValue(1))], signerInfos(p)),
    );
    await poisoned('junk bytes after the signer’s certificate', (p) =>
      signedData(p, { certificates: tlv(0xa0, ...p.certificates, sequence(Buffer.from('\x01\x02junk'))) }),
    );
    await poisoned('junk in the CRLs field', (p) => encodeSignedData(p.certificates, signerInfos(p), tlv(0xa1, sequence(Buffer.from('junk')))));
    await poisoned('a well-formed but foreign value in the CRLs field', (p) => encodeSignedData(p.certificates, signerInfos(p), tlv(0xa1, junkTlv)));
    await poisoned('junk inside digestAlgorithms', (p) => signedData(p, { digests: setOf([sequence(oidDer.sha256), junkTlv]) }));
    await poisoned('an INTEGER inside digestAlgorithms', (p) => signedData(p, { digests: setOf([sequence(oidDer.sha256), smallIntegerValue(7)]) }));
    await poisoned('a non-minimal INTEGER as the version', (p) =>
      sequence(
        oidDer.signedData,
        tlv(0xa0, sequence(tlv(0x02, Uint8Array.of(0, 1)), p.digestAlgorithms, p.encapContentInfo, implicitSetOf(0xa0, p.certificates), setOf(signerInfos(p)))),
      ),
    );
    await poisoned('a constructed OCTET STRING inside a certificate’s place', (p) =>
      signedData(p, { certificates: tlv(0xa0, ...p.certificates, tlv(0x24, tlv(0x04, Buffer.from('x')))) }),
    );
    // BER is accepted (issue 15), garbage in BER is not: the same junk, with every level above the
    // certificates in indefinite length as `openssl cms -sign -stream` writes them.
    const indefinite = (tag: number, ...parts: Uint8Array[]) => Uint8Array.from([tag, 0x80, ...parts.flatMap((part) => [...part]), 0x00, 0x00]);
    const berSignedData = (p: ParsedSignedData, certificates: Uint8Array) =>
      indefinite(
        0x30,
        oidDer.signedData,
        indefinite(0xa0, indefinite(0x30, smallIntegerValue(1), p.digestAlgorithms, p.encapContentInfo, certificates, setOf(signerInfos(p)))),
      );
    await poisoned('junk bytes after the signer’s certificate, in BER', (p) =>
      berSignedData(p, indefinite(0xa0, ...p.certificates, sequence(Buffer.from('\x01\x02junk')))),
    );
    await poisoned('a BER signature with a byte after its end-of-contents', (p) =>
      Uint8Array.from([...berSignedData(p, implicitSetOf(0xa0, p.certificates)), 0x00]),
    );
    await poisoned('a BER signature without its last end-of-contents', (p) => berSignedData(p, implicitSetOf(0xa0, p.certificates)).slice(0, -2));
    await poisoned('a BER end-of-contents that is not 00 00', (p) => {
      const ber = berSignedData(p, implicitSetOf(0xa0, p.certificates));
      ber[ber.length - 1] = 0x01;
      return ber;
    });
    await poisoned('an indefinite length on a primitive value', (p) => {
      const ber = berSignedData(p, implicitSetOf(0xa0, p.certificates));
      ber[18] = 0x80; // the length of the version INTEGER (after 30 80, the OID, a0 80, 30 80 and its tag)
      return ber;
    });
    await poisoned('a constructed OCTET STRING holding an INTEGER, in BER', (p) =>
      berSignedData(p, indefinite(0xa0, ...p.certificates, indefinite(0x24, smallIntegerValue(1)))),
    );

    // Weak algorithms and rogue chains, signed over the right payload so that only the algorithm or the chain is wrong.
    const payloadFor = (signingTime: string) =>
      canonicalStepPayload(payloadForStep(doc, { action: '送請簽核', sender: 'chen.chiming', recipient: 'yeh.yenchih', opinion: '', signingTime }));
    const rogue = async (name: string, code: string, make: (payload: Uint8Array) => Promise<Uint8Array>) => {
      const signingTime = signingTimeOf(new Date());
      const cms = await make(payloadFor(signingTime));
      cases.push({ name, status: [400, 403], codes: [code], request: () => send({ signingTime, signature: Buffer.from(cms).toString('base64') }) });
    };
    const rsa1024 = await rsaKeys(1024);
    const rsaAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const weakCert = await selfSigned('CN=RSA-1024', rsa1024.web, rsaAlg);
    await rogue('an RSA-1024 signing key', 'WEAK_ALGORITHM', (p) => rogueCms(p, weakCert, [], rsa1024.node.privateKey, { digest: 'sha256', ec: false }));
    const rsa2048 = await rsaKeys(2048);
    const strongCert = await selfSigned('CN=SHA-1 signer', rsa2048.web, rsaAlg);
    await rogue('a SHA-1 digest', 'WEAK_ALGORITHM', (p) => rogueCms(p, strongCert, [], rsa2048.node.privateKey, { digest: 'sha1', ec: false }));
    await rogue('a self-signed certificate', 'CERT_UNTRUSTED', (p) => rogueCms(p, strongCert, [], rsa2048.node.privateKey, { digest: 'sha256', ec: false }));

    const ecAlg = { name: 'ECDSA', hash: 'SHA-256' };
    const ec = () => webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as unknown as Promise<CryptoKeyPair>;
    const [a, b, leafKeys] = await Promise.all([ec(), ec(), ec()]);
    const caA = await selfSigned('CN=Loop A', a, ecAlg, { name: 'CN=Loop B', key: b.privateKey }, true);
    const caB = await selfSigned('CN=Loop B', b, ecAlg, { name: 'CN=Loop A', key: a.privateKey }, true);
    const loopLeaf = await selfSigned('CN=Loop leaf', leafKeys, ecAlg, { name: 'CN=Loop A', key: a.privateKey });
    const leafPrivate = (await import('node:crypto')).KeyObject.from(leafKeys.privateKey as never);
    await rogue('a certificate chain that loops', 'CERT_UNTRUSTED', (p) =>
      rogueCms(p, loopLeaf, [caA, caB], { key: leafPrivate, dsaEncoding: 'der' } as never, { digest: 'sha256', ec: true }),
    );
    const levels = await Promise.all(Array.from({ length: 7 }, ec));
    const deep: Uint8Array[] = [];
    for (let i = 0; i < levels.length; i++)
      deep.push(
        await selfSigned(`CN=Level ${i}`, levels[i]!, ecAlg, i === 0 ? undefined : { name: `CN=Level ${i - 1}`, key: levels[i - 1]!.privateKey }, true),
      );
    const deepLeafKeys = await ec();
    const deepLeaf = await selfSigned('CN=Deep leaf', deepLeafKeys, ecAlg, { name: 'CN=Level 6', key: levels[6]!.privateKey });
    const deepPrivate = (await import('node:crypto')).KeyObject.from(deepLeafKeys.privateKey as never);
    await rogue('a certificate chain seven deep', 'CERT_UNTRUSTED', (p) =>
      rogueCms(p, deepLeaf, deep, { key: deepPrivate, dsaEncoding: 'der' } as never, { digest: 'sha256', ec: true }),
    );
  });
  afterAll(() => service.close());

  it('has at least 200 cases, across every field and the signature bytes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('answers each with a documented 4xx code and its sentence, and changes no table', async () => {
    expect(await refusalFailures(service, cases)).toEqual([]);
  });
});
