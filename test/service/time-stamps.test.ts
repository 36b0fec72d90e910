import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { parseCountersignerInfo } from '../../src-shared/node/cms/parse.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { toPem } from '../../src-shared/node/pki/x509.js';
import { readTimeStampToken } from '../../src-server/timestamp/read-token.js';
import { databaseKinds } from '../helpers/databases.js';
import { opensslVerifies } from '../helpers/openssl-tsa.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(databaseKinds())('time-stamps on every accepted signature (CAdES-T) on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let temp: CmsSigner;
  let tsaPem: string;

  beforeAll(async () => {
    service = await startTestService(kind);
    vendor = await Clerk.login(service, 'vendor');
    temp = await vendor.enableTempCert();
    tsaPem = toPem(service.ctx.timeStampAuthority.certificateDer, 'CERTIFICATE');
  });
  afterAll(() => service.close());

  const stampsOf = (stepId: string) =>
    service.ctx.storage.db.selectFrom('signature_time_stamps').selectAll().where('step_id', '=', stepId).orderBy('signer').execute();

  it("stamps a send over its signature value, and each 補簽 over the countersignature's, once", async () => {
    const doc = await vendor.createDocument('出差期間公文');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const step = await service.ctx.storage.db
      .selectFrom('steps')
      .select(['id', 'signature', 'signature_value', 'signing_time'])
      .where('document_id', '=', doc.id)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    const signatureBefore = Buffer.from(step.signature!);
    const [sent] = await stampsOf(step.id);
    expect(sent).toMatchObject({ signer: 'signature', tsa_certificate_sha256: service.ctx.timeStampAuthority.certificateSha256 });
    const signatureValue = new Uint8Array(step.signature_value!);
    expect(opensslVerifies(new Uint8Array(sent!.token!), sha256Hex(signatureValue), tsaPem)).toBe(true);
    // The token is over this signature value, no other.
    expect(opensslVerifies(new Uint8Array(sent!.token!), sha256Hex(new Uint8Array(256)), tsaPem)).toBe(false);
    expect(new Date(sent!.gen_time!).getTime()).toBeGreaterThanOrEqual(new Date(step.signing_time!).getTime());
    expect(readTimeStampToken(new Uint8Array(sent!.token!)).genTime.toISOString()).toBe(sent!.gen_time);
    // The flow shows both times: the signer's claim and the time-stamp.
    expect((await vendor.open(doc.id)).flow[0]).toMatchObject({ signingTime: step.signing_time, timeStampedAt: sent!.gen_time });

    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.stepId === step.id);
    const request = await resignRequest(pending, await vendor.card(), '出差返回，以實體卡補簽');
    expect((await vendor.call('POST', '/api/resign', request)).body.results[0].outcome).toBe('resigned');
    // The same upload again changes nothing: no second token.
    expect((await vendor.call('POST', '/api/resign', request)).body.results[0].outcome).toBe('already-resigned');
    const stamps = await stampsOf(step.id);
    expect(stamps.map((s) => s.signer)).toEqual(['countersignature', 'signature']);
    const counterValue = parseCountersignerInfo(new Uint8Array(Buffer.from(request.items[0]!.countersignature, 'base64'))).signature;
    expect(opensslVerifies(new Uint8Array(stamps[0]!.token!), sha256Hex(counterValue), tsaPem)).toBe(true);
    expect(opensslVerifies(new Uint8Array(stamps[0]!.token!), sha256Hex(signatureValue), tsaPem)).toBe(false);
    // The stored signature is never rewritten.
    const after = await service.ctx.storage.db.selectFrom('steps').select('signature').where('id', '=', step.id).executeTakeFirstOrThrow();
    expect(Buffer.from(after.signature!).equals(signatureBefore)).toBe(true);
  });

  it('refuses a signing time later than the time-stamp, at send and at 補簽, and changes nothing', async () => {
    const real = service.ctx.timeStampAuthority;
    const doc = await vendor.createDocument('時戳早於簽章時間');
    const first = await vendor.open(doc.id);
    // A TSA whose clock is ten minutes behind the signer's (beyond the five allowed).
    service.ctx.timeStampAuthority = {
      certificateDer: real.certificateDer,
      certificateSha256: real.certificateSha256,
      timeStampSignature: (value, now) => real.timeStampSignature(value, new Date(now.getTime() - 10 * 60 * 1000)),
    };
    try {
      const r = await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
      expect(r).toMatchObject({ status: 400, body: { code: 'SIGNING_TIME_AFTER_TIME_STAMP' } });
      const unchanged = await vendor.open(doc.id);
      expect(unchanged.stepToken).toBe(first.stepToken);
      expect(unchanged.currentSeq).toBe(first.currentSeq);
    } finally {
      service.ctx.timeStampAuthority = real;
    }
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);

    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    const request = await resignRequest(pending, await vendor.card(), '補簽');
    service.ctx.timeStampAuthority = {
      certificateDer: real.certificateDer,
      certificateSha256: real.certificateSha256,
      timeStampSignature: (value, now) => real.timeStampSignature(value, new Date(now.getTime() - 10 * 60 * 1000)),
    };
    try {
      // A batch refused whole is answered with the refusal's code.
      expect(await vendor.call('POST', '/api/resign', request)).toMatchObject({ status: 400, body: { code: 'SIGNING_TIME_AFTER_TIME_STAMP' } });
    } finally {
      service.ctx.timeStampAuthority = real;
    }
    expect((await stampsOf(pending[0]!.stepId)).map((s) => s.signer)).toEqual(['signature']);
    expect((await vendor.call('POST', '/api/resign', request)).body.results[0].outcome).toBe('resigned');
  });
});
