import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import type { OnBehalfPendingStep, PendingResignStep } from '../../src-shared/common/api/resign.js';
import { oid } from '../../src-shared/node/cms/oids.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { pkijsCountersignatureAttribute, pkijsVerifiesCountersignatures } from '../helpers/countersignature-pkijs.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';
import { PDF, paperRequest as paperRequestFor } from '../helpers/paper-resign.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { pemSigner, testPki } from '../helpers/demo-pki.js';
import { opensslVerifies, serveOpensslTsa, startOpensslTsa } from '../helpers/openssl-tsa.js';
import { onBehalfRequest, resignRequest, setUnitHead, tempSignedAndDecided } from '../helpers/resign.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { attachCountersignature } from '../../src-shared/node/cms/countersign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { fillPendingTimeStamps } from '../../src-server/timestamp/signature-time-stamps.js';
import { verifyYearsLater } from '../../src-server/timestamp/verify-later.js';
import { verifyEvidenceFolder } from '../../src-server/evidence/verify-evidence.js';
import { documentForRecords } from '../../src-server/admin/document-evidence.js';
import { AdminDocument } from '../../src-shared/common/api/admin.js';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const DAY_MS = 24 * 60 * 60 * 1000;
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The seconds `-attime` takes, of an ISO time. */
const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

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

  let publishedCrlSha256: string;

  beforeAll(async () => {
    // The test PKI's card CRL, so every card signature (the paper record's too) relies on a current one.
    const pki = await testPki();
    const crlDir = mkdtempSync(join(tmpdir(), 'crl-'));
    writeFileSync(join(crlDir, 'gca.crl.pem'), pki.gcaRootCrlPem!);
    publishedCrlSha256 = sha256Hex(fromPem(pki.gcaRootCrlPem!.replaceAll('X509 CRL', 'CERTIFICATE'))[0]!);
    service = await startTestService(kind, {
      config: { policy: AgencyPolicy.parse({ resign: { paperAccepted: true } }), cardCrlSources: [join(crlDir, 'gca.crl.pem')] },
    });
    vendor = await Clerk.login(service, 'vendor');
    head = await Clerk.login(service, 'yeh.yenchih');
    colleague = await Clerk.login(service, 'chen.chiming');
    temp = await vendor.enableTempCert();
    await setUnitHead(service, 'yeh.yenchih');
  });
  afterAll(() => service.close());

  const decided = (subject: string) => tempSignedAndDecided(vendor, head, temp, subject);
  const eightDaysLater = async () => {
    service.clock.offsetMs = 8 * DAY_MS;
    for (const clerk of [vendor, head, colleague]) clerk.token = (await Clerk.login(service, clerk.account)).token;
  };
  /** The paper request as the unit head's app makes it: the record over the scan's hash, signed by `card`. */
  const paperRequest = (clerk: Clerk, card: CmsSigner, step: PendingResignStep, reason: string, scan: Uint8Array = PDF, signedAt?: Date) =>
    paperRequestFor(clerk.account, card, step, reason, { scan, ...(signedAt ? { signedAt } : {}) });
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

  // First: the temp CA CRL a send relies on is made at the service clock of its moment, and the
  // tests below move that clock days ahead.
  it("a paper record gets its own time-stamp and keeps the card CRL it relied on; the README's commands verify it exactly as printed", async () => {
    const doc = await decided('紙本補簽時戳');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await eightDaysLater();
    try {
      const body = await paperRequest(head, await head.card(), step!, '紙本補簽，附時戳');
      expect((await head.call('POST', '/api/resign/paper', body)).body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
      const { db } = service.ctx.storage;
      const stamp = await db
        .selectFrom('signature_time_stamps')
        .selectAll()
        .where('step_id', '=', step!.stepId)
        .where('signer', '=', 'paper-record')
        .executeTakeFirstOrThrow();
      // Over the head's signature value (the SignerInfo's signature octets), by the built-in TSA.
      const recordValue = parseSignedData(new Uint8Array(Buffer.from(body.signature, 'base64'))).signerInfos[0]!.signature;
      const tsaPem = new X509Certificate(service.ctx.timeStampAuthority.certificateDer).toString();
      expect(opensslVerifies(new Uint8Array(stamp.token!), sha256Hex(recordValue), tsaPem)).toBe(true);
      const relied = await db.selectFrom('signature_crls').selectAll().where('step_id', '=', step!.stepId).where('signer', '=', 'paper-record').execute();
      expect(relied.map((r) => [r.crl_sha256, r.status])).toEqual([[publishedCrlSha256, 'current']]);

      const dir = await exportTo(doc.id);
      const runs = runReadmeCommands(dir);
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      const commands = runs.map((r) => r.command);
      expect(commands).toContain('openssl ts -verify -token_in -in step-1.paper-record.tst -data step-1.paper-record-value -CAfile trust/tsa.pem');
      const paperVerify = commands.find((c) => c.startsWith('openssl cms -verify') && c.includes('-in step-1.paper-record.p7s'));
      expect(paperVerify).toMatch(/-CAfile step-1\.paper-record\.ca-and-crls\.pem .* -crl_check -attime \d+$/);
      // As of the token's time, not the head's own claim.
      expect(Number(/-attime (\d+)$/.exec(paperVerify!)![1])).toBe(seconds(stamp.gen_time!));
      expect(commands).toContain(`cat trust/card-roots.pem crls/${publishedCrlSha256}.pem > step-1.paper-record.ca-and-crls.pem`);
      expect(readFileSync(join(dir, 'step-1.paper-record.tst')).equals(Buffer.from(stamp.token!))).toBe(true);

      // The project's verifier, "years later": the record is judged at its token's time, and says so.
      const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
      const trust = { signerRoots: service.ctx.cardRoots, timeStampAuthorities: [new X509Certificate(readFileSync(join(dir, 'trust', 'tsa.pem')))] };
      const verdict = await verifyYearsLater(file('step-1.paper-record.p7s'), file('step-1.paper-record.json'), trust, new Date());
      expect(verdict.signer).toMatchObject({ mode: 'time-stamp', checkedAt: new Date(stamp.gen_time!) });
      // verify-evidence, on the folder alone, finds the record beside the step's signature.
      const folderChecks = (await verifyEvidenceFolder(dir, {}, new Date())).checks;
      expect(folderChecks.map((c) => [c.step, c.signer, c.outcome.ok && c.outcome.verdict.mode])).toEqual([
        [1, 'signature', 'time-stamp'],
        [1, 'paper-record', 'time-stamp'],
        [2, 'signature', 'time-stamp'],
      ]);
      expect(folderChecks[1]!.outcome).toMatchObject({ verdict: { checkedAt: new Date(stamp.gen_time!) } });
      // The scan beside the record swapped for another file: the record's signature still stands,
      // but it names another scan, and the line says so.
      const swapped = mkdtempSync(join(tmpdir(), 'evidence-scan-'));
      cpSync(dir, swapped, { recursive: true });
      const scan = readdirSync(swapped).find((n) => n.startsWith('step-1.paper-scan.'))!;
      writeFileSync(join(swapped, scan), Buffer.concat([readFileSync(join(dir, scan)), Buffer.from('%% appended\n')]));
      const swappedChecks = (await verifyEvidenceFolder(swapped, {}, new Date())).checks;
      expect(swappedChecks.map((c) => [c.signer, c.outcome.ok ? 'valid' : c.outcome.code])).toEqual([
        ['signature', 'valid'],
        ['paper-record', 'EVIDENCE_PAPER_MISMATCH'],
        ['signature', 'valid'],
      ]);
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain(`paper record time-stamped ${stamp.gen_time}`);
      // The console's evidence page says the same: each signature checked as of its token.
      const sent = await db
        .selectFrom('signature_time_stamps')
        .select('gen_time')
        .where('step_id', '=', step!.stepId)
        .where('signer', '=', 'signature')
        .executeTakeFirstOrThrow();
      const view = AdminDocument.parse(await documentForRecords(service.ctx, step!.documentNumber));
      expect(view.flow[0]!.signature).toMatchObject({
        timeStamp: { mode: 'time-stamp', at: sent.gen_time },
        resign: { kind: 'paper', timeStamp: { mode: 'time-stamp', at: stamp.gen_time } },
      });
    } finally {
      service.clock.offsetMs = 0;
    }
  });

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
      await service.ctx.storage.sealAudit();
      const audit = await service.ctx.storage.db
        .selectFrom('audit_log')
        .select(['actor', 'detail'])
        .where('action', '=', 'step.resign-paper')
        .where('subject', '=', step!.documentNumber)
        .execute();
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

  it('refuses a paper record whose claimed signing time is later than its time-stamp, and changes nothing', async () => {
    const doc = await decided('紙本補簽簽章時間晚於時戳');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await eightDaysLater();
    const real = service.ctx.timeStampAuthority;
    try {
      // Signed at the service's present; a TSA whose clock is ten minutes behind (beyond the five allowed).
      const body = await paperRequest(head, await head.card(), step!, '紙本補簽', PDF, new Date(Date.now() + service.clock.offsetMs));
      service.ctx.timeStampAuthority = {
        certificateDer: real.certificateDer,
        certificateSha256: real.certificateSha256,
        timeStampSignature: (value, now) => real.timeStampSignature(value, new Date(now.getTime() - 10 * 60 * 1000)),
      };
      const before = await snapshot(service.ctx.storage.db);
      expect(await head.call('POST', '/api/resign/paper', body)).toMatchObject({ status: 400, body: { code: 'SIGNING_TIME_AFTER_TIME_STAMP' } });
      expect(await snapshot(service.ctx.storage.db)).toBe(before);
      service.ctx.timeStampAuthority = real;
      expect((await head.call('POST', '/api/resign/paper', body)).body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
    } finally {
      service.ctx.timeStampAuthority = real;
      service.clock.offsetMs = 0;
    }
  });

  it('evidence of a step re-signed before migration 0004 (countersignature inside its signature, no tokens): a command checks the countersignature', async () => {
    const doc = await decided('0004前補簽');
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    expect((await vendor.call('POST', '/api/resign', await resignRequest(pending, await vendor.card(), '補簽'))).body.results[0].outcome).toBe('resigned');
    // Reshaped as such a step is stored: the countersignature and its certificates inside the
    // signature (補簽 rewrote it then), nothing beside it, no time-stamps and no CRLs recorded.
    const { db } = service.ctx.storage;
    const stepId = pending[0]!.stepId;
    const row = await db
      .selectFrom('steps')
      .select(['signature', 'countersignature', 'resign_certificates'])
      .where('id', '=', stepId)
      .executeTakeFirstOrThrow();
    const hashes = JSON.parse(row.resign_certificates!) as string[];
    const carried = await db.selectFrom('carried_certificates').select(['sha256', 'der']).where('sha256', 'in', hashes).execute();
    const certificates = hashes.map((h) => new Uint8Array(carried.find((c) => c.sha256 === h)!.der));
    const inside = attachCountersignature(parseSignedData(new Uint8Array(row.signature!)), new Uint8Array(row.countersignature!), certificates);
    await service.ctx.storage.write(async (trx) => {
      await trx.updateTable('steps').set({ signature: inside, countersignature: null, resign_certificates: null }).where('id', '=', stepId).execute();
      await trx.deleteFrom('signature_time_stamps').where('step_id', '=', stepId).execute();
      await trx.deleteFrom('signature_crls').where('step_id', '=', stepId).execute();
    });

    const dir = await exportTo(doc.id);
    const runs = runReadmeCommands(dir);
    for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
    const step1 = runs.map((r) => r.command).filter((c) => c.includes('step-1.'));
    expect(step1).toEqual([
      expect.stringMatching(/^openssl cms -verify .*-in step-1\.p7s .*-attime \d+$/),
      expect.stringMatching(/^openssl smime -verify .*-in step-1\.countersignature\.p7s .*-content step-1\.signature-value .*-attime \d+$/),
    ]);
    // The countersignature file holds the very SignerInfo inside step-1.p7s.
    const counterInside = parseSignedData(new Uint8Array(readFileSync(join(dir, 'step-1.p7s')))).signerInfos[0]!.countersignatures[0]!;
    const alone = parseSignedData(new Uint8Array(readFileSync(join(dir, 'step-1.countersignature.p7s')))).signerInfos[0]!;
    expect(Buffer.from(alone.encoding).equals(Buffer.from(counterInside.encoding))).toBe(true);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain('re-signed before time-stamping began');
    // The console says neither has a time-stamp, and as of which time each is checked.
    const view = AdminDocument.parse(await documentForRecords(service.ctx, pending[0]!.documentNumber));
    expect(view.flow[0]!.signature).toMatchObject({ timeStamp: { mode: 'claimed' }, resign: { kind: 'self', timeStamp: { mode: 'claimed' } } });
  });

  it("refuses a paper record made with a unit head's revoked card, and changes nothing", async () => {
    const { revokedCard } = await testPki();
    // The revoked card is vendor's: here vendor heads the unit, and a colleague's step is due.
    const colleagueTemp = await colleague.enableTempCert();
    const doc = await colleague.createDocument('主管以已廢止的卡紀錄紙本補簽');
    expect((await colleague.act(doc.id, '送請簽核', 'yeh.yenchih', colleagueTemp)).status).toBe(200);
    const [step] = (await colleague.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    const { db } = service.ctx.storage;
    await registerCardCertificate(service.ctx, 'vendor', fromPem(revokedCard!.certPem)[0]!);
    await setUnitHead(service, 'vendor');
    await eightDaysLater();
    try {
      const body = await paperRequestFor('vendor', pemSigner(revokedCard!.certPem, revokedCard!.keyPem), step!, '承辦人已離職', { signer: 'chen.chiming' });
      const before = await snapshot(db);
      expect(await vendor.call('POST', '/api/resign/paper', body)).toMatchObject({ status: 400, body: { code: 'CERT_REVOKED' } });
      expect(await snapshot(db)).toBe(before);
    } finally {
      service.clock.offsetMs = 0;
      await setUnitHead(service, 'yeh.yenchih');
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

describe.each(databaseKinds())('a paper record while an external TSA is down on %s', (kind) => {
  it('is accepted with its time-stamp pending, the README says so, and the queue fetches the token later', async () => {
    const tsa = startOpensslTsa();
    const served = await serveOpensslTsa(tsa);
    const service = await startTestService(kind, {
      config: { policy: AgencyPolicy.parse({ resign: { paperAccepted: true } }), tsaUrl: served.url, tsaTrustPath: join(tsa.dir, 'root.pem') },
    });
    try {
      await setUnitHead(service, 'yeh.yenchih');
      served.answer = 'ok';
      const vendor = await Clerk.login(service, 'vendor');
      const temp = await vendor.enableTempCert();
      const doc = await vendor.createDocument('時戳機關停機時的紙本補簽');
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
      service.clock.offsetMs = 8 * DAY_MS;
      const head = await Clerk.login(service, 'yeh.yenchih');
      served.answer = 'down';
      const body = await paperRequestFor('yeh.yenchih', await head.card(), step!, '承辦人已離職');
      expect((await head.call('POST', '/api/resign/paper', body)).body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
      const rows = () =>
        service.ctx.storage.db
          .selectFrom('signature_time_stamps')
          .selectAll()
          .where('step_id', '=', step!.stepId)
          .where('signer', '=', 'paper-record')
          .execute();
      expect(await rows()).toEqual([expect.objectContaining({ token: null })]);
      const readme = async () =>
        Buffer.from((await buildEvidence(service.ctx, doc.id)).files.find((f) => f.name === 'README.txt')!.contentBase64, 'base64').toString('utf8');
      expect(await readme()).toContain('time-stamp pending for the paper record');
      const view = async () => (await documentForRecords(service.ctx, step!.documentNumber)).flow[0]!.signature!.resign!.timeStamp;
      expect(await view()).toEqual({ mode: 'pending', at: null });

      served.answer = 'ok';
      expect(await fillPendingTimeStamps(service.ctx)).toBe(1);
      const [row] = await rows();
      const recordValue = parseSignedData(new Uint8Array(Buffer.from(body.signature, 'base64'))).signerInfos[0]!.signature;
      expect(opensslVerifies(new Uint8Array(row!.token!), sha256Hex(recordValue), tsa.rootPem)).toBe(true);
      expect(await fillPendingTimeStamps(service.ctx)).toBe(0); // nothing twice
      expect(await view()).toEqual({ mode: 'time-stamp', at: row!.gen_time });
      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).not.toContain('pending');
      const runs = runReadmeCommands(dir);
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      expect(runs.map((r) => r.command)).toContain(
        'openssl ts -verify -token_in -in step-1.paper-record.tst -data step-1.paper-record-value -CAfile trust/tsa.pem',
      );
    } finally {
      await service.close();
      await served.close();
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

/**
 * Re-signs recorded before their kind was time-stamped (a card 補簽 before time-stamping began, a
 * paper record before paper records were time-stamped): no token, and none pending. A service of
 * their own, whose clock no earlier test has moved ahead, so the temp CA CRL a send relies on is
 * never later than the send.
 */
describe.each(databaseKinds())('evidence of re-signs recorded before they were time-stamped on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let head: Clerk;
  let temp: CmsSigner;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { policy: AgencyPolicy.parse({ resign: { paperAccepted: true } }) } });
    vendor = await Clerk.login(service, 'vendor');
    head = await Clerk.login(service, 'yeh.yenchih');
    temp = await vendor.enableTempCert();
    await setUnitHead(service, 'yeh.yenchih');
  });
  afterAll(() => service.close());

  const decided = (subject: string) => tempSignedAndDecided(vendor, head, temp, subject);
  const later = async (days: number) => {
    service.clock.offsetMs = days * DAY_MS;
    for (const clerk of [vendor, head]) clerk.token = (await Clerk.login(service, clerk.account)).token;
  };

  it('evidence of a card re-sign made before time-stamping began: checked as of the recorded re-sign time, never called pending', async () => {
    const doc = await decided('時戳前補簽');
    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    expect((await vendor.call('POST', '/api/resign', await resignRequest(pending, await vendor.card(), '補簽'))).body.results[0].outcome).toBe('resigned');
    const stepId = pending[0]!.stepId;
    // As such a step is stored: the countersignature beside the signature, no token row for it.
    await service.ctx.storage.write((trx) =>
      trx.deleteFrom('signature_time_stamps').where('step_id', '=', stepId).where('signer', '=', 'countersignature').execute(),
    );
    const { resigned_at } = await service.ctx.storage.db.selectFrom('steps').select('resigned_at').where('id', '=', stepId).executeTakeFirstOrThrow();

    const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
    await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    expect(readme).not.toContain('pending');
    expect(readme).toContain('no time-stamp (re-signed before time-stamping began)');
    const runs = runReadmeCommands(dir);
    for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
    const counter = runs.map((r) => r.command).filter((c) => c.includes('-in step-1.countersignature.p7s'));
    expect(counter).toEqual([expect.stringMatching(new RegExp(`-attime ${seconds(resigned_at!)}$`))]);
    const view = AdminDocument.parse(await documentForRecords(service.ctx, pending[0]!.documentNumber));
    expect(view.flow[0]!.signature!.resign!.timeStamp).toEqual({ mode: 'claimed', at: resigned_at });
  });

  it("evidence of a paper record made before paper records were time-stamped: as of the service's recording, not the head's claim", async () => {
    const doc = await decided('時戳前紙本補簽');
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    await later(8);
    try {
      // The head's card claims a time eight days before the service recorded the paper re-sign.
      const body = await paperRequestFor('yeh.yenchih', await head.card(), step!, '承辦人已離職');
      expect((await head.call('POST', '/api/resign/paper', body)).body).toEqual({ stepId: step!.stepId, outcome: 'resigned' });
      await service.ctx.storage.write((trx) =>
        trx.deleteFrom('signature_time_stamps').where('step_id', '=', step!.stepId).where('signer', '=', 'paper-record').execute(),
      );
      const { resigned_at } = await service.ctx.storage.db.selectFrom('steps').select('resigned_at').where('id', '=', step!.stepId).executeTakeFirstOrThrow();
      expect(seconds(resigned_at!)).not.toBe(seconds(body.signingTime));

      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      await writeEvidence(await buildEvidence(service.ctx, doc.id), dir);
      const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
      expect(readme).not.toContain('pending');
      expect(readme).toContain("no time-stamp (recorded before paper records were time-stamped): checked as of the service's recording of it");
      const runs = runReadmeCommands(dir);
      for (const run of runs) expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      const record = runs.map((r) => r.command).filter((c) => c.includes('-in step-1.paper-record.p7s'));
      expect(record).toEqual([expect.stringMatching(new RegExp(`-attime ${seconds(resigned_at!)}$`))]);
      // The console says the same time.
      const view = AdminDocument.parse(await documentForRecords(service.ctx, step!.documentNumber));
      expect(view.flow[0]!.signature!.resign!.timeStamp).toEqual({ mode: 'claimed', at: resigned_at });
    } finally {
      service.clock.offsetMs = 0;
    }
  });
});
