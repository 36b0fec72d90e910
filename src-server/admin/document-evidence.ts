import { X509Certificate } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import type { AdminDocument, AdminSignature, AdminTimeStamp } from '../../src-shared/common/api/admin.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ServiceContext } from '../context.js';
import { buildEvidence, findDocumentId } from '../evidence/evidence.js';
import { timeStampsOfSteps, type TimeStampedSigner } from '../timestamp/signature-time-stamps.js';

/** 公文證據: a document by its number, with its flow and, for each sent step, its signature and 補簽. */
export async function documentForRecords(ctx: ServiceContext, number: string): Promise<AdminDocument> {
  const { db } = ctx.storage;
  const doc = /^\d{10}$/.test(number)
    ? await db.selectFrom('documents').select(['id', 'number', 'subject', 'status', 'created_at']).where('number', '=', number).executeTakeFirst()
    : undefined;
  if (!doc) throw new GongwenError('DOCUMENT_NOT_FOUND', number);
  const steps = await db
    .selectFrom('steps as s')
    .innerJoin('users as h', 'h.id', 's.holder_user_id')
    .innerJoin('units as u', 'u.id', 's.unit_id')
    .leftJoin('card_certificates as card', 'card.sha256', 's.signer_certificate_sha256')
    .leftJoin('temp_certificates as temp', 'temp.sha256', 's.signer_certificate_sha256')
    .leftJoin('card_certificates as rcard', 'rcard.sha256', 's.resign_certificate_sha256')
    .leftJoin('users as r', 'r.id', 's.resign_user_id')
    .select([
      's.id',
      's.seq',
      's.status',
      's.change_type',
      'u.name as unitName',
      'h.account',
      'h.name',
      's.received_at',
      's.sent_at',
      's.signature_value',
      's.temp_cert_used',
      's.signer_certificate_sha256',
      's.signing_time',
      'card.subject as cardSubject',
      'temp.der as tempDer',
      's.resigned_at',
      's.resign_kind',
      's.resign_reason',
      'rcard.subject as resignSubject',
      'r.account as resignAccount',
      'r.name as resignName',
    ])
    .where('s.document_id', '=', doc.id)
    .orderBy('s.seq')
    .execute();
  const { stamps } = await timeStampsOfSteps(
    db,
    steps.map((s) => s.id),
  );
  const checkedBy = (stepId: string, signer: TimeStampedSigner, claimedAt: string | null): AdminTimeStamp => {
    const stamp = stamps.find((t) => t.stepId === stepId && t.signer === signer);
    if (!stamp) return { mode: 'claimed', at: claimedAt };
    return stamp.token ? { mode: 'time-stamp', at: stamp.genTime } : { mode: 'pending', at: null };
  };
  return {
    number: doc.number,
    subject: doc.subject,
    status: doc.status,
    createdAt: doc.created_at,
    flow: steps.map((s) => {
      const signed = s.sent_at !== null && s.signer_certificate_sha256 !== null;
      const signature: AdminSignature | null = signed
        ? {
            kind: s.temp_cert_used === 1 ? 'temp' : 'card',
            certificateSubject: s.cardSubject ?? (s.tempDer ? new X509Certificate(s.tempDer).subject : null),
            certificateSha256: s.signer_certificate_sha256,
            signingTime: s.signing_time,
            timeStamp: checkedBy(s.id, 'signature', s.signing_time),
            resign: s.resigned_at
              ? {
                  kind: s.resign_kind === 'on-behalf' || s.resign_kind === 'paper' ? s.resign_kind : 'self',
                  by: s.resignAccount ? { account: s.resignAccount, name: s.resignName ?? '' } : { account: s.account, name: s.name },
                  at: s.resigned_at,
                  certificateSubject: s.resignSubject ?? null,
                  reason: s.resign_reason ?? null,
                  // A paper re-sign's own signature is the unit head's over the record.
                  timeStamp: checkedBy(s.id, s.resign_kind === 'paper' ? 'paper-record' : 'countersignature', s.resigned_at),
                }
              : null,
          }
        : null;
      return {
        seq: s.seq,
        status: s.status,
        action: s.change_type,
        unit: s.unitName,
        holder: { account: s.account, name: s.name },
        receivedAt: s.received_at,
        sentAt: s.sent_at,
        signature,
      };
    }),
  };
}

/**
 * The evidence of a document as one ZIP: exactly the files `export-evidence` writes, under a
 * folder named by the document number, so the README's openssl commands run in the unzipped folder.
 */
export async function evidenceZip(ctx: ServiceContext, number: string): Promise<{ name: string; zip: Uint8Array }> {
  if (!/^\d{10}$/.test(number)) throw new GongwenError('DOCUMENT_NOT_FOUND', number);
  const evidence = await buildEvidence(ctx, await findDocumentId(ctx, number));
  const folder = `${number}-evidence`;
  const files: Zippable = {};
  for (const f of evidence.files) files[`${folder}/${f.name}`] = new Uint8Array(Buffer.from(f.contentBase64, 'base64'));
  return { name: `${folder}.zip`, zip: zipSync(files, { level: 6, mtime: ctx.now() }) };
}
