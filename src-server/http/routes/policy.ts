import { AgencyPolicy } from '../../../src-shared/common/api/policy.js';
import type { ServiceContext } from '../../context.js';
import { defineRoute } from '../route.js';

export const policyRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/policy',
    summary: 'The agency’s policy for 補簽 and temp certs, so the app can explain it',
    tags: ['policy'],
    auth: true,
    response: AgencyPolicy,
    handler: async () => ctx.policy,
  }),
];
