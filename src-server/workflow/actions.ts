import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ActionRequest, ActionResult } from '../../src-shared/common/api/documents.js';
import { isStrictBase64 } from '../../src-shared/common/api/text.js';
import { canonicalJson } from '../../src-shared/common/canonical-json.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { arrivalStatus, isClosing, statusAfter, type Action, type DocumentStatus } from '../../src-shared/common/flow.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { appendAudit } from '../audit/audit-log.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../storage/database.js';
import type { DocumentRow } from '../storage/schema.js';
import { insertArrivedStep, openStep, recordSending } from '../storage/steps.js';
import { storeTimeStamps, timeStampSignature } from '../timestamp/signature-time-stamps.js';
import { storeReliedCrls } from '../revocation/card-revocation.js';
import { reliedTempCaCrl } from '../revocation/temp-ca-reliance.js';
import { loadVisibleDocument, newStepToken } from './documents.js';
import { assertResigned, isHeldForResign } from './resign-gate.js';

export type ActionInput = z.output<typeof ActionRequest>;

/**
 * 傳送 and the other signed actions (陳核, 會辦, 退回, 決行, 歸檔, 發文): verify the step signature
 * against a payload the service rebuilds from its own state, then move the document on in one
 * transaction guarded by the step token, so two concurrent sends of a step cannot both apply.
 * An idempotency key makes a retried send return the first answer and change nothing.
 */
