import { z } from 'zod';
import { actions, documentStatuses } from '../flow.js';
import { deprecatedName } from './deprecated-names.js';
import { account, base64, bytesField, isoInstant, text, uuid } from './text.js';

export const LIMITS = {
  subject: 200,
  body: 20_000,
  opinion: 2_000,
  attachmentBytes: 5 * 1024 * 1024,
  /** A new document's JSON request: subject, body and small attachments inline; larger ones are uploaded. */
  inlineDocumentBytes: 1024 * 1024,
  attachments: 10,
  signatureBytes: 64 * 1024,
  countersignatureBytes: 16 * 1024,
  certificateBytes: 16 * 1024,
} as const;

const attachmentName = text({ min: 1, max: 120 }).refine((n) => !/[/\\]/.test(n) && n !== '.' && n !== '..', {
  message: '檔名不可含路徑 (a file name, not a path)',
});
const mediaType = z
  .string()
  .max(100)
  .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i)
  .default('application/octet-stream');

/**
 * An attachment of a new document: its bytes either inline as base64 (small ones: the whole
 * request is at most LIMITS.inlineDocumentBytes) or uploaded first to POST /api/attachments and
 * named here by the id that answered (up to LIMITS.attachmentBytes each).
 */
export const AttachmentInput = z
  .strictObject({
    name: attachmentName,
    mediaType,
    contentBase64: base64({ maxBytes: LIMITS.attachmentBytes, bytes: 'the attachment, inline (small ones: the whole request is at most 1 MiB)' }).optional(),
    uploadId: uuid.optional().describe('the `uploadId` POST /api/attachments answered (any attachment up to its limit)'),
  })
  .refine((a) => (a.contentBase64 === undefined) !== (a.uploadId === undefined), {
    message: '附件須有 contentBase64 或 uploadId 其中之一 (exactly one of contentBase64 and uploadId)',
  });

