import { createPrivateKey, sign as nodeSign, constants } from 'node:crypto';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GongwenError } from '../../src-shared/common/errors.js';
import { assertStrictDer } from '../../src-shared/node/cms/der.js';
import {
  contextConstructed,
  implicitSetOf,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  setOf,
  smallIntegerValue,
  time,
  tlv,
  utf8String,
} from '../../src-shared/node/cms/der-writer.js';
import { oidDer } from '../../src-shared/node/cms/oids.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { encodeSignedData } from '../../src-shared/node/cms/sign.js';
import { attribute, sha256, signingCertificateV2 } from '../../src-shared/node/cms/signer-info.js';
import { parseCountersignatureOrRefuse, verifyCountersignature, verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { certificateReference } from '../../src-shared/node/cms/certificate-fields.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { testPki } from '../helpers/demo-pki.js';
import { opensslSign, opensslVerifies } from '../helpers/openssl-sign.js';
import { pkijsSign } from '../helpers/pkijs-sign.js';

/**
 * Signatures other tools make (issue 15): the `openssl cms` CLI (BER with -stream, a
 * subjectKeyIdentifier signer with -keyid, RSASSA-PSS) and PKI.js. What is in the profile is
 * accepted; what is not is refused as SIGNATURE_PROFILE or WEAK_ALGORITHM with the reason named,
 * never as SIGNATURE_MALFORMED.
 */
const payload = new TextEncoder().encode('{"profile":"gongwen-step/1","documentNumber":"1153151119","step":1}');
type Card = { certPem: string; keyPem: string };

function refusal(fn: () => unknown): { code: string; en: string; zh: string } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof GongwenError)) throw error;
    return { code: error.code, en: error.detailIn('en') ?? '', zh: error.detailIn('zh-TW') ?? '' };
  }
  return { code: 'accepted', en: '', zh: '' };
}

