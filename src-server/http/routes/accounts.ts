import { LoginRequest, LoginResponse, UserDirectory, UserSummary } from '../../../src-shared/common/api/accounts.js';
import { login, logout } from '../../accounts/sessions.js';
import { userDirectory, userSummary } from '../../accounts/users.js';
import type { ServiceContext } from '../../context.js';
import { defineRoute } from '../route.js';

export const accountRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'POST',
    url: '/api/session',
    summary: '登入 (log in): returns a session token',
    tags: ['accounts'],
    auth: false,
    errors: ['LOGIN_FAILED', 'RATE_LIMITED', 'USER_SEPARATED'],
    body: LoginRequest,
    response: LoginResponse,
    handler: ({ body }) => login(ctx, body.account, body.password),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/session',
    summary: '登出 (log out)',
    tags: ['accounts'],
    auth: true,
    handler: ({ token, actor }) => logout(ctx, token, actor),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/me',
    summary: 'The logged-in user',
    tags: ['accounts'],
    auth: true,
    response: UserSummary,
    handler: ({ actor }) => userSummary(ctx.storage.db, actor.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/users',
    summary: 'People a document can be sent to',
    tags: ['accounts'],
    auth: true,
    response: UserDirectory,
    handler: async () => ({ users: await userDirectory(ctx.storage.db) }),
  }),
];
