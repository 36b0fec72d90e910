import { z } from 'zod';
import {
  Deputy,
  DeputyList,
  FiguresQuery,
  MonthlyFigures,
  NameDeputyRequest,
  Reminders,
  SeparateUserRequest,
  Separation,
} from '../../../src-shared/common/api/organisation.js';
import { GongwenError } from '../../../src-shared/common/errors.js';
import type { ServiceContext } from '../../context.js';
import { isAdministrator, requireAdministrator } from '../../organisation/administrators.js';
import { listDeputies, nameDeputy, withdrawDeputy } from '../../organisation/deputies.js';
import { monthlyFigures } from '../../organisation/monthly-figures.js';
import { remindersFor } from '../../organisation/reminders.js';
import { separateUser } from '../../organisation/separation.js';
import { defineRoute } from '../route.js';

export const organisationRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/reminders',
    summary: 'My pending 補簽 and, for a unit head, their people’s overdue steps (as at login)',
    tags: ['organisation'],
    auth: true,
    response: Reminders,
    handler: ({ actor }) => remindersFor(ctx.storage.db, ctx.policy.resign, actor.id, ctx.now()),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/deputies',
    summary: '職務代理人: my deputies, whom I act for, and (for a unit head) who has named none',
    tags: ['organisation'],
    auth: true,
    response: DeputyList,
    handler: ({ actor }) => listDeputies(ctx, actor),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/deputies',
    summary: 'Name a deputy for a range of days (for oneself, or as unit head for a person of the unit who has none)',
    tags: ['organisation'],
    auth: true,
    errors: [
      'DEPUTY_NOT_ALLOWED',
      'DEPUTY_RANGE_INVALID',
      'DEPUTY_SELF',
      'DEPUTY_SEPARATED',
      'DEPUTY_UNKNOWN',
      'DEPUTY_REAUTH_FAILED',
      'RATE_LIMITED',
      'USER_UNKNOWN',
    ],
    body: NameDeputyRequest,
    response: Deputy,
    handler: ({ actor, body }) => nameDeputy(ctx, actor, body),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/deputies/:id',
    summary: 'Withdraw a deputy (the person, whoever named it, or the unit head)',
    tags: ['organisation'],
    auth: true,
    errors: ['DEPUTY_NOT_ALLOWED', 'DEPUTY_NOT_FOUND'],
    handler: ({ actor, params }) => withdrawDeputy(ctx, actor, params.id ?? ''),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/units/:unitId/figures',
    summary: 'The monthly figures of a unit’s 補簽 (month: ISO YYYY-MM, Taiwan time); for its head and administrators',
    tags: ['organisation'],
    auth: true,
    errors: ['FIGURES_NOT_ALLOWED', 'UNIT_UNKNOWN'],
    query: FiguresQuery,
    response: MonthlyFigures,
    handler: async ({ actor, params, query }) => {
      const unitId = params.unitId ?? '';
      const unit =
        unitId.length <= 64 ? await ctx.storage.db.selectFrom('units').select('head_user_id').where('id', '=', unitId).executeTakeFirst() : undefined;
      // Someone with no right is not told whether the unit exists.
      const allowed = (await isAdministrator(ctx, actor)) || (unit !== undefined && unit.head_user_id === actor.id);
      if (!allowed) throw new GongwenError('FIGURES_NOT_ALLOWED');
      if (!unit) throw new GongwenError('UNIT_UNKNOWN');
      return monthlyFigures(ctx.storage.db, ctx.policy.resign, unitId, query.month, ctx.now());
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/admin/users/:account/separation',
    summary: '離職: end the person’s sessions, revoke their temp certs, refuse their logins and sends (administrators)',
    tags: ['organisation'],
    auth: true,
    errors: ['ADMINISTRATOR_REQUIRED', 'SEPARATION_DATE_INVALID', 'USER_ALREADY_SEPARATED', 'USER_UNKNOWN'],
    body: SeparateUserRequest,
    response: Separation,
    handler: async ({ actor, params, body }) => {
      await requireAdministrator(ctx, actor);
      const account = z.string().min(1).max(64).safeParse(params.account);
      if (!account.success) throw new GongwenError('USER_UNKNOWN');
      return separateUser(ctx, actor.account, account.data, body.on);
    },
  }),
];
