import { z } from 'zod';
import {
  AttachmentUpload,
  LIMITS,
  ActionRequest,
  ActionResult,
  CreateDocumentRequest,
  DocumentList,
  DocumentView,
  Evidence,
  InboxQuery,
} from '../../../src-shared/common/api/documents.js';
import { GongwenError } from '../../../src-shared/common/errors.js';
import type { ServiceContext } from '../../context.js';
import { buildEvidence } from '../../evidence/evidence.js';
import { performAction } from '../../workflow/actions.js';
import { stageAttachment } from '../../workflow/attachment-uploads.js';
import { attachmentContent, createDocument, listDocuments, loadVisibleDocument, viewDocument } from '../../workflow/documents.js';
import { SIGNATURE_REFUSALS } from '../../signatures/refusals.js';
import { defineRoute } from '../route.js';

const Uuid = z.uuid();

/** A malformed id names no document: answer as for one that does not exist. */
function documentId(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!Uuid.safeParse(id).success) throw new GongwenError('DOCUMENT_NOT_FOUND');
  return id;
}

export const documentRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/documents',
    summary: '待辦公文 (inbox), or every document I took part in; search and filters',
    tags: ['documents'],
    auth: true,
    query: InboxQuery,
    response: DocumentList,
    handler: ({ actor, query }) => listDocuments(ctx, actor, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/documents',
    summary: '創稿: a new document, held by its drafter',
    tags: ['documents'],
    auth: true,
    errors: ['DOCUMENT_NUMBER_INVALID', 'DOCUMENT_NUMBER_TAKEN', 'DOCUMENT_NUMBERS_EXHAUSTED', 'ATTACHMENT_INVALID', 'ATTACHMENT_UPLOAD_UNKNOWN'],
    body: CreateDocumentRequest,
    // Small attachments may come inline as base64; larger ones are uploaded first (below), so no
    // JSON body is larger than this and parsing one never holds the event loop for long.
    bodyLimit: LIMITS.inlineDocumentBytes,
    response: DocumentView,
    handler: ({ actor, body }) => createDocument(ctx, actor, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/attachments',
    summary: 'An attachment’s bytes, uploaded raw before the new document (POST /api/documents) that names it by `uploadId`; kept a day',
    tags: ['documents'],
    auth: true,
    errors: ['ATTACHMENT_UPLOADS_FULL'],
    consumes: 'application/octet-stream',
    bodyLimit: LIMITS.attachmentBytes,
    response: AttachmentUpload,
    handler: ({ actor, received }) => stageAttachment(ctx, actor, received),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/documents/:id',
    summary: 'A document with its flow table; the holder also gets the step token to sign',
    tags: ['documents'],
    auth: true,
    errors: ['DOCUMENT_NOT_FOUND'],
    response: DocumentView,
    handler: ({ actor, params }) => viewDocument(ctx, actor, documentId(params)),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/documents/:id/attachments/:attachmentId',
    summary: 'An attachment’s bytes',
    tags: ['documents'],
    auth: true,
    errors: ['DOCUMENT_NOT_FOUND', 'NOT_FOUND'],
    produces: 'application/octet-stream',
    handler: async ({ actor, params, reply }) => {
      const a = await attachmentContent(ctx, actor, documentId(params), params.attachmentId ?? '');
      reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`);
      reply.header('x-content-type-options', 'nosniff');
      return new Uint8Array(a.content);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/documents/:id/actions',
    summary: '傳送 and the other signed actions: one step signature per request, idempotent by key',
    tags: ['documents'],
    auth: true,
    errors: [
      'DOCUMENT_NOT_FOUND',
      'NOT_CURRENT_HOLDER',
      'DOCUMENT_CLOSED',
      'ACTION_NOT_ALLOWED',
      'RECIPIENT_REQUIRED',
      'RECIPIENT_UNKNOWN',
      'STEP_CONFLICT',
      'STEP_TOKEN_STALE',
      'RESIGN_REQUIRED',
      'IDEMPOTENCY_KEY_REUSED',
      'SIGNATURE_PAYLOAD_MISMATCH',
      ...SIGNATURE_REFUSALS,
    ],
    body: ActionRequest,
    // A signature (64 KB at most, as base64) and an opinion.
    bodyLimit: 256 * 1024,
    response: ActionResult,
    handler: ({ actor, params, body }) => performAction(ctx, actor, documentId(params), body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/documents/:id/evidence',
    summary: 'Signed payloads, CMS signatures and trust anchors, checkable with openssl',
    tags: ['documents'],
    auth: true,
    errors: ['DOCUMENT_NOT_FOUND'],
    response: Evidence,
    handler: async ({ actor, params }) => {
      const doc = await loadVisibleDocument(ctx.storage.db, actor, documentId(params));
      return buildEvidence(ctx, doc.id);
    },
  }),
];
