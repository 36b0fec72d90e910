import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type ZodType } from 'zod';
import { GongwenError, type ServiceErrorCode } from '../../src-shared/common/errors.js';
import { authenticate } from '../accounts/sessions.js';
import { EMPTY_JSON_BODY } from './json-body.js';
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
  body?: B;
  query?: Q;
  response?: ZodType;
  /**
   * Reads the body as raw bytes (`bytes` in the handler) instead of JSON: a file upload, read from
   * the socket chunk by chunk up to `bodyLimit`, so no single step holds the event loop for long.
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
    /** The raw body of a route that `consumes` bytes; empty otherwise. */
    bytes: Buffer;
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

/** What a route reads unless it says otherwise: a login, an IFT930 form, a query. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/** The actor of each authenticated request, found in onRequest (before the body is read). */
const actors = new WeakMap<FastifyRequest, Actor>();

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export function registerRoutes(app: FastifyInstance, ctx: ServiceContext, routes: readonly AnyRoute[]): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      bodyLimit: spec.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // The session is checked before a byte of the body is read: a stranger's body is never parsed.
      ...(spec.auth ? { onRequest: async (request: FastifyRequest) => void actors.set(request, await authenticate(ctx, bearerToken(request))) } : {}),
      handler: async (request, reply) => {
        const token = bearerToken(request) ?? '';
        const actor = spec.auth ? actors.get(request)! : NO_ACTOR;
        // Raw bytes reach only the routes that take them; a JSON route never sees a Buffer as its body.
        if (Buffer.isBuffer(request.body) !== (spec.consumes === 'application/octet-stream')) throw new GongwenError('UNSUPPORTED_MEDIA_TYPE');
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (request.body === EMPTY_JSON_BODY && spec.body) throw new GongwenError('MALFORMED_REQUEST', 'empty body');
        const body = spec.body ? parseWith(spec.body, request.body ?? {}) : undefined;
        const query = spec.query ? parseWith(spec.query, request.query ?? {}) : undefined;
        const result = await spec.handler({ body, query, bytes, params: request.params as Record<string, string>, actor, token, request, reply } as Parameters<
          AnyRoute['handler']
        >[0]);
        if (reply.sent) return reply;
        if (result === undefined) return reply.code(204).send();
        if (result instanceof Uint8Array) return reply.type(spec.produces ?? 'application/octet-stream').send(Buffer.from(result));
        return result;
      },
    });
  }
}
