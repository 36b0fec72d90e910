import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import type { OnBehalfPendingStep, PendingResignStep } from '../../src-shared/common/api/resign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { assertResigned } from '../../src-server/workflow/resign-gate.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { databaseKinds } from '../helpers/databases.js';
import { onBehalfRequest, resignRequest, setUnitHead, tempSignedAndDecided } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 代為補簽 (issue 16): the unit head, or a deputy within their dates, re-signs a temp-signed step
 * whose signer cannot (overdue by the policy, or left), with a reason; the right is checked at that
 * moment; refusals each have their code and change nothing.
 */
describe.each(databaseKinds())('re-signing on behalf (代為補簽) on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let head: Clerk;
  let deputy: Clerk;
  let colleague: Clerk;
  let temp: CmsSigner;
  const id: Record<string, string> = {};

  beforeAll(async () => {
    service = await startTestService(kind);
    for (const account of ['vendor', 'yeh.yenchih', 'wang.meiling', 'chen.chiming'])
      id[account] = (await findUserByAccount(service.ctx.storage.db, account))!.id;
    vendor = await Clerk.login(service, 'vendor');
    head = await Clerk.login(service, 'yeh.yenchih');
    deputy = await Clerk.login(service, 'wang.meiling');
    colleague = await Clerk.login(service, 'chen.chiming');
    temp = await vendor.enableTempCert();
    await service.ctx.storage.write((trx) => trx.updateTable('units').set({ head_user_id: id['yeh.yenchih'] }).where('id', '=', 'ict').execute());
  });
  afterAll(() => service.close());

  const nameDeputy = (starts: Date, ends: Date, rowId = `d-${Math.random()}`) =>
    service.ctx.storage.write((trx) =>
      trx
        .insertInto('deputies')
        .values({
          id: rowId,
          user_id: id.vendor!,
          deputy_user_id: id['wang.meiling']!,
          starts_on: taiwanDay(starts),
          ends_on: taiwanDay(ends),
          named_by_user_id: id.vendor!,
          named_at: new Date().toISOString(),
        })
        .execute(),
    );
  const withdrawDeputies = () => service.ctx.storage.write((trx) => trx.updateTable('deputies').set({ withdrawn_at: new Date().toISOString() }).execute());
  const stepOf = async (documentId: string) =>
    service.ctx.storage.db
      .selectFrom('steps')
      .select(['id', 'resigned_at', 'resign_kind', 'resign_user_id', 'resign_right', 'resign_reason', 'countersignature'])
      .where('document_id', '=', documentId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
  /** A document the vendor sent with the temp cert, decided by the head: waiting for 歸檔 / 發文. */
  const decidedDocument = async (subject: string) => {
    const doc = await vendor.createDocument(subject);
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    expect((await head.act(doc.id, '決行', 'vendor', await head.card())).status).toBe(200);
    return doc;
  };
  /** Eight days on: a step sent today is overdue (the default policy: 7 days); sessions have expired, so all log in again. */
  const eightDaysLater = async () => {
    service.clock.offsetMs = 8 * DAY_MS;
    for (const clerk of [vendor, head, deputy, colleague]) clerk.token = (await Clerk.login(service, clerk.account)).token;
  };
  const listedFor = async (clerk: Clerk, documentId: string) =>
    (await clerk.call<{ steps: OnBehalfPendingStep[] }>('GET', '/api/resign/on-behalf/pending')).body.steps.filter((s) => s.documentId === documentId);

  it('the unit head re-signs an overdue step with a reason; the flow, the row and the audit log say who, for whom, why', async () => {
    const doc = await decidedDocument('逾期待補簽');
    // Not yet overdue: not on the head's list.
    expect(await listedFor(head, doc.id)).toEqual([]);
    await eightDaysLater();
    try {
      const listed = await listedFor(head, doc.id);
      expect(listed).toMatchObject([{ holderAccount: 'vendor', holderName: '公文系統廠商', right: 'unit-head', due: 'overdue', seq: 1 }]);
      expect(await listedFor(colleague, doc.id)).toEqual([]);
      const request = await onBehalfRequest(listed, await head.card(), '承辦人出國進修', '承辦人長期出國，無法以憑證卡補簽');
      const r = await head.call('POST', '/api/resign/on-behalf', request);
      expect(r.status).toBe(200);
      expect(r.body.results).toEqual([{ stepId: listed[0]!.stepId, outcome: 'resigned' }]);
      expect(await stepOf(doc.id)).toMatchObject({
        resign_kind: 'on-behalf',
        resign_user_id: id['yeh.yenchih'],
        resign_right: 'unit-head',
        resign_reason: '承辦人長期出國，無法以憑證卡補簽',
      });
      // The same upload again answers as the first did and changes nothing.
      const again = await head.call('POST', '/api/resign/on-behalf', request);
      expect(again.body.results).toEqual([{ stepId: listed[0]!.stepId, outcome: 'already-resigned' }]);
      await service.ctx.storage.sealAudit();
      const audit = await service.ctx.storage.db
        .selectFrom('audit_log')
        .select(['actor', 'detail'])
        .where('action', '=', 'step.resign-on-behalf')
        .where('subject', '=', doc.number)
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor).toBe('yeh.yenchih');
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ seq: 1, signer: 'vendor', right: 'unit-head', reason: '承辦人長期出國，無法以憑證卡補簽' });
      const row = (await vendor.open(doc.id)).flow[0]!;
      expect(row).toMatchObject({ resignKind: 'on-behalf', resignedBy: '葉彥志', resignRight: 'unit-head', resignReason: '承辦人長期出國，無法以憑證卡補簽' });
      // The vendor's own list no longer has it, and the gate lets 歸檔 through.
      expect((await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.map((s) => s.documentId)).not.toContain(doc.id);
      expect((await vendor.act(doc.id, '歸檔', null, await vendor.card())).status).toBe(200);
    } finally {
      service.clock.offsetMs = 0;
    }
  });

  it('a deputy within their dates re-signs for a signer who has left, before any step is overdue', async () => {
    const doc = await decidedDocument('離職待補簽');
    await nameDeputy(new Date(Date.now() - DAY_MS), new Date(Date.now() + DAY_MS));
    await service.ctx.storage.write((trx) =>
      trx
        .updateTable('users')
        .set({ separated_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id.vendor!)
        .execute(),
    );
    try {
      const listed = await listedFor(deputy, doc.id);
      expect(listed).toMatchObject([{ holderAccount: 'vendor', right: 'deputy', due: 'separated' }]);
      const r = await deputy.call('POST', '/api/resign/on-behalf', await onBehalfRequest(listed, await deputy.card(), '代理補簽', '承辦人已離職'));
      expect(r.body.results).toEqual([{ stepId: listed[0]!.stepId, outcome: 'resigned' }]);
      expect(await stepOf(doc.id)).toMatchObject({
        resign_kind: 'on-behalf',
        resign_user_id: id['wang.meiling'],
        resign_right: 'deputy',
        resign_reason: '承辦人已離職',
      });
    } finally {
      await service.ctx.storage.write((trx) => trx.updateTable('users').set({ separated_at: null }).where('id', '=', id.vendor!).execute());
      await withdrawDeputies();
    }
  });

  it('refuses someone with no right, a deputy outside the dates, a step not yet due, one already re-signed and a missing reason; nothing changes', async () => {
    const doc = await decidedDocument('拒絕代為補簽');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    const target = { ...step!, holderAccount: 'vendor' };
    const refused = async (clerk: Clerk, request: object, code: string) => {
      const r = await clerk.call('POST', '/api/resign/on-behalf', request);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body.code).toBe(code);
      expect((await stepOf(doc.id)).resigned_at).toBeNull();
    };
    // Not yet overdue, and the vendor is still here: the head may not yet.
    await refused(head, await onBehalfRequest([target], await head.card(), 'n', '原因'), 'ON_BEHALF_NOT_DUE');
    await eightDaysLater();
    try {
      await refused(colleague, await onBehalfRequest([target], await colleague.card(), 'n', '原因'), 'ON_BEHALF_NO_RIGHT');
      // Named deputy for days that ended before (the service's) today.
      await nameDeputy(new Date(Date.now() - 3 * DAY_MS), new Date(Date.now() + 2 * DAY_MS));
      await refused(deputy, await onBehalfRequest([target], await deputy.card(), 'n', '原因'), 'ON_BEHALF_OUTSIDE_DATES');
      await withdrawDeputies();
      await refused(head, await onBehalfRequest([target], await head.card(), 'n', '  '), 'RESIGN_REASON_REQUIRED');
      // The card signed another reason, or names another signer, than the request says.
      await refused(head, await onBehalfRequest([target], await head.card(), 'n', '原因', { reason: '別的原因' }), 'COUNTERSIGNATURE_INVALID');
      await refused(head, await onBehalfRequest([target], await head.card(), 'n', '原因', { signerAccount: 'chen.chiming' }), 'COUNTERSIGNATURE_INVALID');
      // Another person's card: the card must be the re-signer's own.
      await refused(head, await onBehalfRequest([target], await deputy.card(), 'n', '原因'), 'SIGNER_NOT_USER');
      // An on-behalf countersignature sent as one's own re-sign.
      const own = await onBehalfRequest([target], await vendor.card(), 'n', '原因');
      const { reason: _reason, ...asOwn } = own;
      expect((await vendor.call('POST', '/api/resign', asOwn)).body.code).toBe('COUNTERSIGNATURE_INVALID');
      // The vendor re-signs it themself; the head then comes too late.
      expect((await vendor.call('POST', '/api/resign', await resignRequest([step!], await vendor.card(), '本人補簽'))).body.results[0].outcome).toBe(
        'resigned',
      );
      const late = await head.call('POST', '/api/resign/on-behalf', await onBehalfRequest([target], await head.card(), 'n', '原因'));
      expect(late.body.code).toBe('RESIGN_ALREADY_DONE');
      expect(await stepOf(doc.id)).toMatchObject({ resign_kind: 'self', resign_user_id: id.vendor, resign_right: null, resign_reason: null });
    } finally {
      service.clock.offsetMs = 0;
    }
  });

  it('the gate under archive: 歸檔 is refused with a sentence naming the step and who may re-sign it; 發文 is not held', async () => {
    await nameDeputy(new Date(Date.now() - DAY_MS), new Date(Date.now() + DAY_MS));
    try {
      const doc = await decidedDocument('歸檔關卡');
      const refused = await vendor.act(doc.id, '歸檔', null, await vendor.card());
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'RESIGN_REQUIRED',
        detail: '第 1 關 公文系統廠商：待補簽（由本人補簽，逾期後可由 葉彥志（主管）、王美玲（代理人） 代為補簽）',
      });
      const dispatched = await decidedDocument('發文不待補簽');
      expect((await vendor.act(dispatched.id, '發文', null, await vendor.card())).status).toBe(200);
    } finally {
      await withdrawDeputies();
    }
  });
});

