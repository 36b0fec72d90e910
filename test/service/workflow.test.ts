import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSha256 } from '../../src-shared/node/content-digest.js';
import type { ActionResult, DocumentView } from '../../src-shared/common/api/documents.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

describe.each(databaseKinds())('workflow on %s', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  let chief: Clerk;
  let secretary: Clerk;

  beforeAll(async () => {
    service = await startTestService(kind);
    drafter = await Clerk.login(service, 'chen.chiming');
    chief = await Clerk.login(service, 'yeh.yenchih');
    secretary = await Clerk.login(service, 'lin.shufen');
  });
  afterAll(() => service.close());

  it('creates a document numbered with the ROC year, held by its drafter at step 1 (線上簽核)', async () => {
    const doc = await drafter.createDocument('函轉行政院公文', '請查照。');
    expect(doc.number).toMatch(/^1\d{9}$/);
    expect(Number(doc.number.slice(0, 3))).toBe(new Date().getFullYear() - 1911);
    expect(doc.holderAccount).toBe('chen.chiming');
    expect(doc.flow).toHaveLength(1);
    expect(doc.flow[0]).toMatchObject({ seq: 1, status: '線上簽核', unit: '資通建設科', holderName: '陳志明', action: null, tempCertUsed: false });
    expect(doc.lastAction).toBeNull(); // 創稿 is not an action: the first row's status says it
    expect(doc.stepToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('stores attachments with their digests, serves their bytes, and binds them into the content digest', async () => {
    const pdf = Buffer.from('%PDF-1.7 附件內容');
    const r = await drafter.call<DocumentView>('POST', '/api/documents', {
      subject: '附件測試',
      body: '詳附件',
      attachments: [{ name: '計畫書 v2.pdf', mediaType: 'application/pdf', contentBase64: pdf.toString('base64') }],
    });
    expect(r.status).toBe(200);
    const [attachment] = r.body.attachments;
    expect(attachment).toMatchObject({
      name: '計畫書 v2.pdf',
      mediaType: 'application/pdf',
      size: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'),
    });
    expect(r.body.contentSha256).toBe(contentSha256({ subject: '附件測試', body: '詳附件', attachments: [attachment!] }));
    const bytes = await drafter.call('GET', `/api/documents/${r.body.id}/attachments/${attachment!.id}`);
    expect(bytes.raw.equals(pdf)).toBe(true);
    const stranger = await secretary.call('GET', `/api/documents/${r.body.id}/attachments/${attachment!.id}`);
    expect(stranger.status).toBe(404);
  });

  it('sends with the card: the flow table records the step and the next holder', async () => {
    const doc = await drafter.createDocument();
    const r = await drafter.act(doc.id, '送請簽核', 'yeh.yenchih', await drafter.card(), { opinion: '擬如擬' });
    expect(r.status).toBe(200);
    const result = r.body as ActionResult;
    expect(result.step).toMatchObject({ seq: 1, action: '送請簽核', tempCertUsed: false, signed: true, opinion: '擬如擬' });
    expect(result.document).toMatchObject({ holderAccount: 'yeh.yenchih', currentSeq: 2, status: '簽核中', lastAction: '送請簽核' });

    const before = await chief.call<{ documents: { id: string }[] }>('GET', '/api/documents?box=inbox');
    expect(before.body.documents.map((d) => d.id)).toContain(doc.id);
    const seen = await chief.open(doc.id);
    expect(seen.flow[1]).toMatchObject({ seq: 2, status: '待核示', holderName: '葉彥志', action: '送請簽核', tempCertUsed: false, sentAt: null });
    expect(seen.flow[1]!.receivedAt).not.toBeNull(); // 公文接收時間: set when the holder opened it
    expect(seen.stepToken).not.toBe(doc.stepToken);
  });

  it('lets only the current holder act, and hides documents from people not in the flow', async () => {
    const doc = await drafter.createDocument();
    const notHolder = await chief.call('POST', `/api/documents/${doc.id}/actions`, await chief.signedAction(doc, '送請簽核', 'lin.shufen', await chief.card()));
    expect(notHolder.status).toBe(404);
    expect(notHolder.body).toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
    await drafter.act(doc.id, '送請簽核', 'yeh.yenchih', await drafter.card());
    // The drafter, no longer the holder, signs with the current step's token (as if they had it).
    const current = await chief.open(doc.id);
    const late = await drafter.call(
      'POST',
      `/api/documents/${doc.id}/actions`,
      await drafter.signedAction(current, '送請簽核', 'lin.shufen', await drafter.card()),
    );
    expect(late.status).toBe(403);
    expect(late.body).toMatchObject({ code: 'NOT_CURRENT_HOLDER' });
  });

  it('applies two concurrent sends of one step once: one succeeds, the other gets 409', async () => {
    const doc = await drafter.createDocument();
    const card = await drafter.card();
    const [a, b] = await Promise.all([
      drafter.call('POST', `/api/documents/${doc.id}/actions`, await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', card)),
      drafter.call('POST', `/api/documents/${doc.id}/actions`, await drafter.signedAction(doc, '會辦', 'lin.shufen', card)),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    // Lost inside the transaction (STEP_CONFLICT) or just before it (STEP_TOKEN_STALE): a 409 either way.
    expect(['STEP_CONFLICT', 'STEP_TOKEN_STALE']).toContain(([a.body, b.body].find((x: any) => x.code) as any).code);
    const flow = (await drafter.open(doc.id)).flow;
    expect(flow).toHaveLength(2);
  });

  it('returns the first answer to a retried send and changes nothing; a reused key with other content is refused', async () => {
    const doc = await drafter.createDocument();
    const body = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card());
    const first = await drafter.call('POST', `/api/documents/${doc.id}/actions`, body);
    const again = await drafter.call('POST', `/api/documents/${doc.id}/actions`, body);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await chief.open(doc.id)).flow).toHaveLength(2);
    const other = await drafter.call('POST', `/api/documents/${doc.id}/actions`, { ...body, opinion: '改了' });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses a replayed step token with STEP_TOKEN_STALE', async () => {
    const doc = await drafter.createDocument();
    await drafter.act(doc.id, '送請簽核', 'yeh.yenchih', await drafter.card());
    const back = await chief.act(doc.id, '退回', 'chen.chiming', await chief.card(), { opinion: '請補充說明' });
    expect(back.status).toBe(200);
    // The drafter signs again with the token of step 1, long gone.
    const replay = await drafter.call(
      'POST',
      `/api/documents/${doc.id}/actions`,
      await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card()),
    );
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'STEP_TOKEN_STALE' });
    const view = await drafter.open(doc.id);
    expect(view.flow.map((r) => [r.seq, r.action, r.status])).toEqual([
      [1, '送請簽核', '線上簽核'],
      [2, '退回', '待核示'],
      [3, '退回', '退回待處理'],
    ]);
  });

  it('runs a whole flow: 陳核, 決行 (核決者 recorded), then 發文 closes it', async () => {
    const doc = await drafter.createDocument('年度計畫', '詳如附件。');
    expect((await drafter.act(doc.id, '陳核', 'yeh.yenchih', await drafter.card())).status).toBe(200);
    const early = await chief.act(doc.id, '發文', null, await chief.card());
    expect(early.body).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    expect((await chief.act(doc.id, '決行', 'chen.chiming', await chief.card())).status).toBe(200);
    const done = await drafter.act(doc.id, '發文', null, await drafter.card());
    expect(done.status).toBe(200);
    const view: DocumentView = await drafter.open(doc.id);
    expect(view.status).toBe('已發文');
    expect(view.holderName).toBeNull();
    expect(view.stepToken).toBeNull();
    expect(view.flow[1]).toMatchObject({ action: '決行', approver: '葉彥志' });
    const after = await drafter.call(
      'POST',
      `/api/documents/${doc.id}/actions`,
      await drafter.signedAction({ ...view, stepToken: 'x'.repeat(22) }, '歸檔', null, await drafter.card()),
    );
    expect(after.body).toMatchObject({ code: 'DOCUMENT_CLOSED' });
    expect(secretary.account).toBe('lin.shufen');
  });

  it('lists the inbox newest first, with search by subject or number and a status filter', async () => {
    const a = await drafter.createDocument('機房搬遷計畫');
    const b = await drafter.createDocument('機房空調維護');
    await drafter.act(b.id, '送請簽核', 'yeh.yenchih', await drafter.card());
    const inbox = (await drafter.call('GET', '/api/documents?box=inbox&q=機房')).body;
    expect(inbox.documents.map((d: { id: string }) => d.id)).toEqual([a.id]);
    const involved = (await drafter.call('GET', '/api/documents?box=involved&q=機房')).body;
    expect(involved.documents.map((d: { id: string }) => d.id)).toEqual([b.id, a.id]);
    expect(involved.total).toBe(2);
    const byNumber = (await drafter.call('GET', `/api/documents?box=involved&q=${a.number}`)).body;
    expect(byNumber.documents.map((d: { id: string }) => d.id)).toEqual([a.id]);
    // One document that ends 已決行, so the filter has something to keep and something to leave out.
    const decided = await drafter.createDocument('機房電力改善');
    await drafter.act(decided.id, '陳核', 'yeh.yenchih', await drafter.card());
    expect((await chief.act(decided.id, '決行', 'chen.chiming', await chief.card())).status).toBe(200);
    const approved = (await drafter.call('GET', '/api/documents?box=involved&status=已決行&q=機房')).body;
    expect(approved.documents.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([[decided.id, '已決行']]);
    const page = (await drafter.call('GET', '/api/documents?box=involved&limit=1&offset=2&q=機房')).body;
    expect(page.documents.map((d: { id: string }) => d.id)).toEqual([a.id]);
  });
});
