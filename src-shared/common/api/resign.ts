import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { LIMITS } from './documents.js';
import { actions } from '../flow.js';
import { deprecatedName } from './deprecated-names.js';
import { base64, bytesField, text } from './text.js';

/** A temp-signed step of mine not yet re-signed (IFT940's list). */
export const PendingResignStep = z.object({
  stepId: z.string(),
  documentId: z.string(),
  documentNumber: z.string(),
  subject: z.string(),
  seq: z.number(),
  /** 異動別 of the step (it was sent, so it has one). */
  action: z.enum(actions),
  changeType: deprecatedName(z.string(), 'action'),
  sentAt: z.string(),
  /** The step's temp signature value (base64): what the card's countersignature covers. */
  signatureValue: bytesField(z.string(), { bytes: 'the signature value (the OCTET STRING’s contents) of the step signature’s SignerInfo' }),
  /**
   * The step signature's whole SignerInfo (base64 DER), for a client whose CMS library countersigns
   * a SignerInfo (PKI.js, Bouncy Castle): it need not fetch the evidence first.
   */
  signerInfo: bytesField(z.string(), {
    maxBytes: LIMITS.signatureBytes,
    bytes:
      'the step signature’s SignerInfo alone (RFC 5652 §5.3), DER: what a countersignature is an unsigned attribute of; its `signature` is `signatureValue`',
  }),
  /**
   * The step's signature (CMS, base64) and the payload it signs (base64): the client verifies
   * them against the temp certificates it enabled before its card countersigns anything.
   */
  signature: bytesField(z.string(), { bytes: 'the step signature: a detached CMS SignedData, DER' }),
  payload: bytesField(z.string(), { bytes: 'the step payload the signature covers: RFC 8785 JSON, UTF-8 (StepPayload)' }),
});
export type PendingResignStep = z.infer<typeof PendingResignStep>;

export const PendingResignQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Continue after this cursor (the `next` of the previous page). */
  after: z.string().max(200).optional(),
});
export type PendingResignQuery = z.input<typeof PendingResignQuery>;

export const PendingResignList = z.object({
  steps: z.array(PendingResignStep),
  /** All of my pending steps, not only this page's. */
  total: z.number(),
  /** The cursor of the next page; absent on the last. */
  next: z.string().optional(),
});
export type PendingResignList = z.infer<typeof PendingResignList>;

export const RESIGN_BATCH_MAX = 200;

/**
 * IFT940 補簽: one card countersignature per step, with the note they all carry and the card's
 * certificates once. The service verifies each over the step's signature it holds and keeps it
 * beside that signature; evidence carries the two as one CMS.
 */
export const ResignRequest = z.strictObject({
  note: text({ min: 1, max: 500, multiline: true }),
  /** The card's certificate, then any intermediates (base64 DER). */
  certificates: z
    .array(base64({ maxBytes: LIMITS.certificateBytes, bytes: 'an X.509 certificate, DER' }))
    .min(1)
    .max(5),
  items: z
    .array(
      z.strictObject({
        stepId: z.uuid(),
        /** The countersignature: a CMS SignerInfo (base64 DER) over the step's signature value. */
        countersignature: bytesField(z.string().max(Math.ceil((LIMITS.countersignatureBytes * 2) / 3) * 4), {
          maxBytes: LIMITS.countersignatureBytes,
          bytes: 'a CMS SignerInfo alone, DER (Countersignature): the card’s countersignature over the step’s signature value',
        }),
      }),
    )
    .min(1)
    .max(RESIGN_BATCH_MAX),
});
export type ResignRequest = z.infer<typeof ResignRequest>;

export const ResignItemResult = z.object({
  stepId: z.string(),
  outcome: z.enum(['resigned', 'already-resigned', 'refused']),
  code: z.string().optional(),
  message: z.string().optional(),
  /** Why the item was refused (the reason a signature is outside the profile, …), in the request's language. */
  detail: z.string().optional(),
});
export type ResignItemResult = z.infer<typeof ResignItemResult>;

export const ResignResponse = z.object({ results: z.array(ResignItemResult) });
export type ResignResponse = z.infer<typeof ResignResponse>;

