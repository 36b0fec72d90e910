import { X509Certificate, randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { currentRocYear } from '../../src-shared/common/document-number.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';
import { onBehalfRequest, resignRequest } from '../helpers/resign.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';
import { refusalFailures } from '../helpers/refusal-cases.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';

/** Each case: a request made after `prepare`, the status and code it must get, and no change. */
interface Case {
  name: string;
  expect: [number, string];
  request: () => Promise<InjectOptions & { as?: Clerk }>;
}

const ODD_TEXT: [string, string][] = [
  ['a right-to-left override', '公文\u202Etxt.exe'],
  ['a NUL', '公文\u0000'],
  ['an unpaired surrogate', 'abc\uD800def'],
  ['a bell character', 'ding\u0007'],
];

describe.each(databaseKinds())('bad and hostile input on %s: a stable 4xx code, and nothing changes', (kind) => {
  let service: TestService;
  let drafter: Clerk;
  let chief: Clerk;
  let vendor: Clerk;
  let doc: DocumentView;
  let vendorDoc: DocumentView;
  let temp: CmsSigner;
  let revokedTemp: CmsSigner;
  let pending: PendingResignStep[];
  const cases: Case[] = [];
  const auth = (clerk: Clerk) => ({ authorization: `Bearer ${clerk.token}` });
  /** A case's request: `clerk` POSTs `payload` to `url`. */
  const post =
    (clerk: Clerk, url: string, payload: unknown): Case['request'] =>
    async () => ({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers: auth(clerk) });
  const action = (clerk: Clerk, d: DocumentView, body: unknown): InjectOptions => ({
    method: 'POST',
    url: `/api/documents/${d.id}/actions`,
    payload: body as InjectOptions['payload'],
    headers: auth(clerk),
  });

  beforeAll(async () => {
    service = await startTestService(kind, { config: { administrators: ['lin.shufen'] } });
    drafter = await Clerk.login(service, 'chen.chiming');
    chief = await Clerk.login(service, 'yeh.yenchih');
    vendor = await Clerk.login(service, 'vendor');
    const huang = await Clerk.login(service, 'huang.kuowei');
    revokedTemp = await huang.enableTempCert();
    await huang.call('POST', '/api/temp-cert/disable');
    temp = await vendor.enableTempCert();
    doc = await drafter.open((await drafter.createDocument('正常公文', '內容')).id);
    const thisYear = currentRocYear(service.ctx.now());
    const imported = (await drafter.call('POST', '/api/documents', { number: `${thisYear}9999999`, subject: '匯入的紙本公文', body: '' })).body as DocumentView;
    // A temp-signed step of the vendor's, waiting for 補簽, and one step of the chief's.
    const v1 = await vendor.createDocument();
    await vendor.act(v1.id, '送請簽核', 'yeh.yenchih', temp);
    const v2 = await vendor.createDocument();
    await vendor.act(v2.id, '送請簽核', 'yeh.yenchih', temp);
    pending = (await vendor.call('GET', '/api/resign/pending')).body.steps;
    // The chief heads the vendor's unit (issue 16's cases).
    const chiefUser = await service.ctx.storage.db.selectFrom('users').select('id').where('account', '=', 'yeh.yenchih').executeTakeFirstOrThrow();
    await service.ctx.storage.write((trx) => trx.updateTable('units').set({ head_user_id: chiefUser.id }).where('id', '=', 'ict').execute());
    vendorDoc = await vendor.open((await vendor.createDocument()).id);
    // An old step token: the document moved on since.
    const moved = await drafter.createDocument();
    const old = await drafter.open(moved.id);
    await drafter.act(moved.id, '送請簽核', 'yeh.yenchih', await drafter.card());
    // huang's card is trusted but no longer registered to him.
    const huangUser = await service.ctx.storage.db.selectFrom('users').select('id').where('account', '=', 'huang.kuowei').executeTakeFirstOrThrow();
    await service.ctx.storage.db.deleteFrom('card_certificates').where('user_id', '=', huangUser.id).execute();
    const huangDoc = await huang.open((await huang.createDocument()).id);

    const drafterCard = await drafter.card();
    const sign =
      (clerk: Clerk, d: DocumentView, signer: CmsSigner, extra: Record<string, unknown> = {}) =>
      async () => ({ ...action(clerk, d, { ...(await clerk.signedAction(d, '送請簽核', 'yeh.yenchih', signer)), ...extra }) });
    const create =
      (payload: unknown, clerk = drafter) =>
      async () => ({ method: 'POST' as const, url: '/api/documents', payload: payload as InjectOptions['payload'], headers: auth(clerk) });

    cases.push(
      {
        name: 'malformed JSON',
        expect: [400, 'MALFORMED_REQUEST'],
        request: async () => ({
          method: 'POST',
          url: '/api/documents',
          payload: '{"subject": "x",',
          headers: { ...auth(drafter), 'content-type': 'application/json' },
        }),
      },
      { name: 'a JSON array instead of an object', expect: [400, 'VALIDATION_FAILED'], request: create([1, 2]) },
      { name: 'wrong types', expect: [400, 'VALIDATION_FAILED'], request: create({ subject: 42, body: true }) },
      { name: 'an unknown field', expect: [400, 'VALIDATION_FAILED'], request: create({ subject: 'x', body: 'y', holder: 'someone' }) },
      { name: 'an empty subject', expect: [400, 'VALIDATION_FAILED'], request: create({ subject: '', body: 'y' }) },
      { name: 'a subject of 10,000 characters', expect: [400, 'VALIDATION_FAILED'], request: create({ subject: '長'.repeat(10_000), body: 'y' }) },
      { name: 'a body over 16 MB', expect: [413, 'PAYLOAD_TOO_LARGE'], request: create({ subject: 'x', body: 'a'.repeat(17 * 1024 * 1024) }) },
      {
        name: 'bad base64 in an attachment',
        expect: [400, 'VALIDATION_FAILED'],
        request: create({ subject: 'x', body: 'y', attachments: [{ name: 'a.pdf', contentBase64: 'not base64!' }] }),
      },
      {
        name: 'an attachment name that is a path',
        expect: [400, 'VALIDATION_FAILED'],
        request: create({ subject: 'x', body: 'y', attachments: [{ name: '../../etc/passwd', contentBase64: 'AAAA' }] }),
      },
      { name: 'a malformed document number', expect: [400, 'VALIDATION_FAILED'], request: create({ number: "1' OR '1'='1", subject: 'x', body: 'y' }) },
      { name: 'a document number already used', expect: [409, 'DOCUMENT_NUMBER_TAKEN'], request: create({ number: imported.number, subject: 'x', body: 'y' }) },
      {
        name: 'a chosen number the counter gives (this year, below the import range)',
        expect: [400, 'DOCUMENT_NUMBER_INVALID'],
        request: create({ number: `${thisYear}0000001`, subject: 'x', body: 'y' }),
      },
      {
        name: 'the last number of this year’s automatic range',
        expect: [400, 'DOCUMENT_NUMBER_INVALID'],
        request: create({ number: `${thisYear}8999999`, subject: 'x', body: 'y' }),
      },
      {
        name: 'a number of a future year',
        expect: [400, 'DOCUMENT_NUMBER_INVALID'],
        request: create({ number: `${thisYear + 1}9999999`, subject: 'x', body: 'y' }),
      },
      { name: 'an automatic number already given', expect: [400, 'DOCUMENT_NUMBER_INVALID'], request: create({ number: doc.number, subject: 'x', body: 'y' }) },
      ...ODD_TEXT.map(([what, text]): Case => ({
        name: `${what} in a subject`,
        expect: [400, 'VALIDATION_FAILED'],
        request: create({ subject: text, body: 'y' }),
      })),
      ...ODD_TEXT.map(([what, text]): Case => ({
        name: `${what} in an opinion`,
        expect: [400, 'VALIDATION_FAILED'],
        request: sign(drafter, doc, drafterCard, { opinion: text }),
      })),
      ...ODD_TEXT.map(([what, text]): Case => ({
        name: `${what} in an application reason`,
        expect: [400, 'VALIDATION_FAILED'],
        request: post(drafter, '/api/temp-cert/application', { password: 'long-enough-1', reason: text, loginPassword: 'gongwen-demo' }),
      })),
      ...ODD_TEXT.map(([what, text]): Case => ({
        name: `${what} in a re-sign note`,
        expect: [400, 'VALIDATION_FAILED'],
        request: post(vendor, '/api/resign', { note: text, certificates: ['AAAA'], items: [{ stepId: pending[0]!.stepId, countersignature: 'AAAA' }] }),
      })),
      {
        name: 'SQL in a login account',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'POST', url: '/api/session', payload: { account: "admin'--", password: 'x' } }),
      },
      { name: 'no session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ method: 'GET', url: '/api/documents' }) },
      {
        name: 'a forged session token',
        expect: [401, 'UNAUTHENTICATED'],
        request: async () => ({ method: 'GET', url: '/api/documents', headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` } }),
      },
      {
        name: 'an unknown document',
        expect: [404, 'DOCUMENT_NOT_FOUND'],
        request: async () => ({ method: 'GET', url: '/api/documents/00000000-0000-4000-8000-000000000000', headers: auth(drafter) }),
      },
      {
        name: 'a document id that is a path',
        expect: [404, 'DOCUMENT_NOT_FOUND'],
        request: async () => ({ method: 'GET', url: '/api/documents/..%2F..%2Fetc', headers: auth(drafter) }),
      },
      {
        name: 'another person’s document',
        expect: [404, 'DOCUMENT_NOT_FOUND'],
        request: async () => ({ method: 'GET', url: `/api/documents/${vendorDoc.id}`, headers: auth(drafter) }),
      },
      {
        name: 'broken percent-encoding in a path (not echoed)',
        expect: [400, 'MALFORMED_REQUEST'],
        request: async () => ({ method: 'GET', url: '/api/documents/%E0%A4%zz', headers: auth(drafter) }),
      },
      { name: 'an unknown route', expect: [404, 'NOT_FOUND'], request: async () => ({ method: 'GET', url: '/api/../../etc/passwd' }) },
      {
        name: 'a signature that is not base64',
        expect: [400, 'SIGNATURE_MALFORMED'],
        request: sign(drafter, doc, await drafter.card(), { signature: '%%%%' }),
      },
      {
        name: 'bytes that are not CMS',
        expect: [400, 'SIGNATURE_MALFORMED'],
        request: sign(drafter, doc, await drafter.card(), { signature: Buffer.from('PDF-1.7 not a signature').toString('base64') }),
      },
      {
        name: 'truncated CMS',
        expect: [400, 'SIGNATURE_MALFORMED'],
        request: async () => {
          const b = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card());
          return action(drafter, doc, { ...b, signature: Buffer.from(b.signature, 'base64').subarray(0, 200).toString('base64') });
        },
      },
      {
        name: 'a signature over other bytes',
        expect: [400, 'SIGNATURE_PAYLOAD_MISMATCH'],
        request: async () => {
          const b = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card(), { opinion: '簽的是這句' });
          return action(drafter, doc, { ...b, opinion: '送的是另一句' });
        },
      },
      {
        name: 'a signature for another recipient',
        expect: [400, 'SIGNATURE_PAYLOAD_MISMATCH'],
        request: async () => {
          const b = await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card());
          return action(drafter, doc, { ...b, recipient: 'lin.shufen' });
        },
      },
      { name: 'a signer who is not the user', expect: [403, 'SIGNER_NOT_USER'], request: sign(drafter, doc, await chief.card()) },
      { name: 'another user’s temp certificate', expect: [403, 'SIGNER_NOT_USER'], request: sign(drafter, doc, temp) },
      { name: 'a revoked temp certificate', expect: [400, 'CERT_REVOKED'], request: sign(huang, huangDoc, revokedTemp) },
      { name: 'a card certificate not registered', expect: [400, 'CERT_NOT_REGISTERED'], request: sign(huang, huangDoc, await huang.card()) },
      {
        name: 'a signing time far in the future',
        expect: [400, 'SIGNING_TIME_INVALID'],
        request: async () =>
          action(
            drafter,
            doc,
            await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card(), { signingTime: new Date(Date.now() + 3 * 24 * 3600 * 1000) }),
          ),
      },
      {
        // Milliseconds are accepted (compared with signing-time to the second, issue 15); a time ahead is not.
        name: 'a signing time with milliseconds, an hour ahead of the service',
        expect: [400, 'SIGNING_TIME_INVALID'],
        request: sign(drafter, doc, await drafter.card(), { signingTime: new Date(Date.now() + 3_600_000).toISOString() }),
      },
      { name: 'a replayed step token', expect: [409, 'STEP_TOKEN_STALE'], request: sign(drafter, old, await drafter.card()) },
      {
        name: 'an unknown recipient',
        expect: [400, 'RECIPIENT_UNKNOWN'],
        request: async () => action(drafter, doc, await drafter.signedAction(doc, '送請簽核', 'nobody', await drafter.card())),
      },
      {
        name: 'no recipient',
        expect: [400, 'RECIPIENT_REQUIRED'],
        request: async () => action(drafter, doc, await drafter.signedAction(doc, '送請簽核', null, await drafter.card())),
      },
      {
        name: 'sending to oneself',
        expect: [409, 'ACTION_NOT_ALLOWED'],
        request: async () => action(drafter, doc, await drafter.signedAction(doc, '送請簽核', 'chen.chiming', await drafter.card())),
      },
      {
        name: 'archiving before 決行',
        expect: [409, 'ACTION_NOT_ALLOWED'],
        request: async () => action(drafter, doc, await drafter.signedAction(doc, '歸檔', null, await drafter.card())),
      },
      {
        name: 'an action that does not exist',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () =>
          action(drafter, doc, { ...(await drafter.signedAction(doc, '送請簽核', 'yeh.yenchih', await drafter.card())), action: 'DROP TABLE steps' }),
      },
      {
        name: 're-signing another user’s step',
        expect: [404, 'RESIGN_STEP_UNKNOWN'],
        request: async () => ({
          method: 'POST',
          url: '/api/resign',
          payload: await resignRequest([pending[0]!], await chief.card(), 'n'),
          headers: auth(chief),
        }),
      },
      {
        name: 'a countersignature over another step',
        expect: [400, 'COUNTERSIGNATURE_INVALID'],
        request: async () => ({
          method: 'POST',
          url: '/api/resign',
          payload: await resignRequest([{ stepId: pending[1]!.stepId, signatureValue: pending[0]!.signatureValue }], await vendor.card(), 'n'),
          headers: auth(vendor),
        }),
      },
      {
        name: 'a countersignature that is not a SignerInfo',
        expect: [400, 'SIGNATURE_MALFORMED'],
        request: async () => ({
          method: 'POST',
          url: '/api/resign',
          payload: {
            ...(await resignRequest([pending[0]!], await vendor.card(), 'n')),
            items: [{ stepId: pending[0]!.stepId, countersignature: pending[0]!.signatureValue }],
          },
          headers: auth(vendor),
        }),
      },
      {
        name: 'a countersignature without its certificate',
        expect: [400, 'CERT_UNKNOWN'],
        request: async () => ({
          method: 'POST',
          url: '/api/resign',
          payload: {
            ...(await resignRequest([pending[0]!], await vendor.card(), 'n')),
            certificates: [Buffer.from((await chief.card()).certificate).toString('base64')],
          },
          headers: auth(vendor),
        }),
      },
      {
        name: 'a CSR that is not one',
        expect: [400, 'CSR_INVALID'],
        request: post(vendor, '/api/temp-cert/enable', {
          password: 'temp-pass-1234',
          pcLabel: 'PC',
          csr: Buffer.from('hello').toString('base64'),
          loginPassword: 'gongwen-demo',
        }),
      },
      {
        name: 'enabling without applying',
        expect: [409, 'TEMP_CERT_NOT_APPLIED'],
        request: post(drafter, '/api/temp-cert/enable', { password: 'x', pcLabel: 'PC', csr: 'AAAA', loginPassword: 'gongwen-demo' }),
      },
      {
        name: 'an end date for the temp cert when the agency sets no period',
        expect: [400, 'TEMP_CERT_PERIOD_INVALID'],
        request: post(drafter, '/api/temp-cert/application', {
          password: 'long-enough-1',
          reason: '出差',
          loginPassword: 'gongwen-demo',
          periodEnd: '2099-01-01T00:00:00Z',
        }),
      },
      {
        name: 'an end date that is not a date',
        expect: [400, 'VALIDATION_FAILED'],
        request: post(drafter, '/api/temp-cert/application', {
          password: 'long-enough-1',
          reason: '出差',
          loginPassword: 'gongwen-demo',
          periodEnd: '114/12/31',
        }),
      },
      {
        name: "renewing someone else's revoked temp certificate",
        expect: [409, 'TEMP_CERT_RENEWAL_REFUSED'],
        request: post(vendor, '/api/temp-cert/renew', {
          password: 'temp-pass-1234',
          serial: new X509Certificate(revokedTemp.certificate).serialNumber.toLowerCase(),
          csr: 'AAAA',
        }),
      },
      {
        name: 'renewing without an application',
        expect: [409, 'TEMP_CERT_NOT_APPLIED'],
        request: post(drafter, '/api/temp-cert/renew', {
          password: 'temp-pass-1234',
          serial: new X509Certificate(temp.certificate).serialNumber.toLowerCase(),
          csr: 'AAAA',
        }),
      },
      {
        name: 'a renewal serial that is not hex',
        expect: [400, 'VALIDATION_FAILED'],
        request: post(vendor, '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: "1' OR '1'='1", csr: 'AAAA' }),
      },
      {
        name: 'approving an application without heading the unit',
        expect: [403, 'NOT_UNIT_HEAD'],
        request: post(drafter, '/api/temp-cert/approvals', { account: 'vendor', approve: true, comment: '' }), // 陳志明 works beside the vendor in ict; 葉彥志 heads it
      },
      {
        name: 'approving an unknown account',
        expect: [403, 'NOT_UNIT_HEAD'],
        request: post(chief, '/api/temp-cert/approvals', { account: 'nobody', approve: true, comment: '' }),
      },
      {
        name: 'a decision that is not a yes or no',
        expect: [400, 'VALIDATION_FAILED'],
        request: post(chief, '/api/temp-cert/approvals', { account: 'vendor', approve: 'yes', comment: '' }),
      },
      {
        name: 'a decision comment over 500 characters',
        expect: [400, 'VALIDATION_FAILED'],
        request: post(chief, '/api/temp-cert/approvals', { account: 'vendor', approve: false, comment: '不'.repeat(501) }),
      },
      {
        name: 'the approval list without a session',
        expect: [401, 'UNAUTHENTICATED'],
        request: async () => ({ method: 'GET', url: '/api/temp-cert/approvals' }),
      },
      {
        name: 'disabling without applying',
        expect: [409, 'TEMP_CERT_NOT_APPLIED'],
        request: async () => ({ method: 'POST', url: '/api/temp-cert/disable', headers: auth(drafter) }),
      },
      {
        name: 'a card login with a challenge that is not one',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({
          method: 'POST',
          url: '/api/session/card',
          payload: { account: 'chen.chiming', challenge: "' OR 1=1 --", signedAt: new Date().toISOString(), certificate: 'AAAA', signature: 'AAAA' },
        }),
      },
      {
        name: 'registering a card for another account',
        expect: [400, 'VALIDATION_FAILED'],
        request: post(drafter, '/api/cards', {
          account: 'yeh.yenchih',
          challenge: 'A'.repeat(43),
          signedAt: new Date().toISOString(),
          certificate: 'AAAA',
          signature: 'AAAA',
        }),
      },
      {
        name: 'retiring a card that is not the clerk’s',
        expect: [404, 'CARD_UNKNOWN'],
        request: async () => ({ method: 'POST', url: `/api/cards/${'0'.repeat(64)}/retire`, headers: auth(drafter) }),
      },
      {
        name: 'a query with a huge limit',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'GET', url: '/api/documents?limit=99999999', headers: auth(drafter) }),
      },
      // 代為補簽 and 紙本補簽 (issue 16): the chief heads the vendor's unit; the vendor is here and in time.
      ...onBehalfCases(),
    );

    // Issue 16's organisation: deputies, separation, reminders, the monthly figures.
    await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    const admin = await Clerk.login(service, 'lin.shufen');
    const day = (offset: number) => taiwanDay(service.ctx.now().getTime() + offset * 86_400_000);
    const vendorsDeputy = (
      await vendor.call('POST', '/api/deputies', { deputy: 'wang.meiling', startsOn: day(0), endsOn: day(3), loginPassword: 'gongwen-demo' })
    ).body as { id: string };
    const nameDeputy =
      (body: unknown, clerk = drafter) =>
      async () => ({ method: 'POST' as const, url: '/api/deputies', payload: body as InjectOptions['payload'], headers: auth(clerk) });
    const separate =
      (account: string, body: unknown, clerk = admin) =>
      async () => ({ method: 'POST' as const, url: `/api/admin/users/${account}/separation`, payload: body as InjectOptions['payload'], headers: auth(clerk) });
    const figures =
      (unit: string, query: string, clerk = chief) =>
      async () => ({ method: 'GET' as const, url: `/api/units/${unit}/figures?${query}`, headers: auth(clerk) });
    const valid = { deputy: 'wang.meiling', startsOn: day(0), endsOn: day(1), loginPassword: 'gongwen-demo' };
    cases.push(
      { name: 'reminders without a session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ method: 'GET', url: '/api/reminders' }) },
      { name: 'deputies without a session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ method: 'POST', url: '/api/deputies', payload: valid }) },
      {
        name: 'a deputy named with a wrong login password',
        expect: [403, 'DEPUTY_REAUTH_FAILED'],
        request: nameDeputy({ ...valid, loginPassword: 'wrong-password' }),
      },
      { name: 'a deputy named without the login password', expect: [400, 'VALIDATION_FAILED'], request: nameDeputy({ ...valid, loginPassword: undefined }) },
      { name: 'a deputy who is oneself', expect: [400, 'DEPUTY_SELF'], request: nameDeputy({ ...valid, deputy: 'chen.chiming' }) },
      { name: 'a deputy who does not exist', expect: [404, 'DEPUTY_UNKNOWN'], request: nameDeputy({ ...valid, deputy: 'no.such.person' }) },
      {
        name: 'a deputy range that ends before it starts',
        expect: [400, 'DEPUTY_RANGE_INVALID'],
        request: nameDeputy({ ...valid, startsOn: day(5), endsOn: day(1) }),
      },
      { name: 'a deputy range wholly past', expect: [400, 'DEPUTY_RANGE_INVALID'], request: nameDeputy({ ...valid, startsOn: day(-9), endsOn: day(-2) }) },
      { name: 'a deputy range of more than a year', expect: [400, 'DEPUTY_RANGE_INVALID'], request: nameDeputy({ ...valid, endsOn: day(400) }) },
      { name: 'a deputy range on 2 月 30 日', expect: [400, 'VALIDATION_FAILED'], request: nameDeputy({ ...valid, endsOn: '2027-02-30' }) },
      { name: 'a deputy range in ROC dates', expect: [400, 'VALIDATION_FAILED'], request: nameDeputy({ ...valid, startsOn: '115/12/01' }) },
      { name: 'a deputy with an unknown field', expect: [400, 'VALIDATION_FAILED'], request: nameDeputy({ ...valid, namedBy: 'yeh.yenchih' }) },
      { name: 'a deputy named for another by a non-head', expect: [403, 'DEPUTY_NOT_ALLOWED'], request: nameDeputy({ ...valid, for: 'vendor' }) },
      {
        name: 'a deputy named by the head for one who has one',
        expect: [403, 'DEPUTY_NOT_ALLOWED'],
        request: nameDeputy({ ...valid, deputy: 'chen.chiming', for: 'vendor' }, chief),
      },
      { name: 'a deputy named by the head for another unit', expect: [403, 'DEPUTY_NOT_ALLOWED'], request: nameDeputy({ ...valid, for: 'lin.shufen' }, chief) },
      { name: 'a deputy named for someone unknown', expect: [404, 'USER_UNKNOWN'], request: nameDeputy({ ...valid, for: 'no.such.person' }, chief) },
      {
        name: 'withdrawing a deputy that does not exist',
        expect: [404, 'DEPUTY_NOT_FOUND'],
        request: async () => ({ method: 'DELETE', url: `/api/deputies/${randomBytes(16).toString('hex')}`, headers: auth(drafter) }),
      },
      {
        name: 'withdrawing a deputy of someone else',
        expect: [404, 'DEPUTY_NOT_FOUND'],
        request: async () => ({ method: 'DELETE', url: `/api/deputies/${vendorsDeputy.id}`, headers: auth(drafter) }),
      },
      {
        name: 'withdrawing with an id of 90 characters',
        expect: [404, 'DEPUTY_NOT_FOUND'],
        request: async () => ({ method: 'DELETE', url: `/api/deputies/${'x'.repeat(90)}`, headers: auth(vendor) }),
      },
      {
        // The router's own limit on a path parameter (100 characters) answers first.
        name: 'withdrawing with an id of 5,000 characters',
        expect: [400, 'MALFORMED_REQUEST'],
        request: async () => ({ method: 'DELETE', url: `/api/deputies/${'x'.repeat(5000)}`, headers: auth(vendor) }),
      },
      { name: 'a separation by a non-administrator', expect: [403, 'ADMINISTRATOR_REQUIRED'], request: separate('vendor', {}, chief) },
      { name: 'a separation on a day to come', expect: [400, 'SEPARATION_DATE_INVALID'], request: separate('vendor', { on: day(2) }) },
      { name: 'a separation on a day that is not one', expect: [400, 'VALIDATION_FAILED'], request: separate('vendor', { on: 'yesterday' }) },
      { name: 'a separation with an unknown field', expect: [400, 'VALIDATION_FAILED'], request: separate('vendor', { reason: 'x' }) },
      { name: 'a separation of someone unknown', expect: [404, 'USER_UNKNOWN'], request: separate('no.such.person', {}) },
      { name: 'a separation of an account of 90 characters', expect: [404, 'USER_UNKNOWN'], request: separate('a'.repeat(90), {}) },
      { name: 'a separation of an account of 5,000 characters', expect: [400, 'MALFORMED_REQUEST'], request: separate('a'.repeat(5000), {}) },
      { name: 'figures for a month in ROC style', expect: [400, 'VALIDATION_FAILED'], request: figures('ict', 'month=115-11') },
      { name: 'figures for month 13', expect: [400, 'VALIDATION_FAILED'], request: figures('ict', 'month=2026-13') },
      { name: 'figures with no month', expect: [400, 'VALIDATION_FAILED'], request: figures('ict', '') },
      { name: 'figures with an unknown parameter', expect: [400, 'VALIDATION_FAILED'], request: figures('ict', 'month=2026-11&unit=planning') },
      { name: 'figures of a unit one does not head', expect: [403, 'FIGURES_NOT_ALLOWED'], request: figures('secretariat', 'month=2026-11') },
      { name: 'figures read by a clerk', expect: [403, 'FIGURES_NOT_ALLOWED'], request: figures('ict', 'month=2026-11', drafter) },
      { name: 'figures of a unit that does not exist', expect: [404, 'UNIT_UNKNOWN'], request: figures('nowhere', 'month=2026-11', admin) },
    );
  });

  function onBehalfCases(): Case[] {
    const onBehalf = (clerk: Clerk, payload: () => Promise<unknown>) => async () => ({
      method: 'POST' as const,
      url: '/api/resign/on-behalf',
      payload: (await payload()) as InjectOptions['payload'],
      headers: auth(clerk),
    });
    const vendorStep = () => ({ ...pending[0]!, holderAccount: 'vendor' });
    const paper = (extra: Record<string, unknown> = {}) => ({
      stepId: pending[0]!.stepId,
      reason: '紙本補簽',
      scan: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64'),
      signature: Buffer.from('not a signature').toString('base64'),
      signingTime: signingTimeOf(new Date()),
      ...extra,
    });
    return [
      {
        name: 're-signing on behalf with no right (a colleague of the same unit)',
        expect: [403, 'ON_BEHALF_NO_RIGHT'],
        request: onBehalf(drafter, async () => onBehalfRequest([vendorStep()], await drafter.card(), 'n', '原因')),
      },
      {
        name: 're-signing one’s own step on behalf',
        expect: [403, 'ON_BEHALF_NO_RIGHT'],
        request: onBehalf(vendor, async () => onBehalfRequest([vendorStep()], await vendor.card(), 'n', '原因')),
      },
      {
        name: 're-signing on behalf a step not yet due (the signer is here and in time)',
        expect: [409, 'ON_BEHALF_NOT_DUE'],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await chief.card(), 'n', '原因')),
      },
      {
        name: 're-signing on behalf without a reason',
        expect: [400, 'RESIGN_REASON_REQUIRED'],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await chief.card(), 'n', ' \n ')),
      },
      {
        name: 're-signing on behalf with a reason the card did not sign',
        expect: [400, 'COUNTERSIGNATURE_INVALID'],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await chief.card(), 'n', '原因', { reason: '別的' })),
      },
      {
        name: 're-signing on behalf with a countersignature naming another signer',
        expect: [400, 'COUNTERSIGNATURE_INVALID'],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await chief.card(), 'n', '原因', { signerAccount: 'chen.chiming' })),
      },
      {
        name: 're-signing on behalf with another person’s card',
        expect: [403, 'SIGNER_NOT_USER'],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await vendor.card(), 'n', '原因')),
      },
      {
        name: 'an own re-sign carrying on-behalf attributes',
        expect: [400, 'COUNTERSIGNATURE_INVALID'],
        request: async () => {
          const { reason: _reason, ...own } = await onBehalfRequest([vendorStep()], await vendor.card(), 'n', '原因');
          return { method: 'POST', url: '/api/resign', payload: own, headers: auth(vendor) };
        },
      },
      ...ODD_TEXT.map(([what, text]) => ({
        name: `a reason with ${what}`,
        expect: [400, 'VALIDATION_FAILED'] as [number, string],
        request: onBehalf(chief, async () => onBehalfRequest([vendorStep()], await chief.card(), 'n', text)),
      })),
      {
        name: 'the on-behalf list with a limit of zero',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'GET', url: '/api/resign/on-behalf/pending?limit=0', headers: auth(chief) }),
      },
      {
        name: 'a paper re-sign where the policy does not accept them',
        expect: [403, 'PAPER_NOT_ACCEPTED'],
        request: async () => ({ method: 'POST', url: '/api/resign/paper', payload: paper(), headers: auth(chief) }),
      },
      {
        name: 'a paper re-sign whose scan is not base64',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'POST', url: '/api/resign/paper', payload: paper({ scan: '%PDF-1.4 raw' }), headers: auth(chief) }),
      },
      {
        name: 'a paper re-sign with an unknown field',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'POST', url: '/api/resign/paper', payload: paper({ recordedBy: 'someone-else' }), headers: auth(chief) }),
      },
    ];
  }
  afterAll(() => service.close());

  it('covers at least forty hostile requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it('answers each with its documented status and code, a sentence, and no change to any table', async () => {
    const refusals = cases.map((c) => ({
      name: c.name,
      status: [c.expect[0]],
      codes: [c.expect[1]],
      request: async () => {
        const { as: _as, ...options } = await c.request();
        return options;
      },
    }));
    expect(await refusalFailures(service, refusals)).toEqual([]);
  });

  it('stores SQL-looking text verbatim and finds it by search without widening it', async () => {
    const subject = "Robert'); DROP TABLE documents;-- %_\\";
    const created = await drafter.createDocument(subject, "' OR 1=1 --");
    expect(created.subject).toBe(subject);
    const hits = (await drafter.call('GET', `/api/documents?box=involved&q=${encodeURIComponent("'); DROP")}`)).body.documents;
    expect(hits.map((d: { id: string }) => d.id)).toEqual([created.id]);
    const wildcard = (await drafter.call('GET', `/api/documents?box=involved&q=${encodeURIComponent('%')}`)).body.documents;
    expect(wildcard.map((d: { id: string }) => d.id)).toEqual([created.id]); // % is a character, not a wildcard
  });
});
