import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachCountersignature, countersign, Countersigner, makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { parseCountersignerInfo, parseSignedData } from '../../src-shared/node/cms/parse.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import type { GongwenError } from '../../src-shared/common/errors.js';
import { cardSigner, pemSigner, testPki } from '../helpers/demo-pki.js';
import { makeTempCa } from '../../src-server/temp-ca/make-temp-ca.js';

const payload = new TextEncoder().encode('{"documentNumber":"1033151119","step":1}');
const at = new Date('2014-05-27T09:24:00Z');

function openssl(args: string[], files: Record<string, Uint8Array | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cms-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the step signature profile', () => {
  let card: CmsSigner;
  let temp: CmsSigner;
  let rootPem: string;
  let tempCaPem: string;

  beforeAll(async () => {
    const pki = await testPki();
    rootPem = pki.gcaRootPem;
    card = await cardSigner('yeh.yenchih');
    // A temp-cert stand-in: an EC P-256 self-signed certificate from the temp-CA maker.
    const ec = await makeTempCa('CN=temp signer test');
    temp = pemSigner(ec.certPem, ec.keyPem);
    tempCaPem = ec.certPem;
  });

  it('signs with RSA (card) and ECDSA (temp cert), and verifies', async () => {
    for (const signer of [card, temp]) {
      const cms = await signStep(payload, signer, at);
      const verified = verifyStepSignature(cms, payload);
      expect(verified.signer.signingTime.toISOString()).toBe(at.toISOString());
      expect(Buffer.from(verified.signer.certificateDer).equals(Buffer.from(signer.certificate))).toBe(true);
      expect(verified.countersignatures).toEqual([]);
    }
  });

  it('is accepted by openssl cms -verify, and refused over other bytes', async () => {
    const cms = await signStep(payload, card, at);
    const out = openssl(
      ['cms', '-verify', '-inform', 'DER', '-in', 's.p7s', '-binary', '-content', 'p', '-CAfile', 'ca.pem', '-purpose', 'any', '-out', '/dev/null'],
      { 's.p7s': cms, p: payload, 'ca.pem': rootPem },
    );
    expect(out).toBe('');
    expect(() =>
      openssl(['cms', '-verify', '-inform', 'DER', '-in', 's.p7s', '-binary', '-content', 'p', '-CAfile', 'ca.pem', '-purpose', 'any'], {
        's.p7s': cms,
        p: 'other bytes',
        'ca.pem': rootPem,
      }),
    ).toThrow();
  });

  it('is accepted by PKI.js, an independent implementation', async () => {
    const cms = await signStep(payload, temp, at);
    const info = pkijs.ContentInfo.fromBER(cms);
    const signed = new pkijs.SignedData({ schema: info.content });
    const result = await signed.verify({ signer: 0, data: payload.slice().buffer, checkChain: false, extendedMode: true });
    expect(result.signatureVerified).toBe(true);
    expect(tempCaPem).toContain('BEGIN CERTIFICATE');
  });

  it('countersigns with the card, keeps the main signature valid, and carries the re-sign note', async () => {
    const cms = await signStep(payload, temp, at);
    const resigned = await countersign(cms, card, { note: '補簽：出差返回後以實體卡補簽', signingTime: new Date('2014-05-28T01:00:00Z') });
    const verified = verifyStepSignature(resigned, payload);
    expect(verified.countersignatures).toHaveLength(1);
    expect(verified.countersignatures[0]!.note).toBe('補簽：出差返回後以實體卡補簽');
    expect(verified.countersignatures[0]!.certificate.subject).toContain('葉彥志');
    // openssl still verifies the main signature and prints the countersignature it ignores.
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 's.p7s'], { 's.p7s': resigned });
    expect(printed).toContain('countersignature (1.2.840.113549.1.9.6)');
    openssl(['cms', '-verify', '-inform', 'DER', '-in', 's.p7s', '-binary', '-content', 'p', '-noverify', '-out', '/dev/null'], {
      's.p7s': resigned,
      p: payload,
    });
    // A second re-sign adds a second countersignature beside the first.
    const twice = await countersign(resigned, card, { note: '第二次', signingTime: at });
    expect(
      verifyStepSignature(twice, payload)
        .countersignatures.map((c) => c.note)
        .sort(),
    ).toEqual(['第二次', '補簽：出差返回後以實體卡補簽'].sort());
  });

  it('makes the same bytes when the countersignature is made on the PC and attached by the service (IFT940)', async () => {
    const cms = await signStep(payload, temp, at);
    const input = { note: '補簽', signingTime: new Date('2014-05-28T01:00:00Z') };
    const parsed = parseSignedData(cms);
    const counter = await makeCountersignature(parsed.signerInfos[0]!.signature, card, input);
    // RSA PKCS#1 v1.5 is deterministic: made in two halves (a 補簽 batch hands the card the signed
    // attributes of many steps at once) the countersignature is the same bytes.
    const countersigner = new Countersigner(card, input.note);
    const halves = countersigner.signedAttributes(parsed.signerInfos[0]!.signature, input.signingTime);
    expect(Buffer.from(countersigner.countersignature(halves, await card.sign(halves))).equals(Buffer.from(counter))).toBe(true);
    const attached = attachCountersignature(parsed, counter, [card.certificate]);
    // The two ways of countersigning must agree byte for byte.
    expect(Buffer.from(attached).equals(Buffer.from(await countersign(cms, card, input)))).toBe(true);
    expect(verifyStepSignature(attached, payload).countersignatures[0]!.note).toBe('補簽');
    expect(parseCountersignerInfo(counter).countersignatures).toEqual([]);
    // An uploaded SignerInfo that itself carries a countersignature is not part of the profile.
    const countersigned = parseSignedData(attached).signerInfos[0]!.encoding;
    expect(() => parseCountersignerInfo(countersigned)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_PROFILE', detail: expect.stringMatching(/countersignature of a countersignature/) }),
    );
    // A signature holding its countersignature (as steps re-signed before migration 0004 do) still
    // gives the signature value the step was sent with: what migration 0005 keeps for it.
    expect(Buffer.from(parseSignedData(attached).signerInfos[0]!.signature).equals(Buffer.from(parsed.signerInfos[0]!.signature))).toBe(true);
  });

  it('refuses a countersignature moved onto another signature', async () => {
    const a = await countersign(await signStep(payload, temp, at), card, { note: 'a', signingTime: at });
    const b = await signStep(payload, temp, new Date(at.getTime() + 1000));
    // Graft a's countersignature attribute onto b: its message digest names a's signature value.
    const aParsed = verifyStepSignature(a, payload).parsed.signerInfos[0]!;
    const counterAttr = aParsed.unsignedAttributes[0]!;
    const bParsed = verifyStepSignature(b, payload).parsed;
    const bInfo = asn1js.fromBER(bParsed.signerInfos[0]!.encoding.slice().buffer).result as asn1js.Sequence;
    bInfo.valueBlock.value.push(
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [asn1js.fromBER(toAb(concatAttr(counterAttr.type, counterAttr.values))).result],
      }),
    );
    const { encodeSignedData } = await import('../../src-shared/node/cms/sign.js');
    const grafted = encodeSignedData([...bParsed.certificates, card.certificate], [new Uint8Array(bInfo.toBER())]);
    expect(() => verifyStepSignature(grafted, payload)).toThrow(expect.objectContaining({ code: 'COUNTERSIGNATURE_INVALID' }));
  });

  it('refuses bytes that are not CMS, and a signature over other bytes, with their own codes', async () => {
    const cms = await signStep(payload, card, at);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as GongwenError).code;
      }
      return 'accepted';
    };
    expect(codeOf(() => verifyStepSignature(new Uint8Array([1, 2, 3]), payload))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => verifyStepSignature(cms.subarray(0, cms.length - 10), payload))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => verifyStepSignature(cms, new TextEncoder().encode('other')))).toBe('SIGNATURE_PAYLOAD_MISMATCH');
    const tampered = Uint8Array.from(cms);
    tampered[tampered.length - 5]! ^= 0xff; // inside the RSA signature value
    expect(codeOf(() => verifyStepSignature(tampered, payload))).toBe('SIGNATURE_INVALID');
  });
});

function toAb(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function concatAttr(type: Uint8Array, values: Uint8Array[]): Uint8Array {
  const set = new asn1js.Set({ value: values.map((v) => asn1js.fromBER(toAb(v)).result) });
  const seq = new asn1js.Sequence({ value: [asn1js.fromBER(toAb(type)).result, set] });
  return new Uint8Array(seq.toBER());
}
