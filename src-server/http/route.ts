import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type ZodType } from 'zod';
import { GongwenError, type ServiceErrorCode } from '../../src-shared/common/errors.js';
import { authenticate } from '../accounts/sessions.js';
import { ADMIN_SESSION_COOKIE, CSRF_HEADER, type AdminRole } from '../../src-shared/common/api/admin.js';
import { consoleSession, csrfMatches } from '../admin/console-sessions.js';
import { EMPTY_JSON_BODY, ReceivedBytes } from './json-body.js';
import type { Actor, ServiceContext } from '../context.js';

/**
 * One declaration per endpoint: its schemas (shared with the client, from src-shared/api), whether
 * it needs a session, and a handler. The registrar validates input with zod before the handler
 * runs and keeps the list from which the OpenAPI document is made.
 */
export interface RouteSpec<B extends ZodType | undefined, Q extends ZodType | undefined> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  auth: boolean;
  /**
   * An admin console route (issue 18): the console's session cookie instead of a bearer token,
   * one of these roles, and (unless GET) the session's CSRF token in the x-csrf-token header, all
   * checked before the body is read. `auth` is false for these.
   */
  admin?: readonly AdminRole[];
  body?: B;
  query?: Q;
  response?: ZodType;
  /**
   * Reads the body as raw bytes (`received` in the handler) instead of JSON: a file upload, read
   * and hashed chunk by chunk as it arrives, up to `bodyLimit`, so no single step holds the event
   * loop for long.
   */
  consumes?: 'application/octet-stream';
  /** Answers with raw bytes of this media type instead of JSON. */
  produces?: string;
  /**
   * The codes this route's own work refuses with. Those any route of its kind may answer (a
   * session, a body, a query; see `errorCodesOf` in openapi.ts) are added; the OpenAPI document
   * lists them all, and the test helpers check every refusal a test meets is listed.
   */
  errors?: readonly ServiceErrorCode[];
  /** The largest body this route reads (bytes); DEFAULT_BODY_LIMIT when not said. */
  bodyLimit?: number;
  handler: (input: {
    body: B extends ZodType ? z.output<B> : undefined;
    query: Q extends ZodType ? z.output<Q> : undefined;
    /** The raw body of a route that `consumes` bytes, with its SHA-256; empty otherwise. */
    received: ReceivedBytes;
    params: Record<string, string>;
    actor: Actor;
    token: string;
    request: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<unknown>;
}

export type AnyRoute = RouteSpec<ZodType | undefined, ZodType | undefined>;

export function defineRoute<B extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined>(spec: RouteSpec<B, Q>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export function parseWith<S extends ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  throw new GongwenError('VALIDATION_FAILED', `${where}: ${issue?.message ?? 'invalid'}`);
}

const NO_ACTOR: Actor = { id: '', account: '', name: '', unitId: '' };
const NOTHING_RECEIVED = new ReceivedBytes(Buffer.alloc(0), '');

/** What a route reads unless it says otherwise: a login, an IFT930 form, a query. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/** The actor of each authenticated request, found in onRequest (before the body is read). */
const actors = new WeakMap<FastifyRequest, Actor>();

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** The console session's token, from its cookie (@fastify/cookie parses it). */
export function consoleToken(request: FastifyRequest): string | undefined {
  return (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[ADMIN_SESSION_COOKIE];
}

/** The console's checks, in order: a session, the CSRF token of a change, a role the route names. */
async function consoleActor(ctx: ServiceContext, request: FastifyRequest, roles: readonly AdminRole[]): Promise<Actor> {
  const token = consoleToken(request);
  const session = await consoleSession(ctx, token);
  if (request.method !== 'GET') {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || sent.length === 0) throw new GongwenError('CSRF_TOKEN_MISSING');
    if (!csrfMatches(token!, sent)) throw new GongwenError('CSRF_TOKEN_INVALID');
  }
  if (!session.roles.some((r) => roles.includes(r))) {
    throw new GongwenError(
      'ADMIN_ROLE_REQUIRED',
      `this needs ${roles.map((r) => (r === 'it-admin' ? '系統管理者 (it-admin)' : '檔案管理 (records)')).join(' or ')}`,
    );
  }
  return session.actor;
}

function onRequestOf(ctx: ServiceContext, spec: AnyRoute) {
  const roles = spec.admin;
  if (roles) return { onRequest: async (request: FastifyRequest) => void actors.set(request, await consoleActor(ctx, request, roles)) };
  if (spec.auth) return { onRequest: async (request: FastifyRequest) => void actors.set(request, await authenticate(ctx, bearerToken(request))) };
  return {};
}

export function registerRoutes(app: FastifyInstance, ctx: ServiceContext, routes: readonly AnyRoute[]): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      bodyLimit: spec.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // The session is checked before a byte of the body is read: a stranger's body is never parsed.
      ...onRequestOf(ctx, spec),
      handler: async (request, reply) => {
        const token = (spec.admin ? consoleToken(request) : bearerToken(request)) ?? '';
        const actor = spec.auth || spec.admin ? actors.get(request)! : NO_ACTOR;
        // Raw bytes reach only the routes that take them; a JSON route never sees them as its body.
        if (request.body instanceof ReceivedBytes !== (spec.consumes === 'application/octet-stream')) throw new GongwenError('UNSUPPORTED_MEDIA_TYPE');
        const received = request.body instanceof ReceivedBytes ? request.body : NOTHING_RECEIVED;
        if (request.body === EMPTY_JSON_BODY && spec.body) throw new GongwenError('MALFORMED_REQUEST', 'empty body');
        const body = spec.body ? parseWith(spec.body, request.body ?? {}) : undefined;
        const query = spec.query ? parseWith(spec.query, request.query ?? {}) : undefined;
        const result = await spec.handler({
          body,
          query,
          received,
          params: request.params as Record<string, string>,
          actor,
          token,
          request,
          reply,
        } as Parameters<AnyRoute['handler']>[0]);
        if (reply.sent) return reply;
        if (result === undefined) return reply.code(204).send();
        if (result instanceof Uint8Array) return reply.type(spec.produces ?? 'application/octet-stream').send(Buffer.from(result));
        return result;
      },
    });
  }
}