/** What POST /api/attachments answers: the id to name in a new document, and what the service read. */
export const AttachmentUpload = z.object({ uploadId: uuid, size: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type AttachmentUpload = z.infer<typeof AttachmentUpload>;

export const CreateDocumentRequest = z.strictObject({
  /** Optional: the service numbers new documents itself. */
  number: z
    .string()
    .regex(/^1\d{9}$/, { message: '公文文號應為以民國年開頭的 10 位數字' })
    .optional(),
  subject: text({ min: 1, max: LIMITS.subject }),
  body: text({ max: LIMITS.body, multiline: true }),
  attachments: z.array(AttachmentInput).max(LIMITS.attachments).default([]),
});
export type CreateDocumentRequest = z.input<typeof CreateDocumentRequest>;

export const ActionRequest = z.strictObject({
  action: z.enum(actions),
  /** Next holder's account; absent for 歸檔 and 發文. */
  recipient: account.nullable().default(null),
  opinion: text({ max: LIMITS.opinion, multiline: true }).default(''),
  signingTime: isoInstant,
  stepToken: z
    .string()
    .min(16)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  /** DER CMS SignedData (detached) over the canonical step payload, base64. */
  signature: bytesField(z.string().max(Math.ceil(LIMITS.signatureBytes / 3) * 4), {
    maxBytes: LIMITS.signatureBytes,
    bytes: 'a detached CMS SignedData (RFC 5652; DER, or BER outside the signed attributes) over the canonical step payload (profile gongwen-step/1)',
  }),
  /** Chosen by the client per signed step; a retry with the same key returns the first answer. */
  idempotencyKey: z
    .string()
    .min(16)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
});
export type ActionRequest = z.input<typeof ActionRequest>;

export const FlowRow = z.object({
  stepId: z.string(),
  /** 序 */
  seq: z.number(),
  /** 公文狀態 */
  status: z.string(),
  /** 作業單位 */
  unit: z.string(),
  /** 負責人員: the holder's display name; `holderAccount` is their account. */
  holderName: z.string(),
  holderAccount: z.string(),
  /** 公文接收時間 */
  receivedAt: z.string().nullable(),
  /** 公文送出時間 */
  sentAt: z.string().nullable(),
  /**
   * 異動別: what the holder did at this step; before they send it on, the action that brought the
   * document there. Null for a new document's first step until it is sent: making a document
   * (創稿) is not an action, and the row's status (線上簽核) says it.
   */
  action: z.enum(actions).nullable(),
  opinion: z.string().nullable(),
  /** 是否使用臨時憑證 */
  tempCertUsed: z.boolean(),
  /** 核決者 */
  approver: z.string().nullable(),
  signed: z.boolean(),
  resignedAt: z.string().nullable(),
  resignNote: z.string().nullable(),
  /** How it was re-signed: by the signer ('self'), on behalf ('on-behalf', 代為補簽) or on paper ('paper', 紙本補簽); issue 16. */
  resignKind: z.enum(['self', 'on-behalf', 'paper']).nullable().optional(),
  /** Who re-signed on behalf or on paper, by which right (主管 / 代理人), and why (原因). */
  resignedBy: z.string().nullable().optional(),
  resignRight: z.enum(['unit-head', 'deputy']).nullable().optional(),
  resignReason: z.string().nullable().optional(),
  /** The signing time the signer's PC claimed, and the time-stamp over the signature (CAdES-T; null while pending). */
  signingTime: z.string().nullable().optional(),
  timeStampedAt: z.string().nullable().optional(),
  holder: deprecatedName(z.string(), 'holderName'),
  changeType: deprecatedName(z.string(), 'action', '創稿 for a new document’s first step, where action is null'),
});
export type FlowRow = z.infer<typeof FlowRow>;

export const AttachmentInfo = z.object({ id: z.string(), name: z.string(), mediaType: z.string(), size: z.number(), sha256: z.string() });

export const DocumentSummary = z.object({
  id: z.string(),
  number: z.string(),
  subject: z.string(),
  status: z.enum(documentStatuses),
  /** The current holder's display name and account; null once the flow is closed. */
  holderName: z.string().nullable(),
  holderAccount: z.string().nullable(),
  /** 序 of the step the document is at (the closing step once closed). */
  currentSeq: z.number(),
  updatedAt: z.string(),
  /** When the current step arrived with its holder. */
  arrivedAt: z.string().nullable(),
  /** 異動別 of the latest step sent: what brought the document to its holder, or closed it; null for a new document. */
  lastAction: z.enum(actions).nullable(),
  holder: deprecatedName(z.string().nullable(), 'holderName'),
  lastChangeType: deprecatedName(z.string().nullable(), 'lastAction', '創稿 for a new document, where lastAction is null'),
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;

export const DocumentView = DocumentSummary.extend({
  body: z.string(),
  contentSha256: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  attachments: z.array(AttachmentInfo),
  flow: z.array(FlowRow),
  /** Present only for the current holder: what a signature at this step must name. */
  stepToken: z.string().nullable(),
});
export type DocumentView = z.infer<typeof DocumentView>;

export const ActionResult = z.object({
  document: DocumentSummary,
  step: FlowRow,
});
export type ActionResult = z.infer<typeof ActionResult>;

export const InboxQuery = z.strictObject({
  box: z.enum(['inbox', 'involved']).default('inbox'),
  q: text({ max: 100 }).optional(),
  status: z.enum(documentStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type InboxQuery = z.input<typeof InboxQuery>;

export const DocumentList = z.object({ total: z.number(), documents: z.array(DocumentSummary) });
export type DocumentList = z.infer<typeof DocumentList>;

export const EvidenceFile = z.object({
  name: z.string(),
  contentBase64: bytesField(z.string(), { bytes: 'the file (README.txt says what each file is and how to check it with openssl)' }),
});
export const Evidence = z.object({ documentNumber: z.string(), files: z.array(EvidenceFile) });
export type Evidence = z.infer<typeof Evidence>;

export { uuid };
