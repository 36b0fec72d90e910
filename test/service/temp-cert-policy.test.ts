import { KeyObject, X509Certificate, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { revokeEveryTempCertOfUser } from '../../src-server/temp-ca/applications.js';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { databaseKinds } from '../helpers/databases.js';
import { evidenceFolder, opensslVerifyEvidenceStep } from '../helpers/openssl-print.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const DAY = 24 * 3600 * 1000;
const reason = '出差未攜帶憑證卡';
type CryptoKeyPair = webcrypto.CryptoKeyPair;

async function csrFor(keys: CryptoKeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=pc', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  return Buffer.from(csr.rawData).toString('base64');
}

/** 啟用並下載憑證 with a key the test keeps (to renew with it later). */
async function enableWith(clerk: Clerk, keys: CryptoKeyPair, pcLabel = 'PC-01') {
  return clerk.call('POST', '/api/temp-cert/enable', { password: 'temp-pass-1234', pcLabel, csr: await csrFor(keys), loginPassword: DEMO_PASSWORD });
}
const newKeys = () => webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const signerOf = (certificateB64: string, keys: CryptoKeyPair) =>
  keyObjectSigner(new Uint8Array(Buffer.from(certificateB64, 'base64')), KeyObject.from(keys.privateKey));

describe.each(databaseKinds())('temp-cert states and the agency policy (issue 15, 17) on %s', (kind) => {
  describe('default policy (the seed): no approval, no period', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(kind);
    });
    afterAll(() => service.close());

    it("walks the seed's states, and lists only the present application's certificates", async () => {
      const vendor = await Clerk.login(service, 'vendor');
      const phase = async () => (await vendor.call('GET', '/api/temp-cert')).body;
      expect(await phase()).toMatchObject({ state: 'none', phase: 'not-applied', certificates: [], periodEnd: null, decision: null });
      await vendor.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason, loginPassword: DEMO_PASSWORD });
      expect(await phase()).toMatchObject({ state: 'applied', phase: 'applied', certificates: [] });
      expect((await enableWith(vendor, await newKeys())).status).toBe(200);
      const enabled = await phase();
      expect(enabled).toMatchObject({ state: 'applied', phase: 'enabled' });
      expect(enabled.certificates).toMatchObject([{ pcLabel: 'PC-01', revokedAt: null, live: true }]);
      await vendor.call('POST', '/api/temp-cert/disable');
      const disabled = await phase();
      expect(disabled).toMatchObject({ state: 'disabled', phase: 'disabled' });
      expect(disabled.certificates).toMatchObject([{ live: false }]);
      expect(disabled.certificates[0].revokedAt).not.toBeNull();

      // 刪除憑證 and a new application: the old, revoked certificates are not listed with it.
      await vendor.call('DELETE', '/api/temp-cert/application', { loginPassword: DEMO_PASSWORD });
      await vendor.call('POST', '/api/temp-cert/application', { password: 'another-pass-99', reason: '更換密碼', loginPassword: DEMO_PASSWORD });
      expect(await phase()).toMatchObject({ phase: 'applied', reason: '更換密碼', certificates: [] });
    });

    it('refuses an end date when the agency sets no period', async () => {
      const clerk = await Clerk.login(service, 'wang.meiling');
      const r = await clerk.call('POST', '/api/temp-cert/application', {
        password: 'temp-pass-1234',
        reason,
        loginPassword: DEMO_PASSWORD,
        periodEnd: new Date(Date.now() + DAY).toISOString(),
      });
      expect(r.body).toMatchObject({ code: 'TEMP_CERT_PERIOD_INVALID' });
      expect((await clerk.call('GET', '/api/temp-cert')).body).toMatchObject({ phase: 'not-applied' });
    });

    it('renews before expiry for the same key, without a new application; the old certificate still verifies what it signed', async () => {
      const clerk = await Clerk.login(service, 'chen.chiming');
      await clerk.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason, loginPassword: DEMO_PASSWORD });
      const keys = await newKeys();
      const first = (await enableWith(clerk, keys)).body;
      const doc = await clerk.createDocument('續期前的公文');
      expect((await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', signerOf(first.certificate, keys))).status).toBe(200);

      // Someone else's key for this certificate, a wrong password, a stranger's serial: refused.
      expect(
        (await clerk.call('POST', '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: first.serial, csr: await csrFor(await newKeys()) })).body,
      ).toMatchObject({
        code: 'CSR_INVALID',
      });
      expect(
        (await clerk.call('POST', '/api/temp-cert/renew', { password: 'wrong-pass-123', serial: first.serial, csr: await csrFor(keys) })).body,
      ).toMatchObject({
        code: 'TEMP_CERT_PASSWORD_WRONG',
      });
      const other = await Clerk.login(service, 'lin.shufen');
      expect(
        (await other.call('POST', '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: first.serial, csr: await csrFor(keys) })).body,
      ).toMatchObject({
        code: 'TEMP_CERT_NOT_APPLIED',
      });

      service.clock.offsetMs += 350 * DAY; // near the end of the year's validity
      try {
        clerk.token = (await Clerk.login(service, 'chen.chiming')).token; // the old session has long ended
        const renewed = await clerk.call('POST', '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: first.serial, csr: await csrFor(keys) });
        expect(renewed.status).toBe(200);
        expect(renewed.body.serial).not.toBe(first.serial);
        const certificateOf = (r: { certificate: string }) => new X509Certificate(Buffer.from(r.certificate, 'base64'));
        const [oldCert, newCert] = [certificateOf(first), certificateOf(renewed.body)];
        expect(newCert.publicKey.equals(oldCert.publicKey)).toBe(true);
        expect(new Date(newCert.validTo).getTime()).toBeGreaterThan(new Date(oldCert.validTo).getTime());
        const status = (await clerk.call('GET', '/api/temp-cert')).body;
        expect(status.phase).toBe('enabled');
        expect(status.certificates).toHaveLength(2);
        expect(status.certificates.every((c: { revokedAt: string | null; pcLabel: string }) => c.revokedAt === null && c.pcLabel === 'PC-01')).toBe(true);
        // The renewed certificate sends; the old one is not revoked.
        const doc2 = await clerk.createDocument('續期後的公文');
        expect((await clerk.act(doc2.id, '送請簽核', 'yeh.yenchih', signerOf(renewed.body.certificate, keys))).status).toBe(200);
      } finally {
        service.clock.offsetMs -= 350 * DAY;
      }
      // What the old certificate signed still verifies, with openssl, from the evidence.
      const dir = await evidenceFolder(service.ctx, doc.id);
      opensslVerifyEvidenceStep(dir, 1);

      // A revoked certificate is not renewed.
      clerk.token = (await Clerk.login(service, 'chen.chiming')).token;
      await clerk.call('POST', '/api/temp-cert/disable');
      expect(
        (await clerk.call('POST', '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: first.serial, csr: await csrFor(keys) })).body,
      ).toMatchObject({
        code: 'TEMP_CERT_RENEWAL_REFUSED',
      });
    });
  });

  describe('approval by the unit head', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(kind, { config: { policy: AgencyPolicy.parse({ tempCert: { approval: 'unit-head' } }) } });
      await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    });
    afterAll(() => service.close());

    it('pends until the unit head approves; enabling before is refused; the applicant sees the outcome and comment', async () => {
      const vendor = await Clerk.login(service, 'vendor');
      const head = await Clerk.login(service, 'yeh.yenchih');
      const outsider = await Clerk.login(service, 'huang.kuowei');
      const applied = await vendor.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason, loginPassword: DEMO_PASSWORD });
      expect(applied.body).toMatchObject({ phase: 'pending-approval', state: 'applied', decision: null });
      expect((await enableWith(vendor, await newKeys())).body).toMatchObject({ code: 'TEMP_CERT_AWAITING_APPROVAL' });
      expect((await vendor.call('GET', '/api/temp-cert')).body.certificates).toHaveLength(0);

      // Only the applicant's unit head sees it and decides.
      expect((await outsider.call('GET', '/api/temp-cert/approvals')).body).toEqual({ applications: [] });
      expect((await outsider.call('POST', '/api/temp-cert/approvals', { account: 'vendor', approve: true, comment: '' })).body).toMatchObject({
        code: 'NOT_UNIT_HEAD',
      });
      expect((await vendor.call('POST', '/api/temp-cert/approvals', { account: 'vendor', approve: true, comment: '' })).body).toMatchObject({
        code: 'NOT_UNIT_HEAD',
      });
      const listed = (await head.call('GET', '/api/temp-cert/approvals')).body;
      expect(listed.applications).toMatchObject([{ account: 'vendor', name: '公文系統廠商', unit: '資通建設科', reason, periodEnd: null }]);

      const approved = await head.call('POST', '/api/temp-cert/approvals', { account: 'vendor', approve: true, comment: '同意，出差期間使用' });
      expect(approved.body).toEqual({ applications: [] });
      expect((await head.call('POST', '/api/temp-cert/approvals', { account: 'vendor', approve: false, comment: '' })).body).toMatchObject({
        code: 'TEMP_CERT_NOT_PENDING',
      });
      const seen = (await vendor.call('GET', '/api/temp-cert')).body;
      expect(seen).toMatchObject({ phase: 'applied', decision: { approved: true, by: '葉彥志', comment: '同意，出差期間使用' } });
      expect((await enableWith(vendor, await newKeys())).status).toBe(200);
      expect((await vendor.call('GET', '/api/temp-cert')).body).toMatchObject({ phase: 'enabled' });
    });

    it('disabling a pending application, or revoking all of it, does not let it past the approval', async () => {
      const clerk = await Clerk.login(service, 'wang.meiling');
      await clerk.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason, loginPassword: DEMO_PASSWORD });
      expect((await clerk.call('POST', '/api/temp-cert/disable')).body).toMatchObject({ phase: 'pending-approval' });
      const user = await service.ctx.storage.db.selectFrom('users').select(['id', 'account']).where('account', '=', 'wang.meiling').executeTakeFirstOrThrow();
      await revokeEveryTempCertOfUser(service.ctx, user, 'left-the-unit', null);
      expect((await clerk.call('GET', '/api/temp-cert')).body).toMatchObject({ phase: 'pending-approval' });
      expect((await enableWith(clerk, await newKeys())).body).toMatchObject({ code: 'TEMP_CERT_AWAITING_APPROVAL' });
    });

    it('a rejection is final for that application: enabling is refused with its own code', async () => {
      const clerk = await Clerk.login(service, 'chen.chiming');
      const head = await Clerk.login(service, 'yeh.yenchih');
      await clerk.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason: '想試試看', loginPassword: DEMO_PASSWORD });
      const rejected = await head.call('POST', '/api/temp-cert/approvals', { account: 'chen.chiming', approve: false, comment: '請攜帶憑證卡' });
      expect(rejected.status).toBe(200);
      expect((await clerk.call('GET', '/api/temp-cert')).body).toMatchObject({
        phase: 'rejected',
        decision: { approved: false, by: '葉彥志', comment: '請攜帶憑證卡' },
      });
      expect((await enableWith(clerk, await newKeys())).body).toMatchObject({ code: 'TEMP_CERT_REJECTED' });
      // The head's own application waits for someone else: it is not in their list, and they cannot decide it.
      await head.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason, loginPassword: DEMO_PASSWORD });
      const listed = (await head.call('GET', '/api/temp-cert/approvals')).body.applications as { account: string }[];
      expect(listed.map((a) => a.account)).not.toContain('yeh.yenchih');
      expect((await head.call('POST', '/api/temp-cert/approvals', { account: 'yeh.yenchih', approve: true, comment: '' })).body).toMatchObject({
        code: 'NOT_UNIT_HEAD',
      });
    });
  });

  describe('a period of at most 3 days, with approval', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(kind, { config: { policy: AgencyPolicy.parse({ tempCert: { approval: 'unit-head', periodDays: 3 } }) } });
      await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    });
    afterAll(() => service.close());

    it('asks an end within the period; the certificate ends with it; sends after it are refused with their own code', async () => {
      const vendor = await Clerk.login(service, 'vendor');
      const apply = (periodEnd?: string) =>
        vendor.call('POST', '/api/temp-cert/application', {
          password: 'temp-pass-1234',
          reason,
          loginPassword: DEMO_PASSWORD,
          ...(periodEnd ? { periodEnd } : {}),
        });
      const now = Date.now();
      for (const bad of [undefined, new Date(now - 1000).toISOString(), new Date(now + 4 * DAY).toISOString()])
        expect((await apply(bad)).body).toMatchObject({ code: 'TEMP_CERT_PERIOD_INVALID' });
      const end = new Date(now + 2 * DAY);
      end.setUTCMilliseconds(0);
      expect((await apply(end.toISOString())).body).toMatchObject({ phase: 'pending-approval', periodEnd: end.toISOString() });
      const head = await Clerk.login(service, 'yeh.yenchih');
      expect((await head.call('GET', '/api/temp-cert/approvals')).body.applications).toMatchObject([{ account: 'vendor', periodEnd: end.toISOString() }]);
      await head.call('POST', '/api/temp-cert/approvals', { account: 'vendor', approve: true, comment: '同意' });

      const keys = await newKeys();
      const enabled = await enableWith(vendor, keys);
      expect(enabled.status).toBe(200);
      expect(new Date(enabled.body.notAfter).getTime()).toBe(end.getTime());
      const doc = await vendor.createDocument();
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', signerOf(enabled.body.certificate, keys))).status).toBe(200);
      // No renewal under a period: it ends, and a new application follows.
      expect(
        (await vendor.call('POST', '/api/temp-cert/renew', { password: 'temp-pass-1234', serial: enabled.body.serial, csr: await csrFor(keys) })).body,
      ).toMatchObject({
        code: 'TEMP_CERT_RENEWAL_REFUSED',
      });

      service.clock.offsetMs += 2 * DAY + 3600 * 1000;
      try {
        const relogin = await Clerk.login(service, 'vendor');
        const doc2 = await relogin.createDocument();
        const late = await relogin.act(doc2.id, '送請簽核', 'yeh.yenchih', signerOf(enabled.body.certificate, keys));
        expect(late.status).toBe(403);
        expect(late.body).toMatchObject({ code: 'TEMP_CERT_PERIOD_ENDED' });
        expect((await enableWith(relogin, await newKeys(), 'PC-02')).body).toMatchObject({ code: 'TEMP_CERT_PERIOD_ENDED' });
      } finally {
        service.clock.offsetMs -= 2 * DAY + 3600 * 1000;
      }
    });
  });
});
