import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { assertStrictDer } from '../../src-shared/node/cms/der.js';
import { octetString, setOf, time, utf8String } from '../../src-shared/node/cms/der-writer.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { assembleSignerInfo, attribute, sha256, signerIdentity } from '../../src-shared/node/cms/signer-info.js';
import { signerCertificates, type CmsSigner } from '../../src-shared/node/cms/signer.js';
import { sendOnRequest } from '../helpers/action-request.js';
import { databaseKinds } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { opensslSign } from '../helpers/openssl-sign.js';
import { pkijsSign } from '../helpers/pkijs-sign.js';
import { resignRequest } from '../helpers/resign.js';
import { call, Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/**
 * Issue 15: steps signed by the tools an integrator has (the openssl CLI, PKI.js), sent to the
 * service: what is in the profile is accepted and stored as DER; what is not is refused with
 * SIGNATURE_PROFILE or WEAK_ALGORITHM and a detail naming the reason, in the request's language,
 * also per item of a 補簽 batch. The service's teardown reads every stored signature with openssl.
 */
describe.each(databaseKinds())('signatures made by standard tools on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  let card: { certPem: string; keyPem: string };

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
    card = (await testPki()).cards['chen.chiming']!;
  });
  afterAll(() => service.close());

  const payloadOf = (doc: DocumentView, signingTime: string) =>
    canonicalStepPayload(payloadForStep(doc, { action: '送請簽核', sender: 'chen.chiming', recipient: 'yeh.yenchih', opinion: '', signingTime }));
  const body = sendOnRequest;
  const send = (doc: DocumentView, payload: object, language?: string) =>
    call(service, {
      method: 'POST',
      url: `/api/documents/${doc.id}/actions`,
      payload: payload as never,
      headers: { authorization: `Bearer ${drafter.token}`, ...(language ? { 'accept-language': language } : {}) },
    });

  /**
   * A step body signed by the openssl CLI. openssl puts its own clock's time in signing-time, so
   * the payload names the second openssl is expected to sign in; when it ticks over in between,
   * the signature is made again (the payload cannot change after signing).
   */
  async function opensslStep(doc: DocumentView, args: string[]) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const signingTime = signingTimeOf(new Date());
      const cms = opensslSign(payloadOf(doc, signingTime), card, args);
      if (cmsSigningTime(cms) === signingTime) return body(doc, signingTime, cms);
    }
    throw new Error('openssl never signed within the second the payload names');
  }

  it('accepts `openssl cms -sign -cades -stream` (BER, content embedded) and stores the detached DER', async () => {
    const doc = await drafter.open((await drafter.createDocument('以 openssl 串流簽章')).id);
    const request = await opensslStep(doc, ['-cades', '-stream']);
    const sent = Buffer.from(request.signature, 'base64');
    expect(sent[1]).toBe(0x80);
    const r = await send(doc, request);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const stored = await service.ctx.storage.db
      .selectFrom('steps')
      .select(['signature'])
      .where('document_id', '=', doc.id)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    const der = new Uint8Array(stored.signature!);
    expect(() => assertStrictDer(der)).not.toThrow();
    expect(der.length).toBeLessThan(sent.length);
  });

  it('accepts a subjectKeyIdentifier signer (-keyid) and RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32), and a PKI.js signature', async () => {
    for (const args of [
      ['-cades', '-keyid'],
      ['-cades', '-keyopt', 'rsa_padding_mode:pss', '-keyopt', 'rsa_pss_saltlen:32'],
    ]) {
      const doc = await drafter.open((await drafter.createDocument(`openssl ${args.join(' ')}`)).id);
      const r = await send(doc, await opensslStep(doc, args));
      expect(r.status, `${args.join(' ')}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const doc = await drafter.open((await drafter.createDocument('PKI.js PSS')).id);
    const signingTime = signingTimeOf(new Date());
    const cms = await pkijsSign(payloadOf(doc, signingTime), card, { pss: true, signingTime: new Date(signingTime) });
    expect((await send(doc, body(doc, signingTime, cms))).status).toBe(200);
  });

  it('refuses out-of-profile signatures with SIGNATURE_PROFILE or WEAK_ALGORITHM, the reason in zh-TW or English, and changes nothing', async () => {
    const doc = await drafter.open((await drafter.createDocument('不合規範的簽章')).id);
    const cases: [string[], string, RegExp, RegExp][] = [
      [
        ['-cades', '-md', 'sha384'],
        'SIGNATURE_PROFILE',
        /^The digest algorithm must be SHA-256\. \(found: sha384\)$/,
        /^摘要演算法須為 SHA-256。（收到：sha384）$/,
      ],
      [['-cades', '-keyopt', 'rsa_padding_mode:pss'], 'SIGNATURE_PROFILE', /salt length of 32.*salt 222/, /salt 長度 32/],
      [['-cades', '-md', 'sha1'], 'WEAK_ALGORITHM', /SHA-1 or MD5/, /強度不足/],
      [[], 'SIGNATURE_PROFILE', /signing-certificate-v2/, /signing-certificate-v2/],
    ];
    for (const [args, code, english, chinese] of cases) {
      const request = await opensslStep(doc, args);
      const before = await snapshot(service.ctx.storage.db);
      const zh = await send(doc, request);
      const en = await send(doc, request, 'en-US,en;q=0.9');
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
      expect(zh.status).toBe(400);
      expect(zh.body, args.join(' ')).toMatchObject({ code, detail: expect.stringMatching(chinese) });
      expect(en.body, args.join(' ')).toMatchObject({ code, detail: expect.stringMatching(english) });
      expect(en.body.message).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('takes a signingTime with fractional seconds, compared with signing-time to the second', async () => {
    const signer = await drafter.card();
    const doc = await drafter.open((await drafter.createDocument('小數秒')).id);
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 2000);
    const other = { ...(await signed(doc, `${signingTimeOf(second).slice(0, -1)}.250Z`, new Date(second.getTime() - 1000), signer)) };
    expect((await send(doc, other)).body).toMatchObject({ code: 'SIGNING_TIME_INVALID' });
    const r = await send(doc, await signed(doc, `${signingTimeOf(second).slice(0, -1)}.250Z`, second, signer));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const doc2 = await drafter.open((await drafter.createDocument('小數秒（微秒）')).id);
    expect((await send(doc2, await signed(doc2, `${signingTimeOf(second).slice(0, -1)}.999999Z`, second, signer))).status).toBe(200);
    const flow = (await drafter.open(doc.id)).flow;
    expect(flow[0]!.sentAt).toBeTruthy();
  });

  async function signed(doc: DocumentView, signingTime: string, cmsTime: Date, signer: CmsSigner) {
    return body(doc, signingTime, await signStep(payloadOf(doc, signingTime), signer, cmsTime));
  }
});

describe.each(databaseKinds())('補簽 refusals keep their reason and language on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let pending: PendingResignStep[];

  beforeAll(async () => {
    service = await startTestService(kind);
    vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    for (let i = 0; i < 3; i++) {
      const doc = await vendor.createDocument(`出差公文 ${i}`);
      await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    }
    pending = (await vendor.call('GET', '/api/resign/pending')).body.steps;
  });
  afterAll(() => service.close());

  /** A countersignature by the card without signing-certificate-v2 (what a CMS library that is not CAdES makes). */
  async function withoutSigningCertificate(step: PendingResignStep, cardSigner: CmsSigner, note: string): Promise<string> {
    const signed = setOf([
      attribute('signingTime', time(new Date(Math.floor(Date.now() / 1000) * 1000))),
      attribute('messageDigest', octetString(sha256(new Uint8Array(Buffer.from(step.signatureValue, 'base64'))))),
      attribute('resignNote', utf8String(note)),
    ]);
    return Buffer.from(assembleSignerInfo(signerIdentity(cardSigner), signed, await cardSigner.sign(signed))).toString('base64');
  }

  const resign = (request: object, language?: string) =>
    call(service, {
      method: 'POST',
      url: '/api/resign',
      payload: request as never,
      headers: { authorization: `Bearer ${vendor.token}`, ...(language ? { 'accept-language': language } : {}) },
    });

  it('answers each refused item with its code, sentence and reason, in English when asked', async () => {
    const cardSigner = await vendor.card();
    const note = '出差返回補簽';
    const good = await resignRequest([pending[0]!], cardSigner, note);
    const bad = { stepId: pending[1]!.stepId, countersignature: await withoutSigningCertificate(pending[1]!, cardSigner, note) };
    const request = { note, certificates: signerCertificates(cardSigner).map((c) => Buffer.from(c).toString('base64')), items: [bad] };

    // All refused: the batch is refused as a whole, with the first item's reason.
    const whole = await resign(request, 'en');
    expect(whole.status).toBe(400);
    expect(whole.body).toMatchObject({
      code: 'SIGNATURE_PROFILE',
      detail: expect.stringMatching(new RegExp(`step ${bad.stepId}.*signing-certificate-v2 attribute \\(CAdES\\) is missing`)),
    });
    expect(whole.body.message).not.toMatch(/[\u4e00-\u9fff]/);
    const wholeZh = await resign(request);
    expect(wholeZh.body.detail).toMatch(/缺少 signing-certificate-v2/);

    // Part refused: per-item results, each refusal with its detail, in the request's language.
    const en = await resign({ ...request, items: [good.items[0]!, bad] }, 'en');
    expect(en.status).toBe(200);
    expect(en.body.results[0]).toMatchObject({ outcome: 'resigned' });
    expect(en.body.results[1]).toMatchObject({
      stepId: bad.stepId,
      outcome: 'refused',
      code: 'SIGNATURE_PROFILE',
      message: expect.stringMatching(/^The signature is well-formed CMS/),
      detail: 'The signing-certificate-v2 attribute (CAdES) is missing.',
    });
    const zh = await resign({ ...request, items: [good.items[0]!, bad] });
    expect(zh.body.results[1]).toMatchObject({
      outcome: 'refused',
      code: 'SIGNATURE_PROFILE',
      message: expect.stringMatching(/簽章規範/),
      detail: expect.stringMatching(/缺少 signing-certificate-v2/),
    });
  });

  it('accepts a countersignature sent in BER and keeps it as DER', async () => {
    const cardSigner = await vendor.card();
    const step = pending[2]!;
    const request = await resignRequest([step], cardSigner, '補簽（BER）');
    const der = new Uint8Array(Buffer.from(request.items[0]!.countersignature, 'base64'));
    // The outer SEQUENCE in indefinite length, as a BER encoder writes it.
    const content = der.subarray(der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f));
    const ber = Uint8Array.from([0x30, 0x80, ...content, 0x00, 0x00]);
    const r = await resign({ ...request, items: [{ stepId: step.stepId, countersignature: Buffer.from(ber).toString('base64') }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results[0]).toMatchObject({ outcome: 'resigned' });
    const stored = await service.ctx.storage.db.selectFrom('steps').select(['countersignature']).where('id', '=', step.stepId).executeTakeFirstOrThrow();
    expect(Buffer.from(stored.countersignature!).equals(Buffer.from(der))).toBe(true);
  });
});

/** The signing-time of a signature's first SignerInfo, as the payload writes it (read with PKI.js, which reads BER). */
function cmsSigningTime(cms: Uint8Array): string {
  const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms.slice().buffer).content });
  const attribute = signed.signerInfos[0]!.signedAttrs!.attributes.find((a) => a.type === '1.2.840.113549.1.9.5')!;
  return signingTimeOf((attribute.values[0] as unknown as { toDate(): Date }).toDate());
}
