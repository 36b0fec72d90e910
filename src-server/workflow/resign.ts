import type { X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PendingResignList, ResignItemResult, ResignRequest } from '../../src-shared/common/api/resign.js';
import { knownCertificate } from '../../src-shared/node/cms/certificate-cache.js';
import { parseCountersignatureOrRefuse, verifyCountersignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError, messageOf } from '../../src-shared/common/errors.js';
import { appendAuditEntries, type AuditEntry } from '../audit/audit-log.js';
import type { CardHolder } from '../signatures/signer-policy.js';
import { sha256Hex } from '../temp-ca/authority.js';
import type { Actor, ServiceContext } from '../context.js';
import type { Database } from '../storage/schema.js';
import type { Action } from '../../src-shared/common/flow.js';
import { storeCountersignatures } from '../storage/steps.js';
import { storeTimeStamps, timeStampSignature, type TimeStampOutcome } from '../timestamp/signature-time-stamps.js';
import { decodeBase64 } from './actions.js';
import { pendingSignatureFields } from './pending-signature.js';
import { assertDueOnBehalf, rightOrRefuse, type OnBehalf } from './resign-on-behalf.js';
import type { OnBehalfRight } from '../organisation/on-behalf-right.js';
import { storeReliedCrls, type ReliedCrl } from '../revocation/card-revocation.js';

/**
 * IFT940's list: my temp-signed steps that no card has countersigned yet, oldest first, a page at
 * a time (a clerk back from a long trip may have thousands). The cursor is the last step's
 * (sent_at, id), so steps re-signed meanwhile do not shift the pages.
 */
