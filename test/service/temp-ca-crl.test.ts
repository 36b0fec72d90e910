import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../src-shared/node/pki/x509.js';
import { buildEvidence } from '../../src-server/evidence/evidence.js';
import { revokeEveryTempCertOfUser } from '../../src-server/temp-ca/applications.js';
import { currentTempCaCrl } from '../../src-server/temp-ca/crl.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

/**
 * Issue 15, "PKI that follows RFC 5280": the temp CA's CRL carries a CRL number (stored, shared by
 * instances, only ever increasing) and the authority key identifier, has a nextUpdate the service
 * honours, and is found by a relying party through the certificate's CRL distribution point.
 */
describe.each(databaseKinds())('the temp CA CRL (RFC 5280) on %s', (kind) => {
  let service: TestService;
  let listener: Server;
  let publicUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'crl-'));

  beforeAll(async () => {
    // A relying party reaches the service over HTTP at its public URL: a loopback listener that
    // hands each request to the in-process service.
    listener = createServer((req, res) => {
      void service.app.inject({ method: req.method as 'GET', url: req.url! }).then((r) => {
        res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? '') });
        res.end(r.rawPayload);
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    publicUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/gongwen`;
    service = await startTestService(kind, { config: { publicUrl } });
  });
  afterAll(async () => {
    await service.close();
    listener.close();
  });

  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const caPem = () => toPem(service.ctx.tempCa.certificateDer, 'CERTIFICATE');

  /** The CRL as a relying party gets it: from the URL in the certificate's distribution point. */
  async function crlThroughDistributionPoint(certificate: Uint8Array): Promise<{ der: Buffer; text: string; number: number }> {
    writeFileSync(join(dir, 'cert.pem'), toPem(certificate, 'CERTIFICATE'));
    const certText = openssl(['x509', '-in', 'cert.pem', '-noout', '-text']);
    const uri = /X509v3 CRL Distribution Points:[\s\S]*?URI:(\S+)/.exec(certText)?.[1];
    // The test's listener sits under /gongwen: the service maps it to the route through inject.
    expect(uri).toBe(`${publicUrl}/api/temp-ca/crl`);
    const answer = await fetch(uri!.replace('/gongwen', ''));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/pkix-crl');
    const der = Buffer.from(await answer.arrayBuffer());
    writeFileSync(join(dir, 'crl.der'), der);
    writeFileSync(join(dir, 'crl.pem'), toPem(der, 'X509 CRL'));
    writeFileSync(join(dir, 'ca.pem'), caPem());
    const text = openssl(['crl', '-inform', 'DER', '-in', 'crl.der', '-CAfile', 'ca.pem', '-noout', '-text']);
    const number = Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(text)?.[1]);
    return { der, text, number };
  }

  function verifyWithCrl(): { ok: boolean; output: string } {
    const r = spawnSync('openssl', ['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'crl.pem', 'cert.pem'], { cwd: dir, encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }

  it('numbers each CRL, names the CA by key identifier, and is found through the distribution point', async () => {
    const clerk = await Clerk.login(service, 'vendor');
    const temp = await clerk.enableTempCert();
    const serial = new X509Certificate(temp.certificate).serialNumber.toLowerCase();

    const first = await crlThroughDistributionPoint(temp.certificate);
    expect(first.number).toBeGreaterThan(0);
    const ski = /X509v3 Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(openssl(['x509', '-in', 'ca.pem', '-noout', '-text']))![1]!;
    expect(first.text).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}`));
    const thisUpdate = new Date(/Last Update: (.+)/.exec(first.text)![1]!);
    const nextUpdate = new Date(/Next Update: (.+)/.exec(first.text)![1]!);
    expect(nextUpdate.getTime() - thisUpdate.getTime()).toBe(24 * 3600 * 1000);
    expect(verifyWithCrl()).toMatchObject({ ok: true });

    // Not re-signed on every request: the same bytes (an ECDSA signature differs each time it is made).
    const again = await crlThroughDistributionPoint(temp.certificate);
    expect(again.der.equals(first.der)).toBe(true);

    // A revocation: a fresh CRL at once, with a higher number, listing the certificate.
    await clerk.call('POST', '/api/temp-cert/disable');
    const revoked = await crlThroughDistributionPoint(temp.certificate);
    expect(revoked.number).toBeGreaterThan(first.number);
    expect(revoked.text.toLowerCase().replace(/:/g, '')).toContain(serial.replace(/^0+/, ''));
    const verdict = verifyWithCrl();
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('certificate revoked');

    // Before nextUpdate passes (within its last six hours), a fresh one, though nothing was revoked.
    service.clock.offsetMs += 19 * 3600 * 1000;
    try {
      const renewed = await crlThroughDistributionPoint(temp.certificate);
      expect(renewed.number).toBeGreaterThan(revoked.number);
      expect(new Date(/Last Update: (.+)/.exec(renewed.text)![1]!).getTime()).toBeGreaterThan(thisUpdate.getTime());
    } finally {
      service.clock.offsetMs -= 19 * 3600 * 1000;
    }
  });

  it('is one sequence for every instance on the database: no number issued twice or lower', async () => {
    const twin = await service.twin();
    const get = (app: typeof twin) => app.inject({ method: 'GET', url: '/api/temp-ca/crl' }).then((r) => r.rawPayload);
    const numberOf = (der: Buffer) => {
      writeFileSync(join(dir, 'n.der'), der);
      return Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(openssl(['crl', '-inform', 'DER', '-in', 'n.der', '-noout', '-text']))![1]);
    };
    const seen: number[] = [numberOf(await get(service.app))];
    for (const account of ['wang.meiling', 'lin.shufen']) {
      const clerk = await Clerk.login(service, account);
      await clerk.enableTempCert();
      await clerk.call('POST', '/api/temp-cert/disable');
      // Both instances are asked at once after the revocation: each answers a CRL listing it.
      const [a, b] = await Promise.all([get(twin), get(service.app)]);
      const [na, nb] = [numberOf(a), numberOf(b)];
      expect(Math.min(na, nb)).toBeGreaterThan(seen.at(-1)!);
      seen.push(Math.max(na, nb));
    }
    // The twin, asked later, serves the latest number, never one of its own below it.
    expect(numberOf(await get(twin))).toBe(seen.at(-1));
  });

  it('revokes every temp cert of a user from elsewhere (a person leaving), listed in a fresh CRL', async () => {
    const clerk = await Clerk.login(service, 'huang.kuowei');
    const first = await clerk.enableTempCert();
    const second = await clerk.enableTempCert('temp-pass-1234', { apply: false, pcLabel: 'PC-02' });
    const before = await currentTempCaCrl(service.ctx);
    const user = await service.ctx.storage.db.selectFrom('users').select(['id', 'account']).where('account', '=', 'huang.kuowei').executeTakeFirstOrThrow();
    expect(await revokeEveryTempCertOfUser(service.ctx, user, 'left-the-agency', 'admin')).toBe(2);
    expect((await clerk.call('GET', '/api/temp-cert')).body).toMatchObject({ phase: 'disabled' });
    const after = await currentTempCaCrl(service.ctx);
    expect(after.number).toBeGreaterThan(before.number);
    writeFileSync(join(dir, 'left.der'), after.der);
    const text = openssl(['crl', '-inform', 'DER', '-in', 'left.der', '-noout', '-text']).toLowerCase().replace(/:/g, '');
    for (const signer of [first, second]) expect(text).toContain(new X509Certificate(signer.certificate).serialNumber.toLowerCase().replace(/^0+/, ''));
    const doc = await clerk.createDocument();
    expect((await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', second)).body).toMatchObject({ code: 'CERT_REVOKED' });
    await service.ctx.storage.sealAudit();
    const audit = await service.ctx.storage.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'temp-cert.revoke').execute();
    expect(audit).toMatchObject([{ actor: 'admin' }]);
    expect(JSON.parse(audit[0]!.detail)).toEqual({ revoked: 2, reason: 'left-the-agency' });
  });

  it('puts the CRL in the evidence', async () => {
    const clerk = await Clerk.login(service, 'chen.chiming');
    const temp = await clerk.enableTempCert();
    const doc = await clerk.createDocument();
    expect((await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const evidence = await buildEvidence(service.ctx, doc.id);
    const crl = evidence.files.find((f) => f.name === 'trust/temp-ca.crl');
    expect(crl).toBeDefined();
    writeFileSync(join(dir, 'evidence.crl'), Buffer.from(crl!.contentBase64, 'base64'));
    writeFileSync(join(dir, 'ca.pem'), caPem());
    const text = openssl(['crl', '-inform', 'DER', '-in', 'evidence.crl', '-CAfile', 'ca.pem', '-noout', '-text']);
    expect(text).toContain('X509v3 CRL Number');
    expect(evidence.files.find((f) => f.name === 'README.txt')!.contentBase64).toBeTruthy();
    expect(Buffer.from(evidence.files.find((f) => f.name === 'README.txt')!.contentBase64, 'base64').toString()).toContain('trust/temp-ca.crl');
  });
});
