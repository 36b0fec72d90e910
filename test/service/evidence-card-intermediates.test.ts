import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { makeCardIssuer } from '../helpers/card-generations.js';
import { databaseKinds } from '../helpers/databases.js';
import { pemSigner } from '../helpers/demo-pki.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService } from '../helpers/service.js';

/**
 * A card under an intermediate CA (a GCA card under GRCA) signs with its own certificate alone;
 * the service completes its path from what registration kept. The evidence must carry that
 * intermediate, or nobody holding only the card roots can check the signature decades later.
 */
describe.each(databaseKinds())('evidence of signatures by cards under an intermediate CA on %s', (kind) => {
  it("carries the intermediate, so every README command checks with the card roots alone: the head's 決行 and the clerk's 補簽", async () => {
    const gca = await makeCardIssuer('CN=GRCA-style Test Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW', { underIntermediate: true });
    const service = await startTestService(kind, { extraCardRootsPem: gca.rootPem });
    try {
      const headCard = await gca.issue({ name: '葉彥志' });
      const vendorCard = await gca.issue({ name: '公文系統廠商' });
      await registerCardCertificate(service.ctx, 'yeh.yenchih', headCard.der, [gca.intermediateDer!]);
      await registerCardCertificate(service.ctx, 'vendor', vendorCard.der, [gca.intermediateDer!]);
      // As the card worker signs: the card's certificate alone in the CMS, no chain.
      const [headSigner, vendorSigner] = [pemSigner(headCard.certPem, headCard.keyPem), pemSigner(vendorCard.certPem, vendorCard.keyPem)];
      const vendor = await Clerk.login(service, 'vendor');
      const head = await Clerk.login(service, 'yeh.yenchih');
      const temp = await vendor.enableTempCert();
      const doc = await vendor.createDocument('中繼憑證機構下之卡片簽章證據');
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      expect((await head.act(doc.id, '決行', 'vendor', headSigner)).status).toBe(200);
      const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
      expect((await vendor.call('POST', '/api/resign', await resignRequest(pending, vendorSigner, '補簽'))).body.results[0].outcome).toBe('resigned');

      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
      const runs = runReadmeCommands(dir);
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      const commands = runs.map((r) => r.command);
      expect(commands).toContainEqual(expect.stringMatching(/^openssl cms -verify .*-in step-2\.p7s .*-CAfile trust\/card-roots\.pem/));
      expect(commands).toContainEqual(expect.stringMatching(/^openssl smime -verify .*-in step-1\.countersignature\.p7s .*-CAfile trust\/card-roots\.pem/));
      // The intermediate is among the certificates of what was exported, and was not in what was signed.
      const intermediate = Buffer.from(gca.intermediateDer!);
      const has = (file: string) => parseSignedData(new Uint8Array(readFileSync(join(dir, file)))).certificates.some((c) => intermediate.equals(c));
      expect([has('step-2.p7s'), has('step-1.p7s'), has('step-1.countersignature.p7s')]).toEqual([true, true, true]);
    } finally {
      await service.close();
    }
  });
});
