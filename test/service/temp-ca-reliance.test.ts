import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { sha256Hex } from '../../src-server/temp-ca/authority.js';
import { revokeEveryTempCertOfUser } from '../../src-server/temp-ca/applications.js';
import { crlSha256 } from '../../src-server/revocation/crl.js';
import { databaseKinds } from '../helpers/databases.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

/**
 * Issue 19: "the temp CA's own CRL of that moment is kept the same way for temp-cert signatures".
 * Each accepted temp-cert signature names the temp CA CRL of its moment in signature_crls, the
 * CRL kept once by its SHA-256; the evidence checks the temp certificate against it with
 * -crl_check, and a revocation made after the signature does not undo it.
 */
describe.each(databaseKinds())('the temp CA CRL each temp-cert signature relied on, on %s', (kind) => {
  let service: TestService;
  let documents: string[];

  beforeAll(async () => {
    service = await startTestService(kind);
    const vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    documents = [];
    for (const subject of ['以臨時憑證傳送（一）', '以臨時憑證傳送（二）']) {
      const doc = await vendor.createDocument(subject);
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      documents.push(doc.id);
    }
  });
  afterAll(() => service.close());

  const reliedOf = (documentId: string) =>
    service.ctx.storage.db
      .selectFrom('signature_crls as c')
      .innerJoin('steps as s', 's.id', 'c.step_id')
      .select(['c.signer', 'c.issuer_sha256', 'c.crl_sha256', 'c.status'])
      .where('s.document_id', '=', documentId)
      .execute();

  it('records, per signature, the temp CA CRL of that moment, kept once by its SHA-256', async () => {
    const first = await reliedOf(documents[0]!);
    const second = await reliedOf(documents[1]!);
    const tempCa = sha256Hex(service.ctx.tempCa.certificate);
    expect(first).toEqual([{ signer: 'signature', issuer_sha256: tempCa, crl_sha256: expect.stringMatching(/^[0-9a-f]{64}$/), status: 'current' }]);
    // No revocation between the two sends: the same CRL, kept once.
    expect(second).toEqual(first);
    const kept = await service.ctx.storage.db.selectFrom('relied_temp_ca_crls').selectAll().execute();
    expect(kept).toHaveLength(1);
    expect(crlSha256(new Uint8Array(kept[0]!.der))).toBe(first[0]!.crl_sha256);
    // It is the temp CA's own, signed by it.
    const dir = mkdtempSync(join(tmpdir(), 'relied-'));
    await writeEvidence(await buildEvidence(service.ctx, documents[0]!), dir);
    const check = spawnSync('openssl', ['crl', '-in', `crls/${first[0]!.crl_sha256}.pem`, '-CAfile', 'trust/temp-ca.pem', '-noout', '-text'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(check.stderr).toContain('verify OK');
    const text = check.stdout;
    expect(text).toContain('No Revoked Certificates');
  });

  it('checks the temp certificate against that CRL with -crl_check, though it was revoked later', async () => {
    const vendor = await service.ctx.storage.db.selectFrom('users').select(['id', 'account']).where('account', '=', 'vendor').executeTakeFirstOrThrow();
    expect(await revokeEveryTempCertOfUser(service.ctx, vendor, 'left-the-agency', 'admin')).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'relied-'));
    await writeEvidence(await buildEvidence(service.ctx, documents[0]!), dir);
    const runs = runReadmeCommands(dir);
    expect(runs.map((r) => r.command)).toEqual([
      expect.stringMatching(/^cat trust\/temp-ca\.pem crls\/[0-9a-f]{64}\.pem > step-1\.ca-and-crls\.pem$/),
      expect.stringMatching(/^openssl ts -verify /),
      expect.stringMatching(/^openssl cms -verify .*-CAfile step-1\.ca-and-crls\.pem .* -crl_check -attime \d+$/),
    ]);
    for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
    // The CRL of today lists the certificate; the one relied on, from before, does not.
    const today = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'trust/temp-ca.crl', '-noout', '-text'], { cwd: dir, encoding: 'utf8' });
    expect(today).toContain('Serial Number');
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain("the temp CA's own");
  });

  it("a send refused after the CRL of its moment was read keeps nothing of it: the CRL is kept in the signature's transaction", async () => {
    // Vendor's certificates were revoked above, so the CRL of this moment is one not kept yet.
    const keptBefore = await service.ctx.storage.db.selectFrom('relied_temp_ca_crls').select('sha256').orderBy('sha256').execute();
    const clerk = await Clerk.login(service, 'chen.chiming');
    const temp = await clerk.enableTempCert();
    const doc = await clerk.createDocument('時戳機關時鐘落後時以臨時憑證傳送');
    const real = service.ctx.timeStampAuthority;
    // A TSA ten minutes behind the signer (beyond the five allowed): refused after the CRL was read.
    service.ctx.timeStampAuthority = {
      certificateDer: real.certificateDer,
      certificateSha256: real.certificateSha256,
      timeStampSignature: (value, now) => real.timeStampSignature(value, new Date(now.getTime() - 10 * 60 * 1000)),
    };
    try {
      expect(await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).toMatchObject({ status: 400, body: { code: 'SIGNING_TIME_AFTER_TIME_STAMP' } });
    } finally {
      service.ctx.timeStampAuthority = real;
    }
    expect(await service.ctx.storage.db.selectFrom('relied_temp_ca_crls').select('sha256').orderBy('sha256').execute()).toEqual(keptBefore);
    // The same send accepted: the CRL is kept with it, and named by it.
    expect((await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const [relied] = await reliedOf(doc.id);
    const keptAfter = await service.ctx.storage.db.selectFrom('relied_temp_ca_crls').select('sha256').execute();
    expect(keptAfter).toHaveLength(keptBefore.length + 1);
    expect(keptAfter.map((k) => k.sha256)).toContain(relied!.crl_sha256);
  });
});
