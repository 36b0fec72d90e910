import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView, Evidence } from '../../src-shared/common/api/documents.js';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { assertStrictDer } from '../../src-shared/node/cms/der.js';
import { sendOnRequest } from '../helpers/action-request.js';
import { BouncyCastleClient, bouncyCastleUnavailable, type KeyPem } from '../helpers/bouncy-castle.js';
import { databaseKinds } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { call, Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

const unavailable = bouncyCastleUnavailable();
if (unavailable) console.warn(`Bouncy Castle interop suites not run: ${unavailable}`);

/**
 * Issue 15: a Java 公文 system signing with Bouncy Castle (test/interop/bouncy, compiled here with
 * javac), against the real service: BC's default BER encoding and its RSASSA-PSS are accepted and
 * kept as DER, a 補簽 countersignature BC makes is taken, what BC makes outside the profile is
 * refused with the reason, and the exported evidence verifies in BC.
 */
describe.skipIf(unavailable !== null).each(databaseKinds())('Bouncy Castle as a client on %s', (kind) => {
  let service: TestService;
  let bc: BouncyCastleClient;
  let drafter: Clerk;
  let vendor: Clerk;
  let cards: Record<string, KeyPem>;

  beforeAll(async () => {
    bc = BouncyCastleClient.compile();
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
    vendor = await Clerk.login(service, 'vendor');
    cards = (await testPki()).cards as Record<string, KeyPem>;
  });
  afterAll(async () => {
    bc?.close();
    await service?.close();
  });

  /** The body of a 送請簽核 step of `doc`, its payload signed by BC now (second precision, as the profile compares). */
  function bcStep(doc: DocumentView, flags: string[] = []) {
    const signingTime = signingTimeOf(new Date());
    const payload = canonicalStepPayload(
      payloadForStep(doc, { action: '送請簽核', sender: 'chen.chiming', recipient: 'yeh.yenchih', opinion: '', signingTime }),
    );
    return sendOnRequest(doc, signingTime, bc.sign(payload, cards['chen.chiming']!, signingTime, flags));
  }
  const send = (clerk: Clerk, doc: DocumentView, body: object, language?: string) =>
    call(service, {
      method: 'POST',
      url: `/api/documents/${doc.id}/actions`,
      payload: body as never,
      headers: { authorization: `Bearer ${clerk.token}`, ...(language ? { 'accept-language': language } : {}) },
    });
  const storedSignature = async (documentId: string) =>
    new Uint8Array(
      (
        await service.ctx.storage.db
          .selectFrom('steps')
          .select(['signature'])
          .where('document_id', '=', documentId)
          .where('seq', '=', 1)
          .executeTakeFirstOrThrow()
      ).signature!,
    );

  it('accepts a step BC signs with its defaults (indefinite-length BER) and with SHA256withRSAandMGF1, kept as DER', async () => {
    for (const flags of [[], ['--pss']]) {
      const doc = await drafter.open((await drafter.createDocument(`Bouncy Castle ${flags.join(' ') || 'BER'}`)).id);
      const request = bcStep(doc, flags);
      const sent = Buffer.from(request.signature, 'base64');
      expect(sent[1], 'BC wrote the ContentInfo in indefinite length').toBe(0x80);
      const r = await send(drafter, doc, request);
      expect(r.status, `${flags.join(' ')}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.step).toMatchObject({ signed: true, tempCertUsed: false });
      const stored = await storedSignature(doc.id);
      expect(() => assertStrictDer(new Uint8Array(sent))).toThrow();
      expect(() => assertStrictDer(stored)).not.toThrow();
    }
  });

  it('refuses what BC makes outside the profile with the reason, in zh-TW and English, and changes nothing', async () => {
    const doc = await drafter.open((await drafter.createDocument('Bouncy Castle 不合規範')).id);
    const cases: [string[], string, RegExp, RegExp][] = [
      [['--sha1'], 'WEAK_ALGORITHM', /SHA-1 or MD5/, /強度不足/],
      [['--no-signing-certificate'], 'SIGNATURE_PROFILE', /signing-certificate-v2/, /signing-certificate-v2/],
    ];
    for (const [flags, code, english, chinese] of cases) {
      const request = bcStep(doc, flags);
      const before = await snapshot(service.ctx.storage.db);
      const zh = await send(drafter, doc, request);
      const en = await send(drafter, doc, request, 'en');
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
      expect(zh.status, flags.join(' ')).toBe(400);
      expect(zh.body, flags.join(' ')).toMatchObject({ code, detail: expect.stringMatching(chinese) });
      expect(en.body, flags.join(' ')).toMatchObject({ code, detail: expect.stringMatching(english) });
    }
  });

  it('takes a 補簽 countersignature BC makes over the pending step, refuses one without signing-certificate-v2, and the evidence verifies in BC', async () => {
    const temp = await vendor.enableTempCert();
    const docs: DocumentView[] = [];
    for (const subject of ['BC 補簽', 'BC 補簽（缺屬性）']) {
      const doc = await vendor.createDocument(subject);
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      docs.push(doc);
    }
    const pending: PendingResignStep[] = (await vendor.call('GET', '/api/resign/pending')).body.steps;
    const stepOf = (doc: DocumentView) => pending.find((s) => s.documentId === doc.id)!;
    const card = cards.vendor!;
    const note = '出差返回補簽（Bouncy Castle）';
    const certificates = [Buffer.from(card.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64')];
    const countersignature = (step: PendingResignStep, flags: string[] = []) =>
      Buffer.from(bc.countersign(new Uint8Array(Buffer.from(step.signature, 'base64')), card, signingTimeOf(new Date()), note, flags)).toString('base64');

    const refused = {
      note,
      certificates,
      items: [{ stepId: stepOf(docs[1]!).stepId, countersignature: countersignature(stepOf(docs[1]!), ['--no-signing-certificate']) }],
    };
    const before = await snapshot(service.ctx.storage.db);
    const no = await call(service, {
      method: 'POST',
      url: '/api/resign',
      payload: refused,
      headers: { authorization: `Bearer ${vendor.token}`, 'accept-language': 'en' },
    });
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
    expect(no.status).toBe(400);
    expect(no.body).toMatchObject({ code: 'SIGNATURE_PROFILE', detail: expect.stringMatching(/signing-certificate-v2 attribute \(CAdES\) is missing/) });

    const step = stepOf(docs[0]!);
    const r = await vendor.call('POST', '/api/resign', { note, certificates, items: [{ stepId: step.stepId, countersignature: countersignature(step) }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results).toEqual([expect.objectContaining({ stepId: step.stepId, outcome: 'resigned' })]);
    expect((await vendor.open(docs[0]!.id)).flow[0]).toMatchObject({ tempCertUsed: true, resignNote: note, resignedAt: expect.any(String) });

    // The evidence of the re-signed step: the temp signature and BC's countersignature, checked by BC.
    const evidence = (await vendor.call<Evidence>('GET', `/api/documents/${docs[0]!.id}/evidence`)).body;
    const verdict = bc.verifyEvidence(evidence.files);
    expect(verdict, verdict.lines.join('\n')).toMatchObject({ ok: true });
    expect(verdict.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^step-1\.p7s: signature verified, CN=.*\(臨時憑證\),UID=vendor,.*, 1\.2\.840\.10045\.4\.3\.2$/),
        expect.stringMatching(/^step-1\.p7s: CN=.*UID=vendor.* not revoked by trust\/temp-ca\.crl/),
        expect.stringMatching(/^step-1\.p7s: chain of CN=公文系統廠商,OU=.* to .*CN=GCA Test Root/),
        `step-1.p7s: countersignature verified, CN=公文系統廠商,OU=ict,O=GongwenDesk Test Agency,C=TW, note ${note}`,
      ]),
    );
  });

  it('verifies in BC the evidence of a step BC signed, and BC refuses the evidence once its payload is altered', async () => {
    const doc = await drafter.open((await drafter.createDocument('Bouncy Castle 證據')).id);
    expect((await send(drafter, doc, bcStep(doc, ['--pss']))).status).toBe(200);
    const evidence = (await drafter.call<Evidence>('GET', `/api/documents/${doc.id}/evidence`)).body;
    const verdict = bc.verifyEvidence(evidence.files);
    expect(verdict, verdict.lines.join('\n')).toMatchObject({ ok: true });
    expect(verdict.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^step-1\.p7s: signature verified, .*, 1\.2\.840\.113549\.1\.1\.10$/)]));

    const altered = evidence.files.map((f) =>
      f.name === 'step-1.payload'
        ? { ...f, contentBase64: Buffer.from(Buffer.from(f.contentBase64, 'base64').toString('utf8').replace('送請簽核', '送請核示')).toString('base64') }
        : f,
    );
    const refused = bc.verifyEvidence(altered);
    expect(refused.ok).toBe(false);
    expect(refused.lines.at(-1)).toBe('FAILED step-1.p7s: signature does not verify');
  });
});
