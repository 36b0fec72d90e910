import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { parseCountersignerInfo } from '../../src-shared/node/cms/parse.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { timeStampRequest } from '../../src-server/timestamp/remote.js';
import { fillPendingTimeStamps } from '../../src-server/timestamp/signature-time-stamps.js';
import { databaseKinds } from '../helpers/databases.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { opensslVerifies, serveOpensslTsa, startOpensslTsa, type OpensslTsa } from '../helpers/openssl-tsa.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** GONGWEN_TSA_URL: an independent TSA (openssl ts -reply over HTTP) stamps sends and 補簽; when it is down, nothing is refused or lost. */
describe.each(databaseKinds())('an external TSA by URL on %s', (kind) => {
  let tsa: OpensslTsa;
  let served: Awaited<ReturnType<typeof serveOpensslTsa>>;
  let service: TestService;
  let vendor: Clerk;
  let temp: CmsSigner;

  beforeAll(async () => {
    tsa = startOpensslTsa();
    served = await serveOpensslTsa(tsa);
    service = await startTestService(kind, { config: { tsaUrl: served.url, tsaTrustPath: join(tsa.dir, 'root.pem') } });
    vendor = await Clerk.login(service, 'vendor');
    temp = await vendor.enableTempCert();
  });
  afterAll(async () => {
    await service.close();
    await served.close();
  });

  const rowsOf = (stepId: string) =>
    service.ctx.storage.db.selectFrom('signature_time_stamps').selectAll().where('step_id', '=', stepId).orderBy('signer').execute();
  const firstStep = (documentId: string) =>
    service.ctx.storage.db
      .selectFrom('steps')
      .select(['id', 'signature_value'])
      .where('document_id', '=', documentId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();

  it("stamps a send and a 補簽 with the external TSA's tokens", async () => {
    served.answer = 'ok';
    const doc = await vendor.createDocument('外部時戳機關');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const step = await firstStep(doc.id);
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.stepId === step.id);
    const request = await resignRequest(pending, await vendor.card(), '補簽');
    expect((await vendor.call('POST', '/api/resign', request)).body.results[0].outcome).toBe('resigned');
    const [counter, own] = await rowsOf(step.id);
    expect(opensslVerifies(new Uint8Array(own!.token!), sha256Hex(new Uint8Array(step.signature_value!)), tsa.rootPem)).toBe(true);
    const counterValue = parseCountersignerInfo(new Uint8Array(Buffer.from(request.items[0]!.countersignature, 'base64'))).signature;
    expect(opensslVerifies(new Uint8Array(counter!.token!), sha256Hex(counterValue), tsa.rootPem)).toBe(true);
  });

  it('accepts a send while the TSA is down, says "time-stamp pending", and fetches the token later', async () => {
    served.answer = 'down';
    const doc = await vendor.createDocument('時戳機關停機時傳送');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const step = await firstStep(doc.id);
    expect(await rowsOf(step.id)).toEqual([expect.objectContaining({ signer: 'signature', token: null })]);
    // Taken to be down for a while: the next send does not wait on it again, and is accepted too.
    const requestsSoFar = served.requests;
    const next = await vendor.createDocument('停機期間第二件');
    expect((await vendor.act(next.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    expect(served.requests).toBe(requestsSoFar);
    const readme = (evidence: Awaited<ReturnType<typeof buildEvidence>>) =>
      Buffer.from(evidence.files.find((f) => f.name === 'README.txt')!.contentBase64, 'base64').toString('utf8');
    expect(readme(await buildEvidence(service.ctx, doc.id))).toContain('time-stamp pending for the signature');
    // Still down: the queue keeps it, counting the try.
    expect(await fillPendingTimeStamps(service.ctx)).toBe(0);
    const stillPending = await service.ctx.storage.db.selectFrom('signature_time_stamps').select(['attempts']).where('token', 'is', null).execute();
    expect(stillPending.map((r) => r.attempts).sort()).toEqual([0, 1]); // one tried, then the round stopped

    served.answer = 'ok';
    expect(await fillPendingTimeStamps(service.ctx)).toBe(2);
    const [row] = await rowsOf(step.id);
    expect(opensslVerifies(new Uint8Array(row!.token!), sha256Hex(new Uint8Array(step.signature_value!)), tsa.rootPem)).toBe(true);
    const evidence = await buildEvidence(service.ctx, doc.id);
    expect(readme(evidence)).not.toContain('pending');
    expect(evidence.files.map((f) => f.name)).toContain('step-1.signature.tst');
    expect(await fillPendingTimeStamps(service.ctx)).toBe(0); // nothing twice
  });
  it('accepts a send whose token the TSA gets wrong with its token pending; the queue says why, and fetches it once the TSA is mended', async () => {
    // A TSA answering every request with a reply made for another (another value, another nonce).
    const stale = tsa.reply(timeStampRequest(new Uint8Array(32), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
    served.answer = () => stale;
    const doc = await vendor.createDocument('時戳機關答非所問');
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const step = await firstStep(doc.id);
    expect(await rowsOf(step.id)).toEqual([expect.objectContaining({ signer: 'signature', token: null })]);
    // The queue's round stops at it, counts the try, and fails with the reason for the operator's log.
    await expect(fillPendingTimeStamps(service.ctx)).rejects.toMatchObject({ code: 'TIME_STAMP_INVALID' });
    expect(await rowsOf(step.id)).toEqual([expect.objectContaining({ token: null, attempts: 1 })]);

    served.answer = 'ok';
    expect(await fillPendingTimeStamps(service.ctx)).toBe(1);
    const [row] = await rowsOf(step.id);
    expect(opensslVerifies(new Uint8Array(row!.token!), sha256Hex(new Uint8Array(step.signature_value!)), tsa.rootPem)).toBe(true);
    // Answering again: the next send is stamped at once, not left pending for the rest of a pause.
    const next = await vendor.createDocument('時戳機關恢復後');
    expect((await vendor.act(next.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    expect(await rowsOf((await firstStep(next.id)).id)).toEqual([expect.objectContaining({ token: expect.anything() })]);
  });
});

/**
 * A TSA under a CA under the root (as one under a national root is): the token carries the CA, the
 * operator configures the CA that issued the TSA and the root above it, in either order. The
 * evidence's trust/tsa.pem must reach the root for `openssl ts -verify -CAfile` to end the chain.
 */
describe.each(databaseKinds())('evidence of tokens from an external TSA under a CA on %s', (kind) => {
  let tsa: OpensslTsa;
  let served: Awaited<ReturnType<typeof serveOpensslTsa>>;

  beforeAll(async () => {
    tsa = startOpensslTsa({ underCa: true });
    served = await serveOpensslTsa(tsa);
  });
  afterAll(() => served.close());

  it.each([
    ['the CA before the root', () => `${tsa.caPem!}${tsa.rootPem}`],
    ['the root before the CA', () => `${tsa.rootPem}${tsa.caPem!}`],
  ])('trusting %s: every README command passes as printed', async (_trust, trustPem) => {
    const trustPath = join(mkdtempSync(join(tmpdir(), 'tsa-trust-')), 'trust.pem');
    writeFileSync(trustPath, trustPem());
    const service = await startTestService(kind, { config: { tsaUrl: served.url, tsaTrustPath: trustPath } });
    try {
      const vendor = await Clerk.login(service, 'vendor');
      const temp = await vendor.enableTempCert();
      const doc = await vendor.createDocument('外部時戳機關三層');
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
      const runs = runReadmeCommands(dir);
      expect(runs.map((r) => r.command)).toContainEqual(expect.stringMatching(/^openssl ts -verify .*-CAfile trust\/tsa\.pem/));
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      expect(readFileSync(join(dir, 'trust', 'tsa.pem'), 'utf8')).toContain(tsa.rootPem.trim());
    } finally {
      await service.close();
    }
  });
});
