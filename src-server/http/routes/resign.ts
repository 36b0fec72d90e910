import { PendingResignList, PendingResignQuery, ResignRequest, ResignResponse } from '../../../src-shared/common/api/resign.js';
import { GongwenError, type ErrorCode } from '../../../src-shared/common/errors.js';
import type { ServiceContext } from '../../context.js';
import { languageOf } from '../errors.js';
import { pendingResignSteps, resignSteps } from '../../workflow/resign.js';
import { SIGNATURE_REFUSALS } from '../../signatures/refusals.js';
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
    errors: ['RESIGN_STEP_UNKNOWN', 'RESIGN_NOT_TEMP', 'COUNTERSIGNATURE_INVALID', ...SIGNATURE_REFUSALS],
    body: ResignRequest,
    // A chunk of countersignatures of a few KB each (the client sends 50: tens of KB) and the card's certificates.
    bodyLimit: 1024 * 1024,
    response: ResignResponse,
    handler: async ({ actor, body, request }) => {
      const results = await resignSteps(ctx, actor, body, languageOf(request));
      // A batch of which nothing could be applied is refused as a whole, with its first reason.
      const first = results[0];
      if (first && results.every((r) => r.outcome === 'refused'))
        throw new GongwenError(first.code as ErrorCode, first.detail ? `step ${first.stepId}: ${first.detail}` : `step ${first.stepId}`);
      return { results };
    },
  }),
];
