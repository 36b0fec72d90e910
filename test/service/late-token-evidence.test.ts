import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GongwenError } from '../../src-shared/common/errors.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { fillPendingTimeStamps } from '../../src-server/timestamp/signature-time-stamps.js';
import { databaseKinds } from '../helpers/databases.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { Clerk, startTestService } from '../helpers/service.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A temp-cert send accepted while the TSA was down, its token fetched three days later: the temp
 * CA CRL the send relied on was good for a day, so openssl's -crl_check at the token's time would
 * answer "CRL has expired" for a signature nothing is wrong with. The README leaves -crl_check out
 * of that command and says why; every command it prints passes as printed.
 */
describe.each(databaseKinds())('evidence of a signature time-stamped after its CRL went stale on %s', (kind) => {
  it('checks without -crl_check where the CRL relied on does not cover the token’s time, says so, and every command passes', async () => {
    const service = await startTestService(kind);
    const builtIn = service.ctx.timeStampAuthority;
    try {
      const vendor = await Clerk.login(service, 'vendor');
      const temp = await vendor.enableTempCert();
      service.ctx.timeStampAuthority = {
        certificateDer: builtIn.certificateDer,
        certificateSha256: builtIn.certificateSha256,
        timeStampSignature: () => Promise.reject(new GongwenError('TIME_STAMP_UNAVAILABLE', 'down')),
      };
      const doc = await vendor.createDocument('時戳遲到三日');
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      service.ctx.timeStampAuthority = builtIn;
      service.clock.offsetMs = 3 * DAY_MS;
      expect(await fillPendingTimeStamps(service.ctx)).toBe(1);

      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
      const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
      const runs = runReadmeCommands(dir);
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      const verify = runs.map((r) => r.command).filter((c) => c.includes('-in step-1.p7s'));
      expect(verify).toEqual([expect.not.stringContaining('-crl_check')]);
      expect(readme).toMatch(/crls\/[0-9a-f]{64}\.pem \(.* to .*\) does not cover .*, so -crl_check is left out/);
    } finally {
      service.ctx.timeStampAuthority = builtIn;
      await service.close();
    }
  });
});
