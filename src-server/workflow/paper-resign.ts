import { createHash } from 'node:crypto';
import { paperResignRecordBytes, type PaperResignRequest, type PaperResignResponse } from '../../src-shared/common/api/resign.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { onBehalfRight } from '../organisation/on-behalf-right.js';
import { storeReliedCrls } from '../revocation/card-revocation.js';
import { markResignedOnPaper } from '../storage/steps.js';
import { storeTimeStamps, timeStampSignature } from '../timestamp/signature-time-stamps.js';
import { decodeBase64 } from './actions.js';
import { takeUpload, uploadedContent } from './attachment-uploads.js';
import { assertDueOnBehalf } from './resign-on-behalf.js';

/** The scan kinds accepted, by their first bytes: what a scanner or a phone makes. */
const SCAN_KINDS: readonly { mediaType: string; magic: readonly number[] }[] = [
  { mediaType: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { mediaType: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mediaType: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
];

/** The scan's media type from its first bytes (never from a name or a header the sender chose), or PAPER_SCAN_INVALID. */
export function scanMediaType(scan: Uint8Array): string {
  const kind = SCAN_KINDS.find((k) => k.magic.every((byte, i) => scan[i] === byte));
  if (!kind) throw new GongwenError('PAPER_SCAN_INVALID');
  return kind.mediaType;
}

/**
 * 紙本補簽: where the policy accepts it, the signer's unit head records that a temp-signed step was
 * re-signed on paper: the scan, and their card's signature over a record naming the step, the
 * scan's SHA-256 and the reason. The service rebuilds the record from its own state and the
 * request and verifies the signature over those bytes. As for 代為補簽, the step must be due on
 * behalf (overdue, or the signer left) and the right is checked at this moment; the step is
 * re-signed once (a conditional update), the same record again answers as the first time. The
 * head's signature gets its time-stamp and keeps the CRLs its card was checked against, beside
 * the record (`signature_time_stamps`, `signature_crls`, signer 'paper-record').
 */
export async function recordPaperResign(ctx: ServiceContext, actor: Actor, request: PaperResignRequest): Promise<PaperResignResponse> {
  if (!ctx.policy.resign.paperAccepted) throw new GongwenError('PAPER_NOT_ACCEPTED');
  if (request.reason.trim() === '') throw new GongwenError('RESIGN_REASON_REQUIRED');
  const { db } = ctx.storage;
  const step = await db
    .selectFrom('steps as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .innerJoin('users as h', 'h.id', 's.holder_user_id')
    .leftJoin('paper_resigns as p', 'p.step_id', 's.id')
    .select([
      's.id',
      's.seq',
      's.holder_user_id',
      's.temp_cert_used',
      's.resigned_at',
      's.signature_value',
      's.signing_time',
      's.sent_at',
      'd.id as document_id',
      'd.number',
      'h.account as holder_account',
      'h.separated_at as holder_separated_at',
      'p.scan_sha256',
      'p.recorded_by_user_id',
    ])
    .where('s.id', '=', request.stepId)
    .executeTakeFirst();
  if (!step || !step.signature_value) throw new GongwenError('RESIGN_STEP_UNKNOWN');
  if (step.temp_cert_used !== 1) throw new GongwenError('RESIGN_NOT_TEMP');
  const now = ctx.now();
  // Only the unit head, whatever the policy says of deputies: a paper re-sign is the head's record.
  if ((await onBehalfRight(db, { onBehalfBy: 'unit-head' }, actor.id, step.holder_user_id, now)) !== 'unit-head')
    throw new GongwenError('PAPER_UNIT_HEAD_ONLY');

  const scan =
    request.scanUploadId !== undefined
      ? await uploadedContent(db, actor, request.scanUploadId, now)
      : new Uint8Array(Buffer.from(request.scan ?? '', 'base64'));
  const mediaType = scanMediaType(scan);
  const scanSha256 = createHash('sha256').update(scan).digest('hex');
  const signingTime = new Date(request.signingTime);
  if (signingTimeOf(signingTime) !== request.signingTime) throw new GongwenError('SIGNING_TIME_INVALID', 'use whole seconds in UTC, e.g. 2014-05-27T09:24:00Z');
  if (signingTime.getTime() > now.getTime() + ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'in the future');
  if (step.signing_time && signingTime.getTime() < new Date(step.signing_time).getTime())
    throw new GongwenError('SIGNING_TIME_INVALID', 'before the signature it re-signs');
  const record = paperResignRecordBytes({
    kind: 'paper-resign',
    documentId: step.document_id,
    documentNumber: step.number,
    step: step.seq,
    signer: step.holder_account,
    recordedBy: actor.account,
    scanSha256,
    reason: request.reason,
    signingTime: request.signingTime,
  });
  const cms = decodeBase64(request.signature);
  const verified = verifyStepSignature(cms, record);
  if (verified.countersignatures.length > 0) throw new GongwenError('SIGNATURE_PROFILE', 'a paper record’s signature carries no countersignature');
  if (verified.signer.signingTime.getTime() !== signingTime.getTime()) throw new GongwenError('SIGNING_TIME_INVALID', 'signing-time differs from the record');
  const signer = await ctx.signerPolicy.accept(verified.signer, verified.parsed.certificates, actor.id, now);
  if (signer.kind !== 'card') throw new GongwenError('CERT_UNTRUSTED', 'a paper re-sign is recorded with the card');

  if (step.resigned_at !== null) {
    if (step.scan_sha256 === scanSha256 && step.recorded_by_user_id === actor.id) return { stepId: step.id, outcome: 'already-resigned' };
    throw new GongwenError('RESIGN_ALREADY_DONE');
  }
  assertDueOnBehalf(ctx, step, now);
  // CAdES-T like every other signature the service accepts: a token over the head's signature
  // value (or pending while an external TSA is down), taken before the write so that both land in
  // one transaction; a claimed signing time later than the token is refused.
  const timeStamp = await timeStampSignature(ctx, verified.parsed.signerInfos[0]!.signature, signingTime);
  const { dialect } = ctx.storage;
  return ctx.storage.write(async (trx) => {
    const updated = await markResignedOnPaper(trx, step.id, { resignedAt: now.toISOString(), userId: actor.id, reason: request.reason });
    if (!updated) return { stepId: step.id, outcome: 'already-resigned' as const };
    // The upload is spent by this write only: a failed write leaves it waiting for a retry.
    if (request.scanUploadId !== undefined) await takeUpload(trx, actor, request.scanUploadId);
    await trx
      .insertInto('paper_resigns')
      .values({
        step_id: step.id,
        scan,
        scan_media_type: mediaType,
        scan_sha256: scanSha256,
        record,
        signature: cms,
        certificate_sha256: signer.certificateSha256,
        recorded_by_user_id: actor.id,
        recorded_at: now.toISOString(),
      })
      .execute();
    await storeTimeStamps(trx, [{ stepId: step.id, signer: 'paper-record', stamp: timeStamp }]);
    // What the head's card's revocation check relied on, kept as for a 補簽 countersignature.
    await storeReliedCrls(trx, [{ stepId: step.id, signer: 'paper-record', relied: signer.revocation }]);
    await appendAudit(trx, dialect, now, {
      actor: actor.account,
      action: 'step.resign-paper',
      subject: step.number,
      detail: {
        seq: step.seq,
        signer: step.holder_account,
        right: 'unit-head',
        reason: request.reason,
        scanSha256,
        certificateSha256: signer.certificateSha256,
      },
    });
    return { stepId: step.id, outcome: 'resigned' as const };
  });
}
