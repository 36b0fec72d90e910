import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep, ResignRequest } from '../../src-shared/common/api/resign.js';
import { makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { databaseKinds } from '../helpers/databases.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/** A 補簽 batch's answer says what happened, no more: decoded and verified first, no duplicates, no countersignature older than what it countersigns. */
describe.each(databaseKinds())('補簽 batch checks on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let card: CmsSigner;
  let pending: PendingResignStep[];

  beforeAll(async () => {
    service = await startTestService(kind);
    vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    for (let i = 0; i < 4; i++) {
      const doc = await vendor.createDocument(`待補簽 ${i}`);
      await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    }
    pending = (await vendor.call('GET', '/api/resign/pending')).body.steps;
    card = await vendor.card();
  });
  afterAll(() => service.close());

  const resign = (body: ResignRequest) => vendor.call('POST', '/api/resign', body);

  it('decodes and verifies before saying a step was already re-signed', async () => {
    const step = pending[0]!;
    expect((await resign(await resignRequest([step], card, '補簽'))).body.results[0]).toMatchObject({ outcome: 'resigned' });
    const garbage = {
      ...(await resignRequest([step], card, '補簽')),
      items: [{ stepId: step.stepId, countersignature: Buffer.from('not a SignerInfo').toString('base64') }],
    };
    // A batch of which nothing could be applied is refused as a whole, with the item's code.
    expect((await resign(garbage)).body).toMatchObject({ code: 'SIGNATURE_MALFORMED' });
    // A valid one again is what "already re-signed" is for.
    expect((await resign(await resignRequest([step], card, '補簽'))).body.results[0]).toMatchObject({ outcome: 'already-resigned' });
  });

  it('refuses a countersignature dated before the signature it countersigns', async () => {
    const step = pending[1]!;
    const before = await snapshot(service.ctx.storage.db);
    const early = new Date(new Date(step.sentAt).getTime() - 3600_000);
    early.setMilliseconds(0);
    const counter = await makeCountersignature(new Uint8Array(Buffer.from(step.signatureValue, 'base64')), card, { note: '補簽', signingTime: early });
    const request = {
      ...(await resignRequest([step], card, '補簽')),
      items: [{ stepId: step.stepId, countersignature: Buffer.from(counter).toString('base64') }],
    };
    expect((await resign(request)).body).toMatchObject({ code: 'SIGNING_TIME_INVALID' });
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  it('refuses a batch that names a step twice, valid or not, and changes nothing', async () => {
    const step = pending[2]!;
    const valid = await resignRequest([step, step], card, '補簽');
    const mixed = { ...valid, items: [valid.items[0]!, { stepId: step.stepId, countersignature: Buffer.from('garbage').toString('base64') }] };
    for (const body of [valid, mixed]) {
      const before = await snapshot(service.ctx.storage.db);
      const r = await resign(body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
    }
    expect((await resign(await resignRequest([step], card, '補簽'))).body.results[0]).toMatchObject({ outcome: 'resigned' });
  });
});
