import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf, messageOf } from '../../src-shared/common/errors.js';

/** Where `npm run build:admin` (vite.admin.config.ts) puts the console: out/admin at the project's root. */
export const DEFAULT_ADMIN_DIR = fileURLToPath(new URL('../../out/admin', import.meta.url));

/** The placeholder the build puts on every tag and in <meta property="csp-nonce"> (vite.admin.config.ts). */
const NONCE_PLACEHOLDER = 'GONGWEN_CSP_NONCE';

/**
 * The console's CSP: scripts and styles from /admin only, plus the style tags Ant Design writes
 * at run time, which carry this answer's nonce (never 'unsafe-inline'); no framing, no plugins,
 * no form posts elsewhere; the page talks to this service only.
 */
export function consoleCsp(nonce: string): string {
  return [
    "default-src 'none'",
    // 'report-sample': a violation report carries the first characters of what was blocked.
    `script-src 'self' 'nonce-${nonce}' 'report-sample'`,
    `style-src 'self' 'nonce-${nonce}' 'report-sample'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What every answer under /admin carries, the page and its assets alike. */
function secureHeaders(reply: FastifyReply): void {
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/**
 * The admin console (issue 18) at /admin: its page with a fresh CSP nonce per answer and never
 * cached (a new build takes effect at the next load), its hashed assets cached for good. Without a
 * build the page says how to make one instead of failing.
 */
export async function registerAdminConsole(app: FastifyInstance, adminDir: string = DEFAULT_ADMIN_DIR): Promise<void> {
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    secureHeaders(reply);
    reply.header('cache-control', 'no-store');
    let html: string;
    try {
      html = await readFile(join(adminDir, 'index.html'), 'utf8');
    } catch {
      const language = /^en\b/i.test(request.headers['accept-language'] ?? '') ? 'en' : 'zh-TW';
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      return reply
        .code(httpStatusOf('CONSOLE_NOT_BUILT'))
        .type('text/plain; charset=utf-8')
        .send(`CONSOLE_NOT_BUILT: ${messageOf('CONSOLE_NOT_BUILT', language)}\n`);
    }
    const nonce = randomBytes(18).toString('base64');
    reply.header('content-security-policy', consoleCsp(nonce));
    return reply.type('text/html; charset=utf-8').send(html.replaceAll(NONCE_PLACEHOLDER, nonce));
  };
  app.get('/admin', page);
  app.get('/admin/', page);
  await app.register(fastifyStatic, {
    root: join(adminDir, 'assets'),
    prefix: '/admin/assets/',
    decorateReply: false,
    index: false,
    // Vite names each asset after its content: a changed file is a new name, so keep them a year.
    immutable: true,
    maxAge: '365d',
    setHeaders: (reply) => {
      secureHeaders(reply);
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    },
  });
}
