import type { PendingResignList, ResignItemResult, ResignRequest } from '../../src-shared/api/resign.js';
import { sameBytes } from '../../src-shared/cms/der.js';
import type { ParsedSignerInfo } from '../../src-shared/cms/parse.js';
import { parseOrRefuse, verifyCountersignature } from '../../src-shared/cms/verify.js';
import { GongwenError, messageOf } from '../../src-shared/errors.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { decodeSignature } from './actions.js';

/**
 * IFT940's list: my temp-signed steps that no card has countersigned yet, oldest first, a page at
 * a time (a clerk back from a long trip may have thousands). The cursor is the last step's
 * (sent_at, id), so steps re-signed meanwhile do not shift the pages.
 */
export async function pendingResignSteps(ctx: ServiceContext, actor: Actor, page: { limit: number; after?: string } = { limit: 1000 }): Promise<PendingResignList> {
  const { db } = ctx.storage;
  const mine = () =>
    db
      .selectFrom('steps as s')
      .where('s.holder_user_id', '=', actor.id)
      .where('s.temp_cert_used', '=', 1)
      .where('s.resigned_at', 'is', null);
  let query = mine()
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.id', 's.document_id', 'd.number', 'd.subject', 's.seq', 's.change_type', 's.sent_at', 's.signature'])
    .orderBy('s.sent_at')
    .orderBy('s.id')
    .limit(page.limit);
  if (page.after) {
    const [sentAt = '', id = ''] = page.after.split('|');
    query = query.where((eb) => eb.or([eb('s.sent_at', '>', sentAt), eb.and([eb('s.sent_at', '=', sentAt), eb('s.id', '>', id)])]));
  }
  const [rows, count] = await Promise.all([query.execute(), mine().select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()]);
  const last = rows[rows.length - 1];
  const steps = rows.map((r) => ({
    stepId: r.id,
    documentId: r.document_id,
    documentNumber: r.number,
    subject: r.subject,
    seq: r.seq,
    changeType: r.change_type,
    sentAt: r.sent_at!,
    signature: Buffer.from(r.signature!).toString('base64'),
  }));
  return { steps, total: Number(count.n), ...(last && rows.length === page.limit ? { next: `${last.sent_at}|${last.id}` } : {}) };
}

interface Accepted {
  stepId: string;
  seq: number;
  documentNumber: string;
  cms: Uint8Array;
  cardSha256: string;
}

/**
 * 補簽: accepts, per step, the step's signature with the card's countersignature added. Every
 * item is verified on its own (a batch may partly succeed), then all accepted ones are stored in
 * one transaction, each with a conditional update, so a step is re-signed once however often it
 * arrives; one already re-signed is reported as such and left alone.
 */
export async function resignSteps(ctx: ServiceContext, actor: Actor, request: ResignRequest): Promise<ResignItemResult[]> {
  const results = new Map<string, ResignItemResult>();
  const accepted: Accepted[] = [];
  for (const item of request.items) {
    try {
      const outcome = await checkOne(ctx, actor, item.stepId, item.signature, request.note);
      if ('cms' in outcome) accepted.push(outcome);
      else results.set(item.stepId, outcome);
    } catch (error) {
      if (!(error instanceof GongwenError)) throw error;
      results.set(item.stepId, { stepId: item.stepId, outcome: 'refused', code: error.code, message: messageOf(error.code) });
    }
  }
  if (accepted.length > 0) {
    const { dialect } = ctx.storage;
    const now = ctx.now();
    await ctx.storage.write(async (trx) => {
      for (const a of accepted) {
        const updated = await trx
          .updateTable('steps')
          .set({ signature: a.cms, resigned_at: now.toISOString(), resign_note: request.note, resign_certificate_sha256: a.cardSha256 })
          .where('id', '=', a.stepId)
          .where('resigned_at', 'is', null)
          .executeTakeFirst();
        if (updated.numUpdatedRows !== 1n) {
          results.set(a.stepId, { stepId: a.stepId, outcome: 'already-resigned' });
          continue;
        }
        await appendAudit(trx, dialect, now, { actor: actor.account, action: 'step.resign', subject: a.documentNumber, detail: { seq: a.seq, certificateSha256: a.cardSha256, note: request.note } });
        results.set(a.stepId, { stepId: a.stepId, outcome: 'resigned' });
      }
    });
  }
  return request.items.map((item) => results.get(item.stepId)!);
}

async function checkOne(ctx: ServiceContext, actor: Actor, stepId: string, signatureBase64: string, note: string): Promise<Accepted | ResignItemResult> {
  const step = await ctx.storage.db
    .selectFrom('steps as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.id', 's.seq', 's.holder_user_id', 's.temp_cert_used', 's.resigned_at', 's.payload', 's.signature', 'd.number'])
    .where('s.id', '=', stepId)
    .executeTakeFirst();
  if (!step || step.holder_user_id !== actor.id || !step.signature || !step.payload) throw new GongwenError('RESIGN_STEP_UNKNOWN');
  if (step.temp_cert_used !== 1) throw new GongwenError('RESIGN_NOT_TEMP');
  if (step.resigned_at !== null) return { stepId, outcome: 'already-resigned' };

  const cms = decodeSignature(signatureBase64);
  const submitted = parseOrRefuse(cms);
  const stored = parseOrRefuse(step.signature).signerInfos[0]!;
  const signerInfo = submitted.signerInfos[0];
  // The countersignature must sit on this very step's temp signature. That signature was verified
  // when the step was sent; identical bytes need no second verification.
  if (submitted.signerInfos.length !== 1 || !signerInfo || !sameSignature(signerInfo, stored)) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signature belongs to another step');
  if (signerInfo.countersignatures.length !== 1) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'exactly one countersignature is expected');
  const counter = verifyCountersignature(submitted, signerInfo, signerInfo.countersignatures[0]!);
  if (counter.note !== note) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signed note differs from the request');
  const now = ctx.now();
  if (counter.signingTime.getTime() > now.getTime() + ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'in the future');
  const cardSha256 = await ctx.signerPolicy.acceptCardCertificate(counter.certificate, submitted.certificates, actor.id, counter.signingTime, now);
  return { stepId, seq: step.seq, documentNumber: step.number, cms, cardSha256 };
}

function sameSignature(a: ParsedSignerInfo, b: ParsedSignerInfo): boolean {
  return sameBytes(a.signature, b.signature) && sameBytes(a.serial, b.serial) && sameBytes(a.issuer, b.issuer) && a.signedAttributesDer !== null && b.signedAttributesDer !== null && sameBytes(a.signedAttributesDer, b.signedAttributesDer);
}