export async function performAction(ctx: ServiceContext, actor: Actor, documentId: string, input: ActionInput): Promise<ActionResult> {
  const requestSha256 = createHash('sha256')
    .update(canonicalJson({ documentId, ...input }))
    .digest('hex');
  const replay = await previousAnswer(ctx, actor, input.idempotencyKey, requestSha256);
  if (replay) return replay;

  const { db } = ctx.storage;
  const doc = await loadVisibleDocument(db, actor, documentId);
  if (doc.status === '已歸檔' || doc.status === '已發文') throw new GongwenError('DOCUMENT_CLOSED');
  // The token first: a send that lost a race, or replays an old signature, is a 409 whoever asks.
  if (doc.step_token !== input.stepToken) throw new GongwenError('STEP_TOKEN_STALE');
  if (doc.holder_user_id !== actor.id) throw new GongwenError('NOT_CURRENT_HOLDER');

  const action = input.action;
  const recipient = await checkRoute(ctx, actor, doc, action, input.recipient);
  const step = await openStep(db, doc.id, doc.current_seq);

  const signingTime = checkSigningTime(ctx, input.signingTime, step.arrivedAt);
  // Rebuilt from the service's own state: the client's idea of the document is never trusted.
  const payload = canonicalStepPayload(
    payloadForStep(
      { id: doc.id, number: doc.number, contentSha256: doc.content_sha256, currentSeq: doc.current_seq, stepToken: doc.step_token },
      { action, sender: actor.account, recipient: recipient?.account ?? null, opinion: input.opinion, signingTime: input.signingTime },
    ),
  );
  const cms = decodeBase64(input.signature);
  const verified = verifyStepSignature(cms, payload);
  if (verified.countersignatures.length > 0) throw new GongwenError('SIGNATURE_PROFILE', { reason: 'COUNTERSIGNATURE_IN_NEW_STEP' });
  if (verified.signer.signingTime.getTime() !== signingTime.getTime())
    throw new GongwenError('SIGNING_TIME_INVALID', 'signing-time differs from the payload’s signingTime (compared to the second)');
  const signer = await ctx.signerPolicy.accept(verified.signer, verified.parsed.certificates, actor.id, ctx.now());

  if (isClosing(action)) {
    // The closing step itself, which nobody could re-sign afterwards, must be signed with the
    // card; the temp-signed steps before it are re-signed before 歸檔 / 發文 as the policy says.
    if (signer.kind === 'temp') throw new GongwenError('RESIGN_REQUIRED', 'the closing step must be signed with the card');
    if (isHeldForResign(ctx.policy, action)) await assertResigned(db, ctx.policy, doc.id, ctx.now());
  }

  // A temp cert relies on the temp CA's CRL of this moment, kept like a card CRL for the evidence.
  const tempCaReliance = signer.kind === 'temp' ? await reliedTempCaCrl(ctx) : undefined;
  const revocation = tempCaReliance ? [tempCaReliance.relied] : signer.revocation;
  const timeStamp = await timeStampSignature(ctx, verified.parsed.signerInfos[0]!.signature, signingTime);
  const now = ctx.now().toISOString();
  const receivedAt = step.receivedAt ?? step.arrivedAt;
  const { dialect } = ctx.storage;
  try {
    const answer = await ctx.storage.write(async (trx) => {
      const closing = isClosing(action);
      const status = statusAfter(action, doc.status as DocumentStatus);
      const moved = await trx
        .updateTable('documents')
        .set({
          step_token: closing ? null : newStepToken(),
          current_seq: closing ? doc.current_seq : doc.current_seq + 1,
          holder_user_id: closing ? null : recipient!.id,
          status,
          updated_at: now,
        })
        .where('id', '=', doc.id)
        .where('step_token', '=', input.stepToken)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) throw new StepAlreadyMoved();

      await recordSending(trx, step.id, {
        sentAt: now,
        receivedAt,
        action,
        opinion: input.opinion,
        tempCertUsed: signer.kind === 'temp',
        approverUserId: action === '決行' ? actor.id : null,
        payload,
        // DER as the verifier read it (BER re-encoded, a carried payload left out): what evidence exports.
        signature: verified.parsed.encoding,
        signatureValue: verified.parsed.signerInfos[0]!.signature,
        signerCertificateSha256: signer.certificateSha256,
        signingTime: signingTime.toISOString(),
      });
      await storeTimeStamps(trx, [{ stepId: step.id, signer: 'signature', stamp: timeStamp }]);
      await tempCaReliance?.keep(trx);
      await storeReliedCrls(trx, [{ stepId: step.id, signer: 'signature', relied: revocation }]);
      if (!closing) {
        await insertArrivedStep(trx, {
          documentId: doc.id,
          seq: doc.current_seq + 1,
          status: arrivalStatus[action as keyof typeof arrivalStatus],
          unitId: recipient!.unitId,
          holderUserId: recipient!.id,
          arrivedAt: now,
          receivedAt: null,
          arrivedBy: action,
        });
      }
      // The answer is made from what this transaction wrote, without reading it back.
      const result: ActionResult = {
        document: {
          id: doc.id,
          number: doc.number,
          subject: doc.subject,
          status,
          holderName: closing ? null : recipient!.name,
          holderAccount: closing ? null : recipient!.account,
          currentSeq: closing ? doc.current_seq : doc.current_seq + 1,
          updatedAt: now,
          arrivedAt: closing ? step.arrivedAt : now,
          lastAction: action,
          holder: closing ? null : recipient!.name,
          lastChangeType: action,
        },
        step: {
          stepId: step.id,
          seq: step.seq,
          status: step.status,
          unit: step.unitName,
          holderName: actor.name,
          holderAccount: actor.account,
          receivedAt,
          sentAt: now,
          action,
          opinion: input.opinion,
          tempCertUsed: signer.kind === 'temp',
          approver: action === '決行' ? actor.name : null,
          signed: true,
          resignedAt: null,
          resignNote: null,
          holder: actor.name,
          changeType: action,
        },
      };
      await trx
        .insertInto('idempotency_keys')
        .values({ user_id: actor.id, key: input.idempotencyKey, request_sha256: requestSha256, response: JSON.stringify(result), created_at: now })
        .execute();
      await appendAudit(trx, dialect, ctx.now(), {
        actor: actor.account,
        action: `step.${action}`,
        subject: doc.number,
        detail: {
          seq: doc.current_seq,
          recipient: recipient?.account ?? null,
          signer: signer.kind,
          certificateSha256: signer.certificateSha256,
          payloadSha256: createHash('sha256').update(payload).digest('hex'),
        },
      });
      return result;
    });
    tempCaReliance?.committed();
    return answer;
  } catch (error) {
    if (error instanceof StepAlreadyMoved || isUniqueViolation(error)) {
      // Someone else moved the step first, or this same send raced itself: answer as the winner did.
      const again = await previousAnswer(ctx, actor, input.idempotencyKey, requestSha256);
      if (again) return again;
      throw new GongwenError('STEP_CONFLICT');
    }
    throw error;
  }
}

