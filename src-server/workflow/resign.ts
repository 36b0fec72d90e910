import type { PendingResignStep, ResignItemResult, ResignRequest } from '../../src-shared/api/resign.js';
import { sameBytes } from '../../src-shared/cms/der.js';
import { verifyStepSignature } from '../../src-shared/cms/verify.js';
import { GongwenError, messageOf } from '../../src-shared/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { decodeSignature } from './actions.js';

/** IFT940's list: my temp-signed steps that no card has countersigned yet, oldest first. */
export async function pendingResignSteps(ctx: ServiceContext, actor: Actor): Promise<PendingResignStep[]> {
  const rows = await ctx.storage.db
    .selectFrom('steps as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.id', 's.document_id', 'd.number', 'd.subject', 's.seq', 's.change_type', 's.sent_at', 's.signature'])
    .where('s.holder_user_id', '=', actor.id)
    .where('s.temp_cert_used', '=', 1)
    .where('s.resigned_at', 'is', null)
    .orderBy('s.sent_at')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    stepId: r.id,
    documentId: r.document_id,
    documentNumber: r.number,
    subject: r.subject,
    seq: r.seq,
    changeType: r.change_type,
    sentAt: r.sent_at!,
    signature: Buffer.from(r.signature!).toString('base64'),
  }));
}

/**
 * 補簽: accepts, per step, the step's signature with the card's countersignature added. Each item
 * is verified and stored on its own, so a batch may partly succeed; a step already re-signed is
 * reported as such and left alone, which makes a retried batch harmless.
 */
export async function resignSteps(ctx: ServiceContext, actor: Actor, request: ResignRequest): Promise<ResignItemResult[]> {
  const results: ResignItemResult[] = [];
  for (const item of request.items) {
    try {
      results.push(await resignOne(ctx, actor, item.stepId, item.signature, request.note));
    } catch (error) {
      if (!(error instanceof GongwenError)) throw error;
      results.push({ stepId: item.stepId, outcome: 'refused', code: error.code, message: messageOf(error.code) });
    }
  }
  return results;
}

/** The resubmitted signature must still be over this step's payload: if not, it belongs to another step. */
function verifyResubmitted(cms: Uint8Array, payload: Uint8Array) {
  try {
    return verifyStepSignature(cms, payload);
  } catch (error) {
    if (error instanceof GongwenError && error.code === 'SIGNATURE_PAYLOAD_MISMATCH') throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signature belongs to another step');
    throw error;
  }
}

async function resignOne(ctx: ServiceContext, actor: Actor, stepId: string, signatureBase64: string, note: string): Promise<ResignItemResult> {
  const { db, dialect } = ctx.storage;
  const step = await db
    .selectFrom('steps as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.id', 's.seq', 's.holder_user_id', 's.temp_cert_used', 's.resigned_at', 's.payload', 's.signature', 'd.number'])
    .where('s.id', '=', stepId)
    .executeTakeFirst();
  if (!step || step.holder_user_id !== actor.id || !step.signature || !step.payload) throw new GongwenError('RESIGN_STEP_UNKNOWN');
  if (step.temp_cert_used !== 1) throw new GongwenError('RESIGN_NOT_TEMP');
  if (step.resigned_at !== null) return { stepId, outcome: 'already-resigned' };

  const cms = decodeSignature(signatureBase64);
  const verified = verifyResubmitted(cms, step.payload);
  const stored = verifyStepSignature(step.signature, step.payload).parsed.signerInfos[0]!;
  const submitted = verified.parsed.signerInfos[0]!;
  // The countersignature must sit on this very step's temp signature, not on some other one.
  if (!sameBytes(submitted.signature, stored.signature) || !sameBytes(submitted.serial, stored.serial)) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'not this step’s signature');
  if (verified.countersignatures.length !== 1) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'exactly one countersignature is expected');
  const counter = verified.countersignatures[0]!;
  if (counter.note !== note) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signed note differs from the request');
  const now = ctx.now();
  if (counter.signingTime.getTime() > now.getTime() + ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'in the future');
  const cardSha256 = await ctx.signerPolicy.acceptCardCertificate(counter.certificate, verified.parsed.certificates, actor.id, counter.signingTime, now);

  const applied = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('steps')
      .set({ signature: cms, resigned_at: now.toISOString(), resign_note: note, resign_certificate_sha256: cardSha256 })
      .where('id', '=', stepId)
      .where('resigned_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) return false;
    await appendAudit(trx, dialect, now, { actor: actor.account, action: 'step.resign', subject: step.number, detail: { seq: step.seq, certificateSha256: cardSha256, note } });
    return true;
  });
  return { stepId, outcome: applied ? 'resigned' : 'already-resigned' };
}