describe.each(databaseKinds())('the gate under dispatch on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let head: Clerk;
  let temp: CmsSigner;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { policy: AgencyPolicy.parse({ resign: { due: 'dispatch', onBehalfBy: 'unit-head' } }) } });
    vendor = await Clerk.login(service, 'vendor');
    head = await Clerk.login(service, 'yeh.yenchih');
    temp = await vendor.enableTempCert();
    await setUnitHead(service, 'yeh.yenchih');
  });
  afterAll(() => service.close());

  const decided = (subject: string) => tempSignedAndDecided(vendor, head, temp, subject);

  it('refuses 發文, and 歸檔 of a 存查 case, until the step is re-signed; the sentence names who may', async () => {
    const dispatch = await decided('待發文');
    const filed = await decided('存查');
    const expected = '第 1 關 公文系統廠商：待補簽（由本人補簽，逾期後可由 葉彥志（主管） 代為補簽）';
    for (const [doc, action] of [
      [dispatch, '發文'],
      [filed, '歸檔'],
    ] as const) {
      const r = await vendor.act(doc.id, action, null, await vendor.card());
      expect(r.body).toMatchObject({ code: 'RESIGN_REQUIRED', detail: expected });
    }
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    await vendor.call('POST', '/api/resign', await resignRequest(pending, await vendor.card(), '發文前補簽'));
    expect((await vendor.act(dispatch.id, '發文', null, await vendor.card())).status).toBe(200);
    expect((await vendor.act(filed.id, '歸檔', null, await vendor.card())).status).toBe(200);
  });

  it('names a signer who has left, and says when nobody may re-sign for them', async () => {
    const doc = await decided('離職');
    const vendorId = (await findUserByAccount(service.ctx.storage.db, 'vendor'))!.id;
    await service.ctx.storage.write((trx) =>
      trx
        .updateTable('users')
        .set({ separated_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', vendorId)
        .execute(),
    );
    try {
      // Someone who left can no longer send (USER_SEPARATED), so the gate is asked directly for the 發文 they held.
      const gate = () => assertResigned(service.ctx.storage.db, service.ctx.policy, doc.id, service.ctx.now());
      await expect(gate()).rejects.toMatchObject({ code: 'RESIGN_REQUIRED', detail: '第 1 關 公文系統廠商：待補簽（已離職，可由 葉彥志（主管） 代為補簽）' });
      expect((await vendor.call('GET', `/api/documents/${doc.id}`)).body.code).toBe('USER_SEPARATED');
      await service.ctx.storage.write((trx) => trx.updateTable('units').set({ head_user_id: null }).where('id', '=', 'ict').execute());
      await expect(gate()).rejects.toMatchObject({
        detail: '第 1 關 公文系統廠商：待補簽（已離職，目前無人可代為補簽，請指定職務代理人或單位主管）',
      });
    } finally {
      await service.ctx.storage.write((trx) => trx.updateTable('users').set({ separated_at: null }).where('id', '=', vendorId).execute());
    }
  });
});
