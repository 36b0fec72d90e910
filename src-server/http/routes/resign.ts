import {
  OnBehalfPendingList,
  OnBehalfResignRequest,
  PaperResignRequest,
  PaperResignResponse,
  PendingResignList,
  PendingResignQuery,
  ResignRequest,
  ResignResponse,
} from '../../../src-shared/common/api/resign.js';
import { LIMITS } from '../../../src-shared/common/api/documents.js';
import { GongwenError, type ErrorCode } from '../../../src-shared/common/errors.js';
import type { ServiceContext } from '../../context.js';
import { languageOf } from '../errors.js';
import { pendingResignSteps, resignSteps } from '../../workflow/resign.js';
import { SIGNATURE_REFUSALS } from '../../signatures/refusals.js';
import { pendingOnBehalfSteps } from '../../workflow/resign-on-behalf.js';
import { recordPaperResign } from '../../workflow/paper-resign.js';
import { defineRoute } from '../route.js';

export const resignRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/resign/pending',
    summary: 'IFT940: my temp-signed steps not yet re-signed with the card',
    tags: ['resign'],
    auth: true,
    query: PendingResignQuery,
    response: PendingResignList,
    handler: ({ actor, query }) => pendingResignSteps(ctx, actor, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/resign',
    summary: 'IFT940 補簽: countersignatures by my card, one per step; per-step results',
    tags: ['resign'],
    auth: true,
    errors: ['RESIGN_STEP_UNKNOWN', 'RESIGN_NOT_TEMP', 'COUNTERSIGNATURE_INVALID', 'RESIGN_ALREADY_DONE', ...SIGNATURE_REFUSALS],
    body: ResignRequest,
    // A chunk of countersignatures of a few KB each (the client sends 50: tens of KB) and the card's certificates.
    bodyLimit: 1024 * 1024,
    response: ResignResponse,
    handler: async ({ actor, body, request }) => wholeOrPart(await resignSteps(ctx, actor, body, languageOf(request))),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/resign/on-behalf/pending',
    summary: 'IFT940 代為補簽: steps of people I may re-sign for now, due on behalf (overdue, or the signer left)',
    tags: ['resign'],
    auth: true,
    query: PendingResignQuery,
    response: OnBehalfPendingList,
    handler: ({ actor, query }) => pendingOnBehalfSteps(ctx, actor, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/resign/on-behalf',
    summary: 'IFT940 代為補簽: countersignatures by my card over others’ steps, with the reason; my right checked now',
    tags: ['resign'],
    auth: true,
    errors: [
      'RESIGN_STEP_UNKNOWN',
      'RESIGN_NOT_TEMP',
      'COUNTERSIGNATURE_INVALID',
      'RESIGN_REASON_REQUIRED',
      'ON_BEHALF_NO_RIGHT',
      'ON_BEHALF_OUTSIDE_DATES',
      'ON_BEHALF_NOT_DUE',
      'RESIGN_ALREADY_DONE',
      ...SIGNATURE_REFUSALS,
    ],
    body: OnBehalfResignRequest,
    bodyLimit: 1024 * 1024,
    response: ResignResponse,
    handler: async ({ actor, body, request }) => {
      const { reason, ...resign } = body;
      return wholeOrPart(await resignSteps(ctx, actor, resign, languageOf(request), { reason }));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/resign/paper',
    summary: '紙本補簽: the unit head records a step re-signed on paper — the scan and their card’s signature over the record (where the policy accepts it)',
    tags: ['resign'],
    auth: true,
    errors: [
      'PAPER_NOT_ACCEPTED',
      'SIGNATURE_PAYLOAD_MISMATCH',
      'PAPER_UNIT_HEAD_ONLY',
      'PAPER_SCAN_INVALID',
      'RESIGN_REASON_REQUIRED',
      'RESIGN_ALREADY_DONE',
      'RESIGN_STEP_UNKNOWN',
      'ATTACHMENT_UPLOAD_UNKNOWN',
      ...SIGNATURE_REFUSALS,
    ],
    body: PaperResignRequest,
    // As a new document: a large scan is uploaded raw first, so no JSON body is ever large.
    bodyLimit: LIMITS.inlineDocumentBytes,
    response: PaperResignResponse,
    handler: ({ actor, body }) => recordPaperResign(ctx, actor, body),
  }),
];

/** A batch of which nothing could be applied is refused as a whole, with its first reason. */
function wholeOrPart(results: Awaited<ReturnType<typeof resignSteps>>) {
  const first = results[0];
  if (first && results.every((r) => r.outcome === 'refused'))
    throw new GongwenError(first.code as ErrorCode, first.detail ? `step ${first.stepId}: ${first.detail}` : `step ${first.stepId}`);
  return { results };
}
