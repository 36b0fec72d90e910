import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { buildEvidence } from '../../src-server/evidence/evidence.js';
import { backfillSignatureValues } from '../../src-server/storage/migrations/20261127-0005-signature-value.js';
import { databaseKinds } from '../helpers/databases.js';
import { evidenceFolder, opensslVerifyEvidenceStep } from '../helpers/openssl-print.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

describe.each(databaseKinds())('re-signing with the card (補簽) on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let chief: Clerk;
  let temp: CmsSigner;

  beforeAll(async () => {
    service = await startTestService(kind);
    vendor = await Clerk.login(service, 'vendor');
    chief = await Clerk.login(service, 'yeh.yenchih');
    temp = await vendor.enableTempCert();
  });
  afterAll(() => service.close());

  it('lists my temp-signed steps, re-signs them in one batch, and shows it in the flow', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const doc = await vendor.createDocument(`出差期間公文 ${i + 1}`);
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      ids.push(doc.id);
    }
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    expect(pending.map((p) => p.documentId).sort()).toEqual([...ids].sort());
    // A page at a time: the cursor continues where the page ended.
    const first = (await vendor.call('GET', '/api/resign/pending?limit=2')).body;
    expect(first).toMatchObject({ total: 3 });
    const second = (await vendor.call('GET', `/api/resign/pending?limit=2&after=${encodeURIComponent(first.next)}`)).body;
    expect(second.next).toBeUndefined();
    // A page that ends at my last step says there is no more, so IFT940 does not ask again.
    expect((await vendor.call('GET', '/api/resign/pending?limit=3')).body.next).toBeUndefined();
    expect([...first.steps, ...second.steps].map((p: PendingResignStep) => p.stepId)).toEqual(pending.map((p) => p.stepId));
    const note = '出差返回，以實體卡補簽';
    const request = await resignRequest(pending, await vendor.card(), note);
    const r = await vendor.call('POST', '/api/resign', request);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['resigned', 'resigned', 'resigned']);
    expect((await vendor.call('GET', '/api/resign/pending')).body.steps).toEqual([]);
    const flow = (await vendor.open(ids[0]!)).flow;
    expect(flow[0]).toMatchObject({ tempCertUsed: true, resignNote: note });
    expect(flow[0]!.resignedAt).not.toBeNull();
    // The same batch again: nothing changes, each step reported as already re-signed.
    const again = await vendor.call('POST', '/api/resign', request);
    expect(again.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['already-resigned', 'already-resigned', 'already-resigned']);
    // The temp cert stays usable on this PC after re-signing (section II step 4).
    const next = await vendor.createDocument();
    expect((await vendor.act(next.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
  });

  it('keeps what a partial batch did and refuses the bad items with their codes', async () => {
    const doc1 = await vendor.createDocument();
    const doc2 = await vendor.createDocument();
    await vendor.act(doc1.id, '送請簽核', 'yeh.yenchih', temp);
    await vendor.act(doc2.id, '送請簽核', 'yeh.yenchih', temp);
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    const note = '補簽';
    const request = await resignRequest(pending.slice(0, 2), await vendor.card(), note);
    const [good, other] = request.items;
    // The second item carries the first step's countersignature: it covers another step's signature.
    const r = await vendor.call('POST', '/api/resign', { ...request, items: [good, { stepId: other!.stepId, countersignature: good!.countersignature }] });
    expect(r.body.results[0]).toMatchObject({ outcome: 'resigned' });
    expect(r.body.results[1]).toMatchObject({ outcome: 'refused', code: 'COUNTERSIGNATURE_INVALID' });
    expect((await vendor.call('GET', '/api/resign/pending')).body.steps.map((s: PendingResignStep) => s.stepId)).toContain(other!.stepId);
  });

  it('re-signs each step once when the same chunk arrives twice at the same moment (a retried upload, a second PC)', async () => {
    const docs = [await vendor.createDocument(), await vendor.createDocument(), await vendor.createDocument()];
    for (const doc of docs) await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    const request = await resignRequest(pending, await vendor.card(), '同時上傳');
    // Both pass their checks before either stores: only the conditional update can tell them apart.
    const [a, b] = await Promise.all([vendor.call('POST', '/api/resign', request), vendor.call('POST', '/api/resign', request)]);
    for (const item of request.items) {
      const outcomes = [a, b].map((r) => r.body.results.find((x: { stepId: string }) => x.stepId === item.stepId).outcome).sort();
      expect(outcomes).toEqual(['already-resigned', 'resigned']);
    }
    const numbers = docs.map((d) => d.number);
    await service.ctx.storage.sealAudit();
    const audited = await service.ctx.storage.db
      .selectFrom('audit_log')
      .select('subject')
      .where('action', '=', 'step.resign')
      .where('subject', 'in', numbers)
      .execute();
    expect(audited.map((e) => e.subject).sort()).toEqual([...numbers].sort());
    const flow = (await vendor.open(docs[0]!.id)).flow;
    expect(flow[0]).toMatchObject({ resignNote: '同時上傳' });
  });

  it('keeps the signature as it was sent, the countersignature beside it, and exports the two as one CMS', async () => {
    const doc = await vendor.createDocument('補簽不改寫原簽章');
    await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    const stepRow = () =>
      service.ctx.storage.db
        .selectFrom('steps')
        .select(['id', 'signature', 'countersignature', 'resigned_at'])
        .where('document_id', '=', doc.id)
        .where('seq', '=', 1)
        .executeTakeFirstOrThrow();
    const sent = await stepRow();
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((p) => p.documentId === doc.id);
    const request = await resignRequest(pending, await vendor.card(), '原簽章保持不變');

    // A certificate sent along that is not one would be exported with the countersignature: the batch is refused, nothing changes.
    const bad = await vendor.call('POST', '/api/resign', {
      ...request,
      certificates: [...request.certificates, Buffer.from('not a certificate').toString('base64')],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('SIGNATURE_MALFORMED');
    expect((await stepRow()).resigned_at).toBeNull();

    expect((await vendor.call('POST', '/api/resign', request)).body.results[0]).toMatchObject({ outcome: 'resigned' });
    const resigned = await stepRow();
    expect(Buffer.from(resigned.signature!).equals(Buffer.from(sent.signature!))).toBe(true);
    expect(Buffer.from(resigned.countersignature!).toString('base64')).toBe(request.items[0]!.countersignature);

    const exported = async () => {
      const evidence = await buildEvidence(service.ctx, doc.id);
      const file = (name: string) => Buffer.from(evidence.files.find((f) => f.name === name)!.contentBase64, 'base64');
      return { p7s: file('step-1.p7s'), payload: file('step-1.payload') };
    };
    const { p7s, payload } = await exported();
    const verified = verifyStepSignature(p7s, payload);
    expect(verified.countersignatures.map((c) => c.note)).toEqual(['原簽章保持不變']);
    expect(verified.countersignatures[0]!.certificate.subject).toContain('公文系統廠商');

    // A step re-signed before the countersignature was kept apart holds it inside its signature: exported as stored.
    await service.ctx.storage.db
      .updateTable('steps')
      .set({ signature: p7s, countersignature: null, resign_certificates: null })
      .where('id', '=', resigned.id)
      .execute();
    expect((await exported()).p7s.equals(p7s)).toBe(true);
  });

  it('keeps each sent signature’s value beside it, and fills it in for steps sent before it was kept', async () => {
    const doc = await vendor.createDocument('簽章值');
    await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    const { db } = service.ctx.storage;
    const stepRow = () =>
      db.selectFrom('steps').select(['id', 'signature', 'signature_value']).where('document_id', '=', doc.id).where('seq', '=', 1).executeTakeFirstOrThrow();
    const sent = await stepRow();
    const value = Buffer.from(parseSignedData(sent.signature!).signerInfos[0]!.signature);
    expect(Buffer.from(sent.signature_value!).equals(value)).toBe(true);
    const listed = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.find((p) => p.documentId === doc.id)!;
    expect(listed.signatureValue).toBe(value.toString('base64'));

    // As a step sent before migration 0005 is: the migration's backfill reads it from the signature.
    await db.updateTable('steps').set({ signature_value: null }).where('id', '=', sent.id).execute();
    expect(await backfillSignatureValues(db, 2)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from((await stepRow()).signature_value!).equals(value)).toBe(true);
    expect(await backfillSignatureValues(db)).toBe(0);
  });

  it('refuses re-signing with another person’s card, with the temp cert, another user’s step, a card-signed step and a note that differs', async () => {
    const doc = await vendor.createDocument();
    await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    const step = pending.find((p) => p.documentId === doc.id)!;
    const codeFor = async (clerk: Clerk, signer: CmsSigner, note = 'n', sentNote = note) => {
      const r = await clerk.call('POST', '/api/resign', await resignRequest([step], signer, sentNote, note));
      expect(r.status).toBeGreaterThanOrEqual(400);
      return r.body.code;
    };
    expect(await codeFor(vendor, await chief.card())).toBe('SIGNER_NOT_USER');
    expect(await codeFor(vendor, temp)).toBe('CERT_UNTRUSTED');
    expect(await codeFor(chief, await chief.card())).toBe('RESIGN_STEP_UNKNOWN');
    expect(await codeFor(vendor, await vendor.card(), 'signed note', 'another note')).toBe('COUNTERSIGNATURE_INVALID');
    // A card-signed step needs no re-sign.
    const carded = await chief.createDocument();
    const sent = await chief.act(carded.id, '送請簽核', 'vendor', await chief.card());
    const cardStep = { ...step, stepId: sent.body.step.stepId };
    const r = await chief.call('POST', '/api/resign', await resignRequest([cardStep], await chief.card(), 'n'));
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('RESIGN_NOT_TEMP');
  });

  it('requires re-signing before archive, then exports evidence that openssl and our verifier accept', async () => {
    const doc = await vendor.createDocument('1033151119 類公文', '內容');
    await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    await chief.act(doc.id, '決行', 'vendor', await chief.card());
    const blocked = await vendor.act(doc.id, '歸檔', null, await vendor.card());
    expect(blocked.body).toMatchObject({ code: 'RESIGN_REQUIRED' });
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await vendor.call('POST', '/api/resign', await resignRequest(pending, await vendor.card(), '歸檔前補簽'));
    const tempClose = await vendor.act(doc.id, '歸檔', null, temp);
    expect(tempClose.body).toMatchObject({ code: 'RESIGN_REQUIRED' });
    expect((await vendor.act(doc.id, '歸檔', null, await vendor.card())).status).toBe(200);

    const evidence = (await vendor.call('GET', `/api/documents/${doc.id}/evidence`)).body;
    expect(evidence.files.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['step-1.payload', 'step-1.p7s', 'step-2.p7s', 'step-3.p7s', 'trust/temp-ca.pem', 'trust/card-roots.pem']),
    );
    const dir = await evidenceFolder(service.ctx, doc.id);
    const openssl = (ca: string, n: number) => opensslVerifyEvidenceStep(dir, n, ca);
    openssl('trust/temp-ca.pem', 1); // temp-signed, re-signed
    openssl('trust/card-roots.pem', 2);
    openssl('trust/card-roots.pem', 3);
    expect(() => openssl('trust/card-roots.pem', 1)).toThrow(); // the temp signature does not chain to the card root
    const verified = verifyStepSignature(readFileSync(join(dir, 'step-1.p7s')), readFileSync(join(dir, 'step-1.payload')));
    expect(verified.countersignatures).toHaveLength(1);
    expect(verified.countersignatures[0]!.note).toBe('歸檔前補簽');
    service.ctx.signerPolicy.assertChainsToRoot(verified.countersignatures[0]!.certificate, verified.parsed.certificates);
  });
});
