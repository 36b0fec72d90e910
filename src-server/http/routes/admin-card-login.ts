import type { FastifyRequest } from 'fastify';
import {
  CONSOLE_CARD_LOGIN_API,
  CONSOLE_CARD_LOGIN_COOKIE,
  ConsoleCardLoginPoll,
  ConsoleCardLoginStarted,
  ConsoleLoginApproveRequest,
  ConsoleLoginApproved,
  ConsoleLoginLookup,
  ConsoleLoginLookupRequest,
} from '../../../src-shared/common/api/console-card-login.js';
import { approveConsoleLogin, lookUpConsoleLogin } from '../../accounts/card-console-login.js';
import { serviceHostOf } from '../../accounts/card-statement.js';
import { pollConsoleCardLogin, startConsoleCardLogin } from '../../admin/console-card-logins.js';
import type { ServiceContext } from '../../context.js';
import { SIGNATURE_REFUSALS } from '../../signatures/refusals.js';
import { CARD_LOGIN_COOKIE, SESSION_COOKIE, setConsoleCookie } from '../console-cookies.js';
import { defineRoute } from '../route.js';

function browserSecretOf(request: FastifyRequest): string | undefined {
  return (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[CONSOLE_CARD_LOGIN_COOKIE];
}

/**
 * 主控台以憑證卡登入 (issue 18; docs/security.md, "Console login by card"): the console page's
 * two steps (start, poll; no session yet, bound by the request's cookie) and the desktop's two
 * (lookup, approve; the app's session and the card).
 */
export const adminCardLoginRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'POST',
    url: CONSOLE_CARD_LOGIN_API.start,
    summary: '主控台以憑證卡登入, step 1: a login request (2 minutes) bound to this browser by a cookie, and the code to approve in GongwenDesk',
    tags: ['admin'],
    auth: false,
    errors: ['CONSOLE_CARD_LOGIN_RATE_LIMITED'],
    response: ConsoleCardLoginStarted,
    handler: async ({ request, reply }) => {
      const agent = request.headers['user-agent'];
      const { secret, started } = await startConsoleCardLogin(ctx, { address: request.ip, agent: typeof agent === 'string' ? agent : '' });
      setConsoleCookie(request, reply, CARD_LOGIN_COOKIE, secret, started.expiresAt);
      return started;
    },
  }),
  defineRoute({
    method: 'POST',
    url: CONSOLE_CARD_LOGIN_API.poll,
    summary: '主控台以憑證卡登入, step 3: pending, or (once) the console cookie and the CSRF token after the card approved',
    tags: ['admin'],
    auth: false,
    errors: ['CONSOLE_CARD_LOGIN_UNKNOWN', 'CONSOLE_CARD_LOGIN_EXPIRED', 'CONSOLE_CARD_LOGIN_USED', 'USER_SEPARATED', 'ADMIN_ROLE_REQUIRED'],
    response: ConsoleCardLoginPoll,
    handler: async ({ request, reply }) => {
      const { poll, token } = await pollConsoleCardLogin(ctx, browserSecretOf(request));
      if (poll.state === 'approved') {
        setConsoleCookie(request, reply, SESSION_COOKIE, token!, poll.me.expiresAt);
        setConsoleCookie(request, reply, CARD_LOGIN_COOKIE, '', null);
      }
      return poll;
    },
  }),
  defineRoute({
    method: 'POST',
    url: CONSOLE_CARD_LOGIN_API.lookup,
    summary: '主控台登入核准, step 1 (GongwenDesk): where the request of a code came from, and a card challenge for it',
    tags: ['accounts'],
    auth: true,
    errors: ['ADMIN_ROLE_REQUIRED', 'CARD_LOGIN_RATE_LIMITED', 'CONSOLE_CARD_LOGIN_UNKNOWN', 'CONSOLE_CARD_LOGIN_EXPIRED', 'CONSOLE_CARD_LOGIN_USED'],
    body: ConsoleLoginLookupRequest,
    response: ConsoleLoginLookup,
    handler: ({ actor, body, request }) => lookUpConsoleLogin(ctx, actor, body.userCode, { service: serviceHostOf(request), address: request.ip }),
  }),
  defineRoute({
    method: 'POST',
    url: CONSOLE_CARD_LOGIN_API.approve,
    summary: '主控台登入核准, step 2 (GongwenDesk): the card statement for console-login, signed by a card registered to me',
    tags: ['accounts'],
    auth: true,
    errors: [
      'ADMIN_ROLE_REQUIRED',
      'CARD_LOGIN_RATE_LIMITED',
      'CONSOLE_CARD_LOGIN_UNKNOWN',
      'CONSOLE_CARD_LOGIN_EXPIRED',
      'CONSOLE_CARD_LOGIN_USED',
      'CARD_OF_ANOTHER_USER',
      'CARD_CHALLENGE_UNKNOWN',
      'CARD_CHALLENGE_EXPIRED',
      'CARD_CHALLENGE_USED',
      ...SIGNATURE_REFUSALS,
    ],
    body: ConsoleLoginApproveRequest,
    response: ConsoleLoginApproved,
    handler: ({ actor, body, request }) => approveConsoleLogin(ctx, actor, body, { service: serviceHostOf(request), address: request.ip }),
  }),
];