/**
 * 代為補簽's list: a temp-signed step of someone I may re-sign for (as their unit head, or as their
 * deputy today), not yet re-signed, and due on behalf: overdue (older than the policy's days) or
 * its signer has left. The signer's account is what each countersignature names.
 */
export const OnBehalfPendingStep = PendingResignStep.extend({
  /** The step's signer: display name and account. */
  holderName: z.string(),
  holderAccount: z.string(),
  holder: deprecatedName(z.string(), 'holderName'),
  /** My right to re-sign it, as it stands now. */
  right: z.enum(['unit-head', 'deputy']),
  /** Why it is due on behalf: the signer has left, or it is overdue. */
  due: z.enum(['separated', 'overdue']),
});
export type OnBehalfPendingStep = z.infer<typeof OnBehalfPendingStep>;

export const OnBehalfPendingList = z.object({
  steps: z.array(OnBehalfPendingStep),
  total: z.number(),
  next: z.string().optional(),
});
export type OnBehalfPendingList = z.infer<typeof OnBehalfPendingList>;

/** The reason a re-sign on behalf or on paper gives (原因); required, checked by the service (RESIGN_REASON_REQUIRED). */
export const resignReason = text({ max: 500, multiline: true });

/**
 * 代為補簽: countersignatures by my card over other people's steps. Each carries the note, the
 * reason and the step's signer's account as signed attributes; the service checks my right to
 * each at this moment.
 */
export const OnBehalfResignRequest = ResignRequest.extend({ reason: resignReason });
export type OnBehalfResignRequest = z.infer<typeof OnBehalfResignRequest>;

/** Scans of a paper re-sign are at most this large (a few pages of PDF or a phone photo). */
export const PAPER_SCAN_MAX_BYTES = 5 * 1024 * 1024;

/**
 * 紙本補簽: the unit head records that a step was re-signed on paper. `record` is the exact bytes
 * their card signed (base64 of RFC 8785 JSON, `paperResignRecord`); the service rebuilds it from
 * its own state and the request and compares. The scan comes as the attachments of a new document
 * do: a small one inline (`scan`, the whole request at most 1 MiB), any one up to
 * PAPER_SCAN_MAX_BYTES uploaded raw first to POST /api/attachments and named by `scanUploadId`.
 */
export const PaperResignRequest = z
  .strictObject({
    stepId: z.uuid(),
    reason: resignReason,
    scan: base64({
      maxBytes: PAPER_SCAN_MAX_BYTES,
      bytes: 'the scan of the paper re-sign, inline (a small one: the whole request is at most 1 MiB): a PDF, PNG or JPEG file',
    }).optional(),
    scanUploadId: z.uuid().optional().describe('the `uploadId` POST /api/attachments answered for the scan (any scan up to 5 MiB): a PDF, PNG or JPEG file'),
    /** The unit head's card signature over the record: a detached CMS (base64 DER). */
    signature: base64({ maxBytes: 64 * 1024, bytes: 'the unit head’s card signature over the paper re-sign record: a detached CMS SignedData, DER' }),
    signingTime: z.iso.datetime(),
  })
  .refine((r) => (r.scan === undefined) !== (r.scanUploadId === undefined), {
    message: '掃描檔須有 scan 或 scanUploadId 其中之一 (exactly one of scan and scanUploadId)',
    path: ['scan'],
  });
export type PaperResignRequest = z.infer<typeof PaperResignRequest>;

/** What the unit head's card signs for a paper re-sign: the step, the scan's hash and the reason. */
export interface PaperResignRecord {
  kind: 'paper-resign';
  documentId: string;
  documentNumber: string;
  step: number;
  /** The step's signer. */
  signer: string;
  /** The unit head. */
  recordedBy: string;
  scanSha256: string;
  reason: string;
  signingTime: string;
}

export const PaperResignResponse = z.object({ stepId: z.string(), outcome: z.enum(['resigned', 'already-resigned']) });
export type PaperResignResponse = z.infer<typeof PaperResignResponse>;

/** The exact bytes a unit head's card signs for a paper re-sign: the record's RFC 8785 JSON. */
export function paperResignRecordBytes(record: PaperResignRecord): Uint8Array {
  return new TextEncoder().encode(canonicalJson(record));
}