export async function pendingResignSteps(
  ctx: ServiceContext,
  actor: Actor,
  page: { limit: number; after?: string } = { limit: 1000 },
): Promise<PendingResignList> {
  const { db } = ctx.storage;
  const mine = () => db.selectFrom('steps as s').where('s.holder_user_id', '=', actor.id).where('s.temp_cert_used', '=', 1).where('s.resigned_at', 'is', null);
  let query = mine()
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.id', 's.document_id', 'd.number', 'd.subject', 's.seq', 's.change_type', 's.sent_at', 's.signature_value', 's.signature', 's.payload'])
    .orderBy('s.sent_at')
    .orderBy('s.id')
    // One row more than asked tells whether there is a next page, so the last page says so.
    .limit(page.limit + 1);
  if (page.after) {
    const [sentAt = '', id = ''] = page.after.split('|');
    query = query.where((eb) => eb.or([eb('s.sent_at', '>', sentAt), eb.and([eb('s.sent_at', '=', sentAt), eb('s.id', '>', id)])]));
  }
  const [found, count] = await Promise.all([
    query.execute(),
    mine()
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  const rows = found.slice(0, page.limit);
  const last = rows[rows.length - 1];
  const steps = rows.map((r) => ({
    stepId: r.id,
    documentId: r.document_id,
    documentNumber: r.number,
    subject: r.subject,
    seq: r.seq,
    action: r.change_type as Action,
    changeType: r.change_type,
    sentAt: r.sent_at!,
    ...pendingSignatureFields(r),
  }));
  return { steps, total: Number(count.n), ...(last && found.length > page.limit ? { next: `${last.sent_at}|${last.id}` } : {}) };
}

interface Accepted {
  stepId: string;
  /** On behalf: the re-signer's right at this moment, and the signer's account. */
  right: OnBehalfRight | null;
  signerAccount: string;
  seq: number;
  documentNumber: string;
  /** The card's SignerInfo, as uploaded and verified. */
  countersignature: Uint8Array;
  cardSha256: string;
  /** The time-stamp over the countersignature's signature value (CAdES-T); null while pending. */
  timeStamp: TimeStampOutcome;
  /** What the card's revocation check relied on. */
  revocation: ReliedCrl[];
}

/**
 * 補簽: accepts, per step, the card's countersignature over the step's signature. Every item is
 * verified on its own (a batch may partly succeed), then all accepted ones are stored in one
 * transaction, beside the signature (which stays as it was sent), with a conditional update, so
 * a step is re-signed once however often it arrives; one already re-signed is reported as such
 * and left alone. Evidence puts signature and countersignature together (`evidence.ts`).
 */
export async function resignSteps(
  ctx: ServiceContext,
  actor: Actor,
  request: ResignRequest,
  language: 'zh-TW' | 'en' = 'zh-TW',
  onBehalf?: OnBehalf,
): Promise<ResignItemResult[]> {
  assertEachStepOnce(request);
  if (onBehalf && onBehalf.reason.trim() === '') throw new GongwenError('RESIGN_REASON_REQUIRED');
  const results = new Map<string, ResignItemResult>();
  const accepted: Accepted[] = [];
  // One read for the whole batch, and each card judged once: a batch is one clerk's one card.
  const stored = await storedSteps(
    ctx,
    request.items.map((item) => item.stepId),
  );
  const certificates = carriedCertificates(request.certificates);
  const cards = new Map<string, Promise<CardHolder>>();
  const cardHolder = (certificate: X509Certificate, carried: readonly Uint8Array[]) => {
    let judged = cards.get(certificate.fingerprint256);
    if (!judged) cards.set(certificate.fingerprint256, (judged = ctx.signerPolicy.acceptCardHolder(certificate, carried, actor.id)));
    return judged;
  };
  for (const item of request.items) {
    try {
      const outcome = await checkOne(ctx, actor, item.stepId, stored.get(item.stepId), item.countersignature, certificates, request.note, cardHolder, onBehalf);
      if ('countersignature' in outcome) accepted.push(outcome);
      else results.set(item.stepId, outcome);
    } catch (error) {
      if (!(error instanceof GongwenError)) throw error;
      // Each refusal says what a whole-request one would: the code, its sentence and the detail, in the request's language.
      const detail = error.detailIn(language);
      results.set(item.stepId, {
        stepId: item.stepId,
        outcome: 'refused',
        code: error.code,
        message: messageOf(error.code, language),
        ...(detail ? { detail } : {}),
      });
    }
  }
  if (accepted.length > 0) {
    const { dialect } = ctx.storage;
    const now = ctx.now();
    await ctx.storage.write(async (trx) => {
      const carried = await storeCarriedCertificates(trx, certificates);
      const updated = await storeCountersignatures(trx, dialect, accepted, {
        resignedAt: now.toISOString(),
        note: request.note,
        certificates: carried,
        kind: onBehalf ? 'on-behalf' : 'self',
        userId: actor.id,
        reason: onBehalf?.reason ?? null,
      });
      await storeTimeStamps(
        trx,
        accepted.filter((a) => updated.has(a.stepId)).map((a) => ({ stepId: a.stepId, signer: 'countersignature', stamp: a.timeStamp })),
      );
      await storeReliedCrls(
        trx,
        accepted.filter((a) => updated.has(a.stepId)).map((a) => ({ stepId: a.stepId, signer: 'countersignature', relied: a.revocation })),
      );
      const audit: AuditEntry[] = [];
      for (const a of accepted) {
        if (!updated.has(a.stepId)) {
          results.set(a.stepId, { stepId: a.stepId, outcome: 'already-resigned' });
          continue;
        }
        // On behalf: who (the actor), for whom, by which right and why.
        audit.push(
          onBehalf
            ? {
                actor: actor.account,
                action: 'step.resign-on-behalf',
                subject: a.documentNumber,
                detail: { seq: a.seq, signer: a.signerAccount, right: a.right, reason: onBehalf.reason, note: request.note, certificateSha256: a.cardSha256 },
              }
            : {
                actor: actor.account,
                action: 'step.resign',
                subject: a.documentNumber,
                detail: { seq: a.seq, certificateSha256: a.cardSha256, note: request.note },
              },
        );
        results.set(a.stepId, { stepId: a.stepId, outcome: 'resigned' });
      }
      await appendAuditEntries(trx, dialect, now, audit);
    });
  }
  return request.items.map((item) => results.get(item.stepId)!);
}

/** A step named twice in one batch would be answered twice (and audited twice): the batch is malformed. */
function assertEachStepOnce(request: ResignRequest): void {
  const seen = new Set<string>();
  for (const item of request.items) {
    if (seen.has(item.stepId)) throw new GongwenError('VALIDATION_FAILED', `items: step ${item.stepId} appears more than once`);
    seen.add(item.stepId);
  }
}

/**
 * The certificates a chunk carried, each stored once by its SHA-256 (a batch carries the same
 * card certificate in every chunk); returns their hashes in order, as the steps name them.
 */
async function storeCarriedCertificates(trx: Kysely<Database>, certificates: readonly Uint8Array[]): Promise<string> {
  // Hashed as every certificate on record is (`sha256Hex`), from the parse `carriedCertificates` made.
  const rows = certificates.map((der) => ({ sha256: sha256Hex(knownCertificate(der).x509), der }));
  await trx
    .insertInto('carried_certificates')
    .values(rows)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  return JSON.stringify(rows.map((r) => r.sha256));
}

export type StoredStep = Awaited<ReturnType<typeof storedSteps>> extends Map<string, infer T> ? T : never;

async function storedSteps(ctx: ServiceContext, stepIds: string[]) {
  const rows = await ctx.storage.db
    .selectFrom('steps as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    // A step that was signed has its signature value (written with its payload and signature).
    .innerJoin('users as h', 'h.id', 's.holder_user_id')
    .select([
      's.id',
      's.seq',
      's.holder_user_id',
      's.temp_cert_used',
      's.resigned_at',
      's.signature_value',
      's.signing_time',
      's.sent_at',
      's.resign_kind',
      's.resign_user_id',
      'd.number',
      'h.account as holder_account',
      'h.separated_at as holder_separated_at',
    ])
    .where('s.id', 'in', [...new Set(stepIds)])
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** The certificates sent with a batch: they are kept and exported with its countersignatures, so each must be one. */
function carriedCertificates(base64: readonly string[]): Uint8Array[] {
  return base64.map((text) => {
    const der = new Uint8Array(Buffer.from(text, 'base64'));
    try {
      knownCertificate(der);
    } catch {
      throw new GongwenError('SIGNATURE_MALFORMED', 'a certificate sent with the countersignatures is not an X.509 certificate');
    }
    return der;
  });
}

async function checkOne(
  ctx: ServiceContext,
  actor: Actor,
  stepId: string,
  step: StoredStep | undefined,
  countersignatureBase64: string,
  certificates: Uint8Array[],
  note: string,
  cardHolder: (certificate: X509Certificate, carried: readonly Uint8Array[]) => Promise<CardHolder>,
  onBehalf: OnBehalf | undefined,
): Promise<Accepted | ResignItemResult> {
  if (!step || !step.signature_value || (!onBehalf && step.holder_user_id !== actor.id)) throw new GongwenError('RESIGN_STEP_UNKNOWN');
  if (step.temp_cert_used !== 1) throw new GongwenError('RESIGN_NOT_TEMP');
  const now = ctx.now();
  // The right as it stands at this moment: a deputy's dates end, a head changes, people leave.
  const right = onBehalf ? await rightOrRefuse(ctx, actor, step.holder_user_id, now) : null;

  // Decoded and verified before anything is said of the step: garbage is refused as garbage,
  // also for a step already re-signed.
  const counterDer = decodeBase64(countersignatureBase64);
  const counterInfo = parseCountersignatureOrRefuse(counterDer);
  // Checked against this step's own signature as the service holds it (verified when the step
  // was sent): a countersignature made over another step's signature does not verify here.
  const counter = verifyCountersignature({ certificates }, step.signature_value, counterInfo);
  if (counter.note !== note) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signed note differs from the request');
  // What the card signed says whose step it is and why; it must say what the request says.
  if (!onBehalf && counter.onBehalf) throw new GongwenError('COUNTERSIGNATURE_INVALID', 'an on-behalf countersignature on one’s own step');
  if (onBehalf && (counter.onBehalf?.reason !== onBehalf.reason || counter.onBehalf.signerAccount !== step.holder_account))
    throw new GongwenError('COUNTERSIGNATURE_INVALID', 'the signed reason or signer differs from the request and the step');
  if (counter.signingTime.getTime() > now.getTime() + ctx.clockSkewMs) throw new GongwenError('SIGNING_TIME_INVALID', 'in the future');
  if (step.signing_time && counter.signingTime.getTime() < new Date(step.signing_time).getTime())
    throw new GongwenError('SIGNING_TIME_INVALID', 'before the signature it countersigns');
  const card = await cardHolder(counter.certificate, certificates);
  // Every certificate of the card's path, at the countersignature's time and now.
  card.assertValidAt(counter.signingTime, now);
  if (step.resigned_at !== null) {
    // A retried on-behalf upload answers as the first did; a step someone else re-signed is refused.
    if (!onBehalf || (step.resign_kind === 'on-behalf' && step.resign_user_id === actor.id)) return { stepId, outcome: 'already-resigned' };
    throw new GongwenError('RESIGN_ALREADY_DONE');
  }
  if (onBehalf) assertDueOnBehalf(ctx, step, now);
  const timeStamp = await timeStampSignature(ctx, counterInfo.signature, counter.signingTime);
  return {
    stepId,
    seq: step.seq,
    documentNumber: step.number,
    // Kept as DER (BER re-encoded): it is attached to the step's signature in the evidence.
    countersignature: counterInfo.encoding,
    cardSha256: card.sha256,
    timeStamp,
    right,
    signerAccount: step.holder_account,
    revocation: card.revocation,
  };
}
