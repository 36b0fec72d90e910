import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_SESSION_COOKIE } from '../../src-shared/common/api/admin.js';
import { CONSOLE_CARD_LOGIN_API, CONSOLE_CARD_LOGIN_COOKIE } from '../../src-shared/common/api/console-card-login.js';

/** A cookie of the console: its name and the one path it is sent to. */
interface ConsoleCookie {
  name: string;
  path: string;
}

/** The console's session. */
export const SESSION_COOKIE: ConsoleCookie = { name: ADMIN_SESSION_COOKIE, path: '/admin' };
/** The secret binding a card-login request to the browser that made it, on that flow's path only. */
export const CARD_LOGIN_COOKIE: ConsoleCookie = { name: CONSOLE_CARD_LOGIN_COOKIE, path: CONSOLE_CARD_LOGIN_API.start };

/**
 * Sets a console cookie as the best internal apps do (HttpOnly, SameSite=Strict, Secure under TLS),
 * expiring with what it stands for; `expiresAt` null clears it.
 */
export function setConsoleCookie(request: FastifyRequest, reply: FastifyReply, cookie: ConsoleCookie, value: string, expiresAt: string | null): void {
  const options = { path: cookie.path, httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https' };
  if (expiresAt) reply.setCookie(cookie.name, value, { ...options, expires: new Date(expiresAt) });
  else reply.clearCookie(cookie.name, options);
}
