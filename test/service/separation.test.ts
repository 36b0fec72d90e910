import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Separation } from '../../src-shared/common/api/organisation.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { onBehalfRight } from '../../src-server/organisation/on-behalf-right.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { databaseKinds } from '../helpers/databases.js';
import { evidenceFolder, opensslCrlText, opensslVerifyEvidenceStep } from '../helpers/openssl-print.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

/**
 * 離職: an administrator's act ends the person's sessions, revokes every temp certificate of theirs
 * (the CRL lists them at once), refuses their logins and sends with USER_SEPARATED, and makes their
 * pending 補簽 due on their behalf at once. Nothing they signed changes; their evidence verifies.
 */
describe.each(databaseKinds())('separation on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let chief: Clerk;
  let admin: Clerk;
  let temp: CmsSigner;
  let documentId: string;
  let sendBody: unknown;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { administrators: ['lin.shufen'] } });
    await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    vendor = await Clerk.login(service, 'vendor');
    chief = await Clerk.login(service, 'yeh.yenchih');
    admin = await Clerk.login(service, 'lin.shufen');
    temp = await vendor.enableTempCert();
    // One step sent with the temp cert, one with the card, and a draft signed but not yet sent.
    const doc = await vendor.createDocument('離職前送出的公文', '內容');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    expect((await chief.act(doc.id, '決行', 'vendor', await chief.card())).status).toBe(200);
    documentId = doc.id;
    const draft = await vendor.open((await vendor.createDocument('離職後才送的公文', '內容')).id);
    sendBody = { id: draft.id, body: await vendor.signedAction(draft, '送請簽核', 'yeh.yenchih', await vendor.card()) };
  });
  afterAll(() => service.close());

  it('is for administrators only, and refuses a day after today', async () => {
    expect((await chief.call('POST', '/api/admin/users/vendor/separation', {})).body.code).toBe('ADMINISTRATOR_REQUIRED');
    expect((await admin.call('POST', '/api/admin/users/vendor/separation', { on: '2999-01-01' })).body.code).toBe('SEPARATION_DATE_INVALID');
    expect((await admin.call('POST', '/api/admin/users/nobody/separation', {})).body.code).toBe('USER_UNKNOWN');
    expect((await vendor.call('GET', '/api/me')).status).toBe(200); // nothing happened yet
  });

  it('ends sessions, revokes temp certs into the CRL, refuses logins and sends; what they signed still verifies', async () => {
    const { db } = service.ctx.storage;
    const vendorId = (await findUserByAccount(db, 'vendor'))!.id;
    const stepsBefore = await db.selectFrom('steps').selectAll().where('holder_user_id', '=', vendorId).orderBy('id').execute();
    const serial = new X509Certificate(temp.certificate).serialNumber.toLowerCase().replace(/^0+/, '');

    const done = await admin.call<Separation>('POST', '/api/admin/users/vendor/separation', {});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ account: 'vendor', sessionsEnded: 1, tempCertsRevoked: 1, pendingResign: 1, headOf: [] });
    expect((await findUserByAccount(db, 'vendor'))!.separated_at).toBe(done.body.separatedAt);

    // Sessions ended, and the person is told why: a request, a send, a login.
    expect(await db.selectFrom('sessions').select('ended_at').where('user_id', '=', vendorId).where('ended_at', 'is', null).execute()).toEqual([]);
    const me = await vendor.call('GET', '/api/me');
    expect([me.status, me.body.code]).toEqual([403, 'USER_SEPARATED']);
    const { id, body } = sendBody as { id: string; body: unknown };
    const send = await vendor.call('POST', `/api/documents/${id}/actions`, body);
    expect([send.status, send.body.code]).toEqual([403, 'USER_SEPARATED']);
    const login = await call(service, { method: 'POST', url: '/api/session', payload: { account: 'vendor', password: 'gongwen-demo' } });
    expect([login.status, login.body.code]).toEqual([403, 'USER_SEPARATED']);
    const guess = await call(service, { method: 'POST', url: '/api/session', payload: { account: 'vendor', password: 'wrong-password-1' } });
    expect(guess.body.code).toBe('LOGIN_FAILED'); // a guesser is not told who left

    // The CRL lists the temp certificate at once.
    const crl = await call(service, { method: 'GET', url: '/api/temp-ca/crl' });
    const text = await opensslCrlText(crl.raw);
    expect(text.toLowerCase().replace(/:/g, '')).toContain(serial);

    // Nothing they signed changed, and the evidence verifies (openssl and the project's verifier).
    expect(await db.selectFrom('steps').selectAll().where('holder_user_id', '=', vendorId).orderBy('id').execute()).toEqual(stepsBefore);
    const evidenceDir = await evidenceFolder(service.ctx, documentId);
    opensslVerifyEvidenceStep(evidenceDir, 1);
    verifyStepSignature(readFileSync(join(evidenceDir, 'step-1.p7s')), readFileSync(join(evidenceDir, 'step-1.payload')));

    // Their pending 補簽 is due on their behalf at once: the unit head may act now.
    const chiefId = (await findUserByAccount(db, 'yeh.yenchih'))!.id;
    expect(await onBehalfRight(db, service.ctx.policy.resign, chiefId, vendorId, service.ctx.now())).toBe('unit-head');
    await service.ctx.storage.sealAudit();
    const audit = await db.selectFrom('audit_log').select(['actor', 'subject', 'detail']).where('action', '=', 'user.separate').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'lin.shufen', subject: 'vendor' });
  });

  it('is recorded once', async () => {
    expect((await admin.call('POST', '/api/admin/users/vendor/separation', {})).body.code).toBe('USER_ALREADY_SEPARATED');
  });

  it('records a day already past from its start in Taiwan, and tells which units lose their head', async () => {
    const done = await admin.call<Separation>('POST', '/api/admin/users/yeh.yenchih/separation', { on: '2026-01-05' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ separatedAt: '2026-01-04T16:00:00.000Z', headOf: ['ict'] });
    expect((await chief.call('GET', '/api/me')).body.code).toBe('USER_SEPARATED');
  });
});
