import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import { paperResignRecordBytes, type OnBehalfPendingStep, type PendingResignStep } from '../../src-shared/common/api/resign.js';
import { oid } from '../../src-shared/node/cms/oids.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { pkijsCountersignatureAttribute, pkijsVerifiesCountersignatures } from '../helpers/countersignature-pkijs.js';
import { databaseKinds } from '../helpers/databases.js';
import { onBehalfRequest } from '../helpers/resign.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * 紙本補簽 where the policy accepts it, refused where it does not; and the evidence of a step
 * re-signed on behalf or on paper: openssl verifies the main signature (and the paper record), our
 * verifier and PKI.js the countersignature and its attributes.
 */
describe.each(databaseKinds())('paper re-signs and the evidence of re-signs by others on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let head: Clerk;
  let colleague: Clerk;
  let temp: CmsSigner;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { policy: AgencyPolicy.parse({ resign: { paperAccepted: true } }) } });
    vendor = await Clerk.login(service, 'vendor');
    head = await Clerk.login(service, 'yeh.yenchih');
    colleague = await Clerk.login(service, 'chen.chiming');
    temp = await vendor.enableTempCert();
    const headId = (await findUserByAccount(service.ctx.storage.db, 'yeh.yenchih'))!.id;
    await service.ctx.storage.write((trx) => trx.updateTable('units').set({ head_user_id: headId }).where('id', '=', 'ict').execute());
  });
  afterAll(() => service.close());

  const decided = async (subject: string) => {
    const doc = await vendor.createDocument(subject);
    await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp);
    await head.act(doc.id, '決行', 'vendor', await head.card());
    return doc;
  };
  const eightDaysLater = async () => {
    service.clock.offsetMs = 8 * DAY_MS;
    for (const clerk of [vendor, head, colleague]) clerk.token = (await Clerk.login(service, clerk.account)).token;
  };
  /** The paper request as the unit head's app makes it: the record over the scan's hash, signed by `card`. */
  const paperRequest = async (
    clerk: Clerk,
    card: CmsSigner,
    step: { stepId: string; documentId: string; documentNumber: string; seq: number },
    reason: string,
    scan: Uint8Array = PDF,
  ) => {
    const signingTime = signingTimeOf(new Date());
    const record = paperResignRecordBytes({
      kind: 'paper-resign',
      documentId: step.documentId,
      documentNumber: step.documentNumber,
      step: step.seq,
      signer: 'vendor',
      recordedBy: clerk.account,
      scanSha256: createHash('sha256').update(scan).digest('hex'),
      reason,
      signingTime,
    });
    const signature = await signStep(record, card, new Date(signingTime));
    return { stepId: step.stepId, reason, scan: Buffer.from(scan).toString('base64'), signature: Buffer.from(signature).toString('base64'), signingTime };
  };
  const exportTo = async (documentId: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
    await writeEvidence(await buildEvidence(service.ctx, documentId), dir);
    return dir;
  };
  const opensslVerify = (dir: string, p7s: string, content: string, ca: string) =>
    execFileSync(
      'openssl',
      ['cms', '-verify', '-inform', 'DER', '-in', p7s, '-binary', '-content', content, '-CAfile', ca, '-purpose', 'any', '-out', '/dev/null'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

  it('the unit head records a paper re-sign: the flow shows it, the gate counts it, evidence carries the scan and the signed record', async () => {
    const doc = await decided('紙本補簽');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await eightDaysLater();
    try {
      const refused = async (clerk: Clerk, body: object, code: string) => {
        const r = await clerk.call('POST', '/api/resign/paper', body);
        expect(r.body.code).toBe(code);
        expect((await vendor.open(doc.id)).flow[0]!.resignedAt).toBeNull();
      };
      await refused(colleague, await paperRequest(colleague, await colleague.card(), step!, '紙本'), 'PAPER_UNIT_HEAD_ONLY');
      await refused(head, await paperRequest(head, await head.card(), step!, '紙本', new TextEncoder().encode('GIF89a....')), 'PAPER_SCAN_INVALID');
      await refused(head, await paperRequest(head, await head.card(), step!, ' '), 'RESIGN_REASON_REQUIRED');
      // The record names another scan than the one sent.
      const other = await paperRequest(head, await head.card(), step!, '紙本', new TextEncoder().encode('%PDF-1.4 another'));
      await refused(head, { ...other, scan: Buffer.from(PDF).toString('base64') }, 'SIGNATURE_PAYLOAD_MISMATCH');

      const body = await paperRequest(head, await head.card(), step!, '承辦人已離職，主管以紙本補簽');
      const r = await head.call('POST', '/api/resign/paper', body);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
      expect((await head.call('POST', '/api/resign/paper', body)).body).toEqual({ stepId: step!.stepId, outcome: 'already-resigned' });
      expect((await vendor.open(doc.id)).flow[0]).toMatchObject({ resignKind: 'paper', resignedBy: '葉彥志', resignReason: '承辦人已離職，主管以紙本補簽' });
      expect((await vendor.act(doc.id, '歸檔', null, await vendor.card())).status).toBe(200);

      const dir = await exportTo(doc.id);
      expect(readFileSync(join(dir, 'step-1.paper-scan.pdf')).equals(Buffer.from(PDF))).toBe(true);
      const record = JSON.parse(readFileSync(join(dir, 'step-1.paper-record.json'), 'utf8'));
      expect(record).toMatchObject({
        kind: 'paper-resign',
        step: 1,
        signer: 'vendor',
        recordedBy: 'yeh.yenchih',
        scanSha256: createHash('sha256').update(PDF).digest('hex'),
      });
      opensslVerify(dir, 'step-1.paper-record.p7s', 'step-1.paper-record.json', 'trust/card-roots.pem');
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain('re-signed on paper (紙本補簽) for vendor, recorded by yeh.yenchih');
      const audit = await service.ctx.storage.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'step.resign-paper').execute();
      expect(audit.map((a) => a.actor)).toEqual(['yeh.yenchih']);
    } finally {
      service.clock.offsetMs = 0;
    }
  });

  it('a scan too large to send inline is uploaded raw first and named by its upload id, spent once', async () => {
    const doc = await decided('紙本補簽大掃描檔');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await eightDaysLater();
    try {
      // A 4 MB scan: a phone photo of several pages.
      const scan = Buffer.concat([Buffer.from(PDF), randomBytes(4 * 1024 * 1024)]);
      const inline = await paperRequest(head, await head.card(), step!, '紙本補簽（大檔）', scan);
      const tooLarge = await head.call('POST', '/api/resign/paper', inline);
      expect([tooLarge.status, tooLarge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);

      const uploadAs = (clerk: Clerk) =>
        call(service, {
          method: 'POST',
          url: '/api/attachments',
          payload: scan,
          headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${clerk.token}` },
        });
      const { scan: _inline, ...named } = inline;
      // Another person's upload is as unknown as a made-up one, and changes nothing.
      const theirs = (await uploadAs(colleague)).body.uploadId as string;
      const before = await snapshot(service.ctx.storage.db);
      const refused = await head.call('POST', '/api/resign/paper', { ...named, scanUploadId: theirs });
      expect([refused.status, refused.body.code]).toEqual([400, 'ATTACHMENT_UPLOAD_UNKNOWN']);
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
      // Both forms at once, or neither, is a malformed request.
      const mine = (await uploadAs(head)).body.uploadId as string;
      expect((await head.call('POST', '/api/resign/paper', { ...named, scan: Buffer.from(PDF).toString('base64'), scanUploadId: mine })).body.code).toBe(
        'VALIDATION_FAILED',
      );
      expect((await head.call('POST', '/api/resign/paper', named)).body.code).toBe('VALIDATION_FAILED');

      const r = await head.call('POST', '/api/resign/paper', { ...named, scanUploadId: mine });
      expect(r.body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
      const kept = await service.ctx.storage.db
        .selectFrom('paper_resigns')
        .select(['scan', 'scan_sha256'])
        .where('step_id', '=', step!.stepId)
        .executeTakeFirstOrThrow();
      expect(Buffer.compare(Buffer.from(kept.scan), scan)).toBe(0);
      const waiting = await service.ctx.storage.db.selectFrom('attachment_uploads').select('id').where('id', '=', mine).execute();
      expect(waiting).toEqual([]);
    } finally {
      service.clock.offsetMs = 0;
    }
  });

  it('evidence of an on-behalf step: openssl verifies the main signature, our verifier and PKI.js the countersignature', async () => {
    const doc = await decided('代為補簽證據');
    await eightDaysLater();
    try {
      const listed = (await head.call<{ steps: OnBehalfPendingStep[] }>('GET', '/api/resign/on-behalf/pending')).body.steps.filter(
        (s) => s.documentId === doc.id,
      );
      const r = await head.call('POST', '/api/resign/on-behalf', await onBehalfRequest(listed, await head.card(), '主管代為補簽', '承辦人長期病假'));
      expect(r.body.results[0].outcome).toBe('resigned');
      const dir = await exportTo(doc.id);
      opensslVerify(dir, 'step-1.p7s', 'step-1.payload', 'trust/temp-ca.pem');
      const p7s = readFileSync(join(dir, 'step-1.p7s'));
      const verified = verifyStepSignature(p7s, readFileSync(join(dir, 'step-1.payload')));
      expect(verified.countersignatures).toHaveLength(1);
      expect(verified.countersignatures[0]).toMatchObject({ note: '主管代為補簽', onBehalf: { signerAccount: 'vendor', reason: '承辦人長期病假' } });
      expect(verified.countersignatures[0]!.certificate.subject).toContain('葉彥志');
      service.ctx.signerPolicy.assertChainsToRoot(verified.countersignatures[0]!.certificate, verified.parsed.certificates);
      expect(await pkijsVerifiesCountersignatures(p7s)).toEqual([true]);
      expect(pkijsCountersignatureAttribute(p7s, oid.resignReason)).toEqual(['承辦人長期病假']);
      expect(pkijsCountersignatureAttribute(p7s, oid.resignOnBehalfOf)).toEqual(['vendor']);
      // PKI.js is not fooled: the countersignature over another value does not verify.
      const tampered = Buffer.from(p7s);
      const at = tampered.indexOf(Buffer.from(verified.parsed.signerInfos[0]!.signature));
      tampered[at + 10]! ^= 0x01;
      expect(await pkijsVerifiesCountersignatures(tampered)).toEqual([false]);
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain(
        're-signed on behalf (代為補簽) of vendor by yeh.yenchih as unit head (主管); reason (原因): 承辦人長期病假',
      );
    } finally {
      service.clock.offsetMs = 0;
    }
  });
});

describe.each(databaseKinds())('paper re-signs under the default policy on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(kind);
  });
  afterAll(() => service.close());

  it('are refused by policy, whoever asks and whatever they send', async () => {
    const head = await Clerk.login(service, 'yeh.yenchih');
    const r = await head.call('POST', '/api/resign/paper', {
      stepId: '00000000-0000-4000-8000-000000000000',
      reason: '紙本',
      scan: Buffer.from(PDF).toString('base64'),
      signature: Buffer.from('x').toString('base64'),
      signingTime: '2026-11-30T00:00:00Z',
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('PAPER_NOT_ACCEPTED');
  });
});
