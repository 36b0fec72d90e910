import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidDer } from '../../src-shared/node/cms/oids.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

describe.each(databaseKinds())('temporary certificates (IFT930 / IFT940) on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(kind);
  });
  afterAll(() => service.close());

  it('walks the seed: apply, enable and download, send with it (是), disable, enable again, delete', async () => {
    const vendor = await Clerk.login(service, 'vendor');
    expect((await vendor.call('GET', '/api/temp-cert')).body).toMatchObject({ state: 'none', certificates: [] });

    const temp = await vendor.enableTempCert('temp-pass-1234');
    const cert = new X509Certificate(temp.certificate);
    expect(cert.subject).toContain('公文系統廠商 (臨時憑證)');
    expect(cert.subject).toContain('UID=vendor');
    expect(cert.verify(service.ctx.tempCa.certificate.publicKey)).toBe(true);
    // asn1js prints long OID arcs oddly, so compare the encoded policy OID itself.
    const policies = new x509.X509Certificate(temp.certificate).getExtension(x509.CertificatePolicyExtension)!;
    expect(Buffer.from(policies.value).includes(Buffer.from(oidDer.tempCertPolicy))).toBe(true);
    const status = (await vendor.call('GET', '/api/temp-cert')).body;
    expect(status).toMatchObject({ state: 'applied', reason: '出差未攜帶憑證卡' });
    expect(status.certificates).toHaveLength(1);

    // 傳送 with the temp cert: the flow table says 是.
    const doc = await vendor.createDocument('資通建設科年度報告');
    const sent = await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    expect(sent.status).toBe(200);
    expect(sent.body.step).toMatchObject({ seq: 1, tempCertUsed: true, action: '送請簽核' });

    // 臨時憑證停用: nobody can send with it; the application stays.
    expect((await vendor.call('POST', '/api/temp-cert/disable')).body).toMatchObject({ state: 'disabled' });
    const doc2 = await vendor.createDocument();
    const refused = await vendor.act(doc2.id, '送請簽核', 'yeh.yenchih', temp);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'CERT_REVOKED' });

    // Enabling again (IFT930 step 3) needs no new application.
    const again = await vendor.enableTempCert('temp-pass-1234', { apply: false, pcLabel: 'PC-02' });
    expect((await vendor.act(doc2.id, '送請簽核', 'yeh.yenchih', again)).status).toBe(200);

    // 刪除憑證: the application is gone; password and reason may be chosen anew.
    expect((await vendor.call('DELETE', '/api/temp-cert/application', { loginPassword: 'gongwen-demo' })).body).toMatchObject({ state: 'none' });
    const gone = await vendor.call('POST', '/api/temp-cert/enable', {
      password: 'temp-pass-1234',
      pcLabel: 'PC-03',
      csr: 'AAAA',
      loginPassword: 'gongwen-demo',
    });
    expect(gone.body).toMatchObject({ code: 'TEMP_CERT_NOT_APPLIED' });
    const doc3 = await vendor.createDocument();
    expect((await vendor.act(doc3.id, '送請簽核', 'yeh.yenchih', again)).body).toMatchObject({ code: 'CERT_REVOKED' });
    expect(
      (await vendor.call('POST', '/api/temp-cert/application', { password: 'another-pass-99', reason: '更換密碼', loginPassword: 'gongwen-demo' })).status,
    ).toBe(200);
  });

  it('refuses a second application, a short password and a wrong password; wrong passwords are rate-limited', async () => {
    const clerk = await Clerk.login(service, 'wang.meiling');
    expect((await clerk.call('POST', '/api/temp-cert/application', { password: 'short', reason: 'x', loginPassword: 'gongwen-demo' })).body).toMatchObject({
      code: 'TEMP_CERT_PASSWORD_WEAK',
    });
    await clerk.enableTempCert('right-password');
    expect(
      (await clerk.call('POST', '/api/temp-cert/application', { password: 'right-password', reason: 'x', loginPassword: 'gongwen-demo' })).body,
    ).toMatchObject({ code: 'TEMP_CERT_ALREADY_APPLIED' });
    const wrong = () => clerk.call('POST', '/api/temp-cert/enable', { password: 'wrong-password', pcLabel: 'PC', csr: 'AAAA', loginPassword: 'gongwen-demo' });
    for (let i = 0; i < 5; i++) expect((await wrong()).body).toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
    const limited = await wrong();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    // Even the right password waits out the window.
    await expect(clerk.enableTempCert('right-password', { apply: false })).rejects.toThrow(/RATE_LIMITED/);
    service.clock.offsetMs += 16 * 60 * 1000;
    await expect(clerk.enableTempCert('right-password', { apply: false })).resolves.toBeTruthy();
  });

  it('refuses a CSR that is not P-256 or not self-signed', async () => {
    const clerk = await Clerk.login(service, 'huang.kuowei');
    await clerk.call('POST', '/api/temp-cert/application', { password: 'temp-pass-1234', reason: '出差', loginPassword: 'gongwen-demo' });
    const rsa = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 },
      true,
      ['sign', 'verify'],
    );
    const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: rsa, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } });
    const r1 = await clerk.call('POST', '/api/temp-cert/enable', {
      password: 'temp-pass-1234',
      pcLabel: 'PC',
      csr: Buffer.from(rsaCsr.rawData).toString('base64'),
      loginPassword: 'gongwen-demo',
    });
    expect(r1.body).toMatchObject({ code: 'CSR_INVALID' });
    const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = new Uint8Array(
      (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: ec, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).rawData,
    );
    csr[csr.length - 3]! ^= 0x55; // break the self-signature
    const r2 = await clerk.call('POST', '/api/temp-cert/enable', {
      password: 'temp-pass-1234',
      pcLabel: 'PC',
      csr: Buffer.from(csr).toString('base64'),
      loginPassword: 'gongwen-demo',
    });
    expect(r2.body).toMatchObject({ code: 'CSR_INVALID' });
    expect((await clerk.call('GET', '/api/temp-cert')).body.certificates).toHaveLength(0);
  });

  it('refuses a temp certificate of someone else, and an expired one', async () => {
    const owner = await Clerk.login(service, 'lin.shufen');
    const other = await Clerk.login(service, 'chen.chiming');
    const temp = await owner.enableTempCert();
    const doc = await other.createDocument();
    expect((await other.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).body).toMatchObject({ code: 'SIGNER_NOT_USER' });
    service.clock.offsetMs += 400 * 24 * 3600 * 1000; // past the one-year validity
    try {
      const relogin = await Clerk.login(service, 'lin.shufen');
      const mine = await relogin.createDocument();
      const late = await relogin.act(mine.id, '送請簽核', 'yeh.yenchih', temp);
      expect(late.body).toMatchObject({ code: 'CERT_EXPIRED' });
    } finally {
      service.clock.offsetMs -= 400 * 24 * 3600 * 1000;
    }
  });

  it('publishes a CRL, signed by the temp CA, that lists revoked certificates', async () => {
    const clerk = await Clerk.login(service, 'yeh.yenchih');
    const temp = await clerk.enableTempCert();
    const serial = new X509Certificate(temp.certificate).serialNumber.toLowerCase();
    await clerk.call('POST', '/api/temp-cert/disable');
    const crl = await call(service, { method: 'GET', url: '/api/temp-ca/crl' });
    expect(crl.status).toBe(200);
    const caPem = (await call(service, { method: 'GET', url: '/api/temp-ca/certificate' })).raw.toString();
    const dir = mkdtempSync(join(tmpdir(), 'crl-'));
    writeFileSync(join(dir, 'crl.der'), crl.raw);
    writeFileSync(join(dir, 'ca.pem'), caPem);
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'crl.der', '-CAfile', 'ca.pem', '-noout', '-text'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text.toLowerCase().replace(/:/g, '')).toContain(serial.replace(/^0+/, ''));
    const verified = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'crl.der', '-CAfile', 'ca.pem', '-noout'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(verified).toBe('');
  });
});
