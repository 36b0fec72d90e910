import { z } from 'zod';
import { LIMITS } from './documents.js';
import { base64, bytesField, text } from './text.js';

/** A temp-signed step of mine not yet re-signed (IFT940's list). */
export const PendingResignStep = z.object({
  stepId: z.string(),
  documentId: z.string(),
  documentNumber: z.string(),
  subject: z.string(),
  seq: z.number(),
  changeType: z.string(),
  sentAt: z.string(),
  /** The step's temp signature value (base64): what the card's countersignature covers. */
  signatureValue: bytesField(z.string(), { bytes: 'the signature value (the OCTET STRING’s contents) of the step signature’s SignerInfo' }),
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
