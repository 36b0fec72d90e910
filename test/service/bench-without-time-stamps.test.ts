import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvidence } from '../../src-server/evidence/evidence.js';
import { configFromEnvironment } from '../../src-server/service.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

/**
 * The bench-only switch GONGWEN_BENCH_WITHOUT_TIME_STAMPS (npm run bench measures what
 * time-stamping costs with it): read only when exactly "1", and then a send takes no token, so
 * the bench's "without" side really is without; unset, the same send is time-stamped.
 */
describe.each(databaseKinds())('the bench-only switch that takes no time-stamps, on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, { config: { benchWithoutTimeStamps: true } });
  });
  afterAll(() => service.close());

  it('is off unless set to 1', () => {
    expect(configFromEnvironment({}).benchWithoutTimeStamps).toBe(false);
    expect(configFromEnvironment({ GONGWEN_BENCH_WITHOUT_TIME_STAMPS: 'yes' }).benchWithoutTimeStamps).toBe(false);
    expect(configFromEnvironment({ GONGWEN_BENCH_WITHOUT_TIME_STAMPS: '1' }).benchWithoutTimeStamps).toBe(true);
  });

  it('takes no token when on; the evidence says the step has none', async () => {
    const vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    const doc = await vendor.createDocument('不加時戳的基準測試');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const rows = await service.ctx.storage.db
      .selectFrom('signature_time_stamps as t')
      .innerJoin('steps as s', 's.id', 't.step_id')
      .select('t.signer')
      .where('s.document_id', '=', doc.id)
      .execute();
    expect(rows).toEqual([]);
    const evidence = await buildEvidence(service.ctx, doc.id);
    const readme = Buffer.from(evidence.files.find((f) => f.name === 'README.txt')!.contentBase64, 'base64').toString('utf8');
    expect(readme).toContain('no time-stamp');
  });
});