describe('signatures made by openssl and PKI.js', () => {
  let card: Card;
  let rootPem: string;
  let certDer: Uint8Array;

  beforeAll(async () => {
    const pki = await testPki();
    card = pki.cards['yeh.yenchih']!;
    rootPem = pki.gcaRootPem;
    certDer = fromPem(card.certPem)[0]!;
  });

  it('accepts BER from `openssl cms -sign -cades -stream` and keeps it as DER that openssl still verifies', () => {
    const ber = opensslSign(payload, card, ['-cades', '-stream']);
    expect(ber[1]).toBe(0x80); // indefinite length: BER, not DER
    expect(() => assertStrictDer(ber)).toThrow();
    const verified = verifyStepSignature(ber, payload);
    const der = verified.parsed.encoding;
    expect(() => assertStrictDer(der)).not.toThrow();
    // openssl embeds the content when it streams DER: it must be the payload, and is not kept.
    expect(Buffer.from(verified.parsed.encapsulatedContent!).equals(Buffer.from(payload))).toBe(true);
    expect(der.length).toBeLessThan(ber.length - payload.length);
    expect(Buffer.from(verified.signer.certificateDer).equals(Buffer.from(certDer))).toBe(true);
    // What is kept verifies in openssl and here, to the same signature value.
    expect(opensslVerifies(der, payload, rootPem)).toBe(true);
    const again = verifyStepSignature(der, payload);
    expect(Buffer.from(again.parsed.encoding).equals(Buffer.from(der))).toBe(true);
    expect(Buffer.from(again.parsed.signerInfos[0]!.signature).equals(Buffer.from(verified.parsed.signerInfos[0]!.signature))).toBe(true);
  });

  it('takes a carried content only when it is the payload (`-nodetach`), and keeps the signature detached', () => {
    const attached = opensslSign(payload, card, ['-cades', '-nodetach']);
    const verified = verifyStepSignature(attached, payload);
    expect(verified.parsed.encapsulatedContent).not.toBeNull();
    expect(parseSignedData(verified.parsed.encoding).encapsulatedContent).toBeNull();
    expect(opensslVerifies(verified.parsed.encoding, payload, rootPem)).toBe(true);
    const other = new TextEncoder().encode('{"profile":"gongwen-step/1","documentNumber":"1153151120","step":1}');
    expect(refusal(() => verifyStepSignature(opensslSign(other, card, ['-cades', '-nodetach', '-stream']), payload)).code).toBe('SIGNATURE_PAYLOAD_MISMATCH');
  });

  it('accepts a signer named by its subjectKeyIdentifier (SignerInfo v3, `-keyid`), in DER and in BER', () => {
    for (const args of [
      ['-cades', '-keyid'],
      ['-cades', '-keyid', '-stream'],
    ]) {
      const cms = opensslSign(payload, card, args);
      const verified = verifyStepSignature(cms, payload);
      expect(verified.parsed.signerInfos[0]!.version).toBe(3);
      expect(Buffer.from(verified.signer.certificateDer).equals(Buffer.from(certDer))).toBe(true);
    }
  });

  it('accepts RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, as openssl writes it', () => {
    for (const salt of ['32', 'digest']) {
      const cms = opensslSign(payload, card, ['-cades', '-keyopt', 'rsa_padding_mode:pss', '-keyopt', `rsa_pss_saltlen:${salt}`]);
      expect(refusal(() => verifyStepSignature(cms, payload)).code).toBe('accepted');
      expect(opensslVerifies(verifyStepSignature(cms, payload).parsed.encoding, payload, rootPem)).toBe(true);
    }
    // BER, a key identifier and PSS at once.
    // (openssl cannot stream with -keyopt: "Error writing CMS output".)
    const all = opensslSign(payload, card, ['-cades', '-nodetach', '-keyid', '-keyopt', 'rsa_padding_mode:pss', '-keyopt', 'rsa_pss_saltlen:32']);
    expect(refusal(() => verifyStepSignature(all, payload)).code).toBe('accepted');
  });

  it('refuses other PSS parameter sets and other digests as SIGNATURE_PROFILE or WEAK_ALGORITHM, naming the reason', () => {
    const pss = ['-keyopt', 'rsa_padding_mode:pss'];
    const cases: [string, string[], string, RegExp][] = [
      ['PSS with openssl’s default salt (the maximum)', ['-cades', ...pss], 'SIGNATURE_PROFILE', /RSASSA-PSS must use .*salt length of 32.*found: .*salt 222/],
      ['PSS with a 20-byte salt', ['-cades', ...pss, '-keyopt', 'rsa_pss_saltlen:20'], 'SIGNATURE_PROFILE', /salt length of 32.*found: .*salt 20/],
      [
        'PSS with MGF1-SHA-512',
        ['-cades', ...pss, '-keyopt', 'rsa_pss_saltlen:32', '-keyopt', 'rsa_mgf1_md:sha512'],
        'SIGNATURE_PROFILE',
        /MGF1 with SHA-256.*found: .*sha512/,
      ],
      ['PSS with MGF1-SHA-1', ['-cades', ...pss, '-keyopt', 'rsa_pss_saltlen:32', '-keyopt', 'rsa_mgf1_md:sha1'], 'WEAK_ALGORITHM', /SHA-1/],
      ['a SHA-384 digest', ['-cades', '-md', 'sha384'], 'SIGNATURE_PROFILE', /digest algorithm must be SHA-256.*found: sha384/],
      [
        'a SHA-512 digest with PSS',
        ['-cades', '-md', 'sha512', ...pss, '-keyopt', 'rsa_pss_saltlen:32'],
        'SIGNATURE_PROFILE',
        /digest algorithm must be SHA-256.*found: sha512/,
      ],
      ['a SHA-1 digest', ['-cades', '-md', 'sha1'], 'WEAK_ALGORITHM', /SHA-1 or MD5/],
      ['no signing-certificate-v2 (without -cades)', [], 'SIGNATURE_PROFILE', /signing-certificate-v2 attribute \(CAdES\) is missing/],
      ['no signed attributes (-noattr)', ['-noattr'], 'SIGNATURE_PROFILE', /signed attributes are missing/],
    ];
    const failures: string[] = [];
    for (const [name, args, code, reason] of cases) {
      const got = refusal(() => verifyStepSignature(opensslSign(payload, card, args), payload));
      if (got.code !== code || !reason.test(got.en) || !/[\u4e00-\u9fff]/.test(got.zh)) failures.push(`${name}: ${got.code} ${got.en}`);
    }
    expect(failures).toEqual([]);
  });

  it('accepts PKI.js signatures in the profile (PKCS#1 v1.5 and PSS) and names what is missing in the others', async () => {
    for (const pss of [false, true]) {
      const cms = await pkijsSign(payload, card, { pss });
      expect(refusal(() => verifyStepSignature(cms, payload)).code, `pss ${pss}`).toBe('accepted');
    }
    const cases: [string, Parameters<typeof pkijsSign>[2], string, RegExp][] = [
      ['no signing-time', { signingTime: null }, 'SIGNATURE_PROFILE', /signing-time attribute is missing/],
      ['no message-digest', { messageDigest: false }, 'SIGNATURE_PROFILE', /message-digest attribute is missing/],
      ['no signing-certificate-v2', { signingCertificateV2: false }, 'SIGNATURE_PROFILE', /signing-certificate-v2/],
      ['SHA-384', { hash: 'SHA-384' }, 'SIGNATURE_PROFILE', /SHA-256.*found: sha384/],
    ];
    const failures: string[] = [];
    for (const [name, options, code, reason] of cases) {
      const cms = await pkijsSign(payload, card, options);
      const r = refusal(() => verifyStepSignature(cms, payload));
      if (r.code !== code || !reason.test(r.en)) failures.push(`${name}: ${r.code} ${r.en}`);
    }
    expect(failures).toEqual([]);
  });

  describe('RSASSA-PSS parameters, encoded by hand', () => {
    const sha256Id = (withNull: boolean) => sequence(oidDer.sha256, ...(withNull ? [nullValue()] : []));
    const mgf1 = (hash: Uint8Array) => sequence(objectIdentifier('1.2.840.113549.1.1.8'), hash);
    const pssOid = objectIdentifier('1.2.840.113549.1.1.10');
    const params = (fields: Uint8Array[]) => sequence(pssOid, sequence(...fields));
    const signWith = (algorithm: Uint8Array, saltLength: number, hash = 'sha256') => {
      const attrs = [
        attribute('contentType', oidDer.data),
        attribute('signingTime', time(new Date(Math.floor(Date.now() / 1000) * 1000))),
        attribute('messageDigest', octetString(sha256(payload))),
        signingCertificateV2(certDer),
      ];
      const signed = setOf(attrs);
      const key = createPrivateKey(card.keyPem);
      const signature = new Uint8Array(nodeSign(hash, signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }));
      const ref = certificateReference(certDer);
      const info = sequence(
        smallIntegerValue(1),
        sequence(ref.issuer, ref.serial),
        sequence(oidDer.sha256),
        implicitSetOf(0xa0, attrs),
        algorithm,
        octetString(signature),
      );
      return encodeSignedData([certDer], [info]);
    };
    const salt = (n: number) => contextConstructed(2, tlv(0x02, Uint8Array.of(n)));

    it('accepts the hash with or without NULL parameters, and an explicit trailer field 1', () => {
      for (const withNull of [true, false]) {
        const alg = params([contextConstructed(0, sha256Id(withNull)), contextConstructed(1, mgf1(sha256Id(withNull))), salt(32)]);
        expect(refusal(() => verifyStepSignature(signWith(alg, 32), payload)).code, `NULL ${withNull}`).toBe('accepted');
      }
      const trailer = params([
        contextConstructed(0, sha256Id(true)),
        contextConstructed(1, mgf1(sha256Id(true))),
        salt(32),
        contextConstructed(3, smallIntegerValue(1)),
      ]);
      expect(refusal(() => verifyStepSignature(signWith(trailer, 32), payload)).code).toBe('accepted');
    });

    it('refuses defaults (SHA-1), a missing salt length, another trailer field and junk parameters', () => {
      const cases: [string, Uint8Array, number, string, RegExp][] = [
        ['no parameters at all (RFC 4055 requires them)', sequence(pssOid), 20, 'SIGNATURE_PROFILE', /RSASSA-PSS must use.*found: no parameters/],
        ['empty parameters (all defaults: SHA-1)', params([]), 20, 'WEAK_ALGORITHM', /RSASSA-PSS with SHA-1/],
        [
          'no salt length (default 20)',
          params([contextConstructed(0, sha256Id(true)), contextConstructed(1, mgf1(sha256Id(true)))]),
          20,
          'SIGNATURE_PROFILE',
          /salt 20/,
        ],
        ['no MGF (default MGF1-SHA-1)', params([contextConstructed(0, sha256Id(true)), salt(32)]), 32, 'WEAK_ALGORITHM', /SHA-1/],
        [
          'trailer field 2',
          params([contextConstructed(0, sha256Id(true)), contextConstructed(1, mgf1(sha256Id(true))), salt(32), contextConstructed(3, smallIntegerValue(2))]),
          32,
          'SIGNATURE_PROFILE',
          /trailer field 1/,
        ],
        ['a NULL where parameters go', sequence(pssOid, nullValue()), 32, 'SIGNATURE_PROFILE', /RSASSA-PSS/],
        [
          'a hash with a parameter that is not NULL',
          params([contextConstructed(0, sequence(oidDer.sha256, utf8String('x'))), contextConstructed(1, mgf1(sha256Id(true))), salt(32)]),
          32,
          'SIGNATURE_PROFILE',
          /RSASSA-PSS/,
        ],
        [
          'an unknown mask generation function',
          params([contextConstructed(0, sha256Id(true)), contextConstructed(1, sequence(objectIdentifier('1.2.3.4'), sha256Id(true))), salt(32)]),
          32,
          'SIGNATURE_PROFILE',
          /MGF1/,
        ],
      ];
      const failures: string[] = [];
      for (const [name, alg, saltLength, code, reason] of cases) {
        const r = refusal(() => verifyStepSignature(signWith(alg, saltLength), payload));
        if (r.code !== code || !reason.test(r.en)) failures.push(`${name}: ${r.code} ${r.en}`);
      }
      expect(failures).toEqual([]);
    });
  });

  it('accepts a countersignature whose signer is named by subjectKeyIdentifier', () => {
    const signatureValue = new Uint8Array(32).fill(7);
    const attrs = [
      attribute('signingTime', time(new Date(Math.floor(Date.now() / 1000) * 1000))),
      attribute('messageDigest', octetString(sha256(signatureValue))),
      signingCertificateV2(certDer),
      attribute('resignNote', utf8String('補簽')),
    ];
    const signature = new Uint8Array(nodeSign('sha256', setOf(attrs), createPrivateKey(card.keyPem)));
    const ski = new pkijs.Certificate({ schema: pkijs.Certificate.fromBER(certDer.slice().buffer).toSchema() }).extensions!.find(
      (e) => e.extnID === '2.5.29.14',
    )!;
    const keyId = new Uint8Array((ski.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView);
    const info = sequence(
      smallIntegerValue(3),
      tlv(0x80, keyId),
      sequence(oidDer.sha256),
      implicitSetOf(0xa0, attrs),
      sequence(oidDer.sha256WithRSAEncryption, nullValue()),
      octetString(signature),
    );
    const counter = verifyCountersignature({ certificates: [certDer] }, signatureValue, parseCountersignatureOrRefuse(info));
    expect(counter.note).toBe('補簽');
    // Version 1 with a key identifier (or 3 with issuer and serial) is not CMS as RFC 5652 §5.3 says.
    const wrongVersion = sequence(
      smallIntegerValue(1),
      tlv(0x80, keyId),
      sequence(oidDer.sha256),
      implicitSetOf(0xa0, attrs),
      sequence(oidDer.sha256WithRSAEncryption, nullValue()),
      octetString(signature),
    );
    expect(refusal(() => verifyCountersignature({ certificates: [certDer] }, signatureValue, parseCountersignatureOrRefuse(wrongVersion))).code).toBe(
      'SIGNATURE_PROFILE',
    );
    // A key identifier no carried certificate has.
    const unknown = sequence(
      smallIntegerValue(3),
      tlv(0x80, new Uint8Array(20)),
      sequence(oidDer.sha256),
      implicitSetOf(0xa0, attrs),
      sequence(oidDer.sha256WithRSAEncryption, nullValue()),
      octetString(signature),
    );
    expect(refusal(() => verifyCountersignature({ certificates: [certDer] }, signatureValue, parseCountersignatureOrRefuse(unknown))).code).toBe(
      'CERT_UNKNOWN',
    );
  });

  it('still refuses garbage in BER: junk after a certificate, bytes after the end, a missing end-of-contents, an indefinite primitive', () => {
    const ber = opensslSign(payload, card, ['-cades', '-stream']);
    const parsed = parseSignedData(opensslSign(payload, card, ['-cades']));
    const cases: [string, Uint8Array][] = [
      ['bytes after the end', Uint8Array.from([...ber, 0x00])],
      ['end-of-contents missing', ber.subarray(0, ber.length - 2)],
      ['an end-of-contents that is not 00 00', Uint8Array.from([...ber.subarray(0, ber.length - 1), 0x01])],
      ['junk after the certificate, in BER', berWrap(parsed, tlv(0xa0, ...parsed.certificates, sequence(new TextEncoder().encode('\x01\x02junk'))))],
      ['an indefinite-length primitive', Uint8Array.from([0x30, 0x80, 0x04, 0x80, 0x00, 0x00, 0x00, 0x00])],
    ];
    const failures: string[] = [];
    for (const [name, bytes] of cases) {
      const r = refusal(() => verifyStepSignature(bytes, payload));
      if (r.code !== 'SIGNATURE_MALFORMED') failures.push(`${name}: ${r.code} ${r.en}`);
    }
    expect(failures).toEqual([]);
  });
});

/** The SignedData of `parsed` with `certificates` in its place, every constructed level above the certificates in indefinite-length BER. */
function berWrap(parsed: ReturnType<typeof parseSignedData>, certificates: Uint8Array): Uint8Array {
  const indefinite = (tag: number, ...parts: Uint8Array[]) => Uint8Array.from([tag, 0x80, ...parts.flatMap((p) => [...p]), 0x00, 0x00]);
  const signedData = indefinite(
    0x30,
    smallIntegerValue(1),
    parsed.digestAlgorithms,
    parsed.encapContentInfo,
    certificates,
    setOf(parsed.signerInfos.map((s) => s.encoding)),
  );
  return indefinite(0x30, oidDer.signedData, indefinite(0xa0, signedData));
}