class StepAlreadyMoved extends Error {}

async function previousAnswer(ctx: ServiceContext, actor: Actor, key: string, requestSha256: string): Promise<ActionResult | null> {
  const row = await ctx.storage.db
    .selectFrom('idempotency_keys')
    .select(['request_sha256', 'response'])
    .where('user_id', '=', actor.id)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_sha256 !== requestSha256) throw new GongwenError('IDEMPOTENCY_KEY_REUSED');
  return withCurrentNames(JSON.parse(row.response) as ActionResult);
}

/**
 * An answer stored by 0.1 (a retry across the upgrade) has only the names it had then: add the
 * glossary's, as a fresh answer carries both. Its step was sent, so its change type was an action.
 */
function withCurrentNames({ document, step }: ActionResult): ActionResult {
  return {
    document: {
      ...document,
      holderName: document.holderName ?? document.holder ?? null,
      lastAction: document.lastAction ?? (document.lastChangeType as Action),
    },
    step: { ...step, holderName: step.holderName ?? step.holder ?? '', action: step.action ?? (step.changeType as Action) },
  };
}

async function checkRoute(ctx: ServiceContext, actor: Actor, doc: DocumentRow, action: Action, recipientAccount: string | null) {
  if (isClosing(action)) {
    if (doc.status !== '已決行') throw new GongwenError('ACTION_NOT_ALLOWED', `${action} comes after 決行`);
    if (recipientAccount !== null) throw new GongwenError('ACTION_NOT_ALLOWED', `${action} has no next holder`);
    return null;
  }
  if (doc.status === '已決行') throw new GongwenError('ACTION_NOT_ALLOWED', 'after 決行 the document is archived or dispatched');
  if (recipientAccount === null) throw new GongwenError('RECIPIENT_REQUIRED');
  const recipient = await ctx.storage.db
    .selectFrom('users')
    .select(['id', 'account', 'name', 'unit_id as unitId'])
    .where('account', '=', recipientAccount)
    .executeTakeFirst();
  if (!recipient) throw new GongwenError('RECIPIENT_UNKNOWN', recipientAccount);
  if (recipient.id === actor.id) throw new GongwenError('ACTION_NOT_ALLOWED', 'the next holder must be someone else');
  return recipient;
}

/**
 * The payload's signingTime in UTC, with or without fractional seconds (the schema's form), not
 * ahead of the service's clock (beyond the skew), not before the step arrived. Returned to the
 * second: what the CMS signing-time holds and is compared with (docs/architecture.md), and what
 * is stored. The payload keeps the text as signed.
 */
function checkSigningTime(ctx: ServiceContext, text: string, arrivedAt: string): Date {
  const time = new Date(text);
  // The whole-second part read back as written: no 24:00, no 30 February rolled into March.
  if (Number.isNaN(time.getTime()) || signingTimeOf(time) !== text.replace(/\.\d+Z$/, 'Z'))
    throw new GongwenError('SIGNING_TIME_INVALID', 'use UTC, e.g. 2014-05-27T09:24:00Z or 2014-05-27T09:24:00.250Z');
  if (time.getTime() > ctx.now().getTime() + ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'in the future');
  if (time.getTime() < new Date(arrivedAt).getTime() - ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'before the step arrived');
  return new Date(signingTimeOf(time));
}

/** A signature or countersignature sent as base64: one meaning per value, else SIGNATURE_MALFORMED. */
export function decodeBase64(base64: string): Uint8Array {
  if (base64.length === 0 || !isStrictBase64(base64)) throw new GongwenError('SIGNATURE_MALFORMED', 'not base64');
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
