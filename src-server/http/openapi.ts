import { z } from 'zod';
import { errorCatalog, errorCodes, httpStatusOf, type ServiceErrorCode } from '../../src-shared/common/errors.js';
import { profileSchemas } from './openapi-profile.js';
import type { AnyRoute } from './route.js';

/**
 * What any request may meet before its route's own work: headers too large, a body (even where
 * none is read) that is not JSON or larger than the route's limit, the unexpected.
 */
const EVERY_ROUTE: readonly ServiceErrorCode[] = ['HEADERS_TOO_LARGE', 'MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'INTERNAL'];
const WITH_SESSION: readonly ServiceErrorCode[] = ['UNAUTHENTICATED', 'USER_SEPARATED'];
const WITH_BODY: readonly ServiceErrorCode[] = ['MALFORMED_REQUEST', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT'];
const WITH_INPUT: readonly ServiceErrorCode[] = ['VALIDATION_FAILED'];
const WITH_CONSOLE_SESSION: readonly ServiceErrorCode[] = ['ADMIN_UNAUTHENTICATED', 'ADMIN_ROLE_REQUIRED', 'USER_SEPARATED'];
const CONSOLE_CHANGE: readonly ServiceErrorCode[] = ['CSRF_TOKEN_MISSING', 'CSRF_TOKEN_INVALID'];

/** Every code a route may answer with: its own, and those of its kind (session, body, query). */
export function errorCodesOf(r: AnyRoute): ServiceErrorCode[] {
  const codes = new Set<ServiceErrorCode>([...EVERY_ROUTE, ...(r.errors ?? [])]);
  if (r.auth) WITH_SESSION.forEach((c) => codes.add(c));
  if (r.admin) WITH_CONSOLE_SESSION.forEach((c) => codes.add(c));
  if (r.admin && r.method !== 'GET') CONSOLE_CHANGE.forEach((c) => codes.add(c));
  if (r.body || r.consumes) WITH_BODY.forEach((c) => codes.add(c));
  if (r.query || r.url.includes(':')) WITH_INPUT.forEach((c) => codes.add(c));
  return [...codes].sort();
}

/** The error answers of a route, one per HTTP status, each naming its codes and what they mean. */
function errorResponses(r: AnyRoute): Record<string, unknown> {
  const byStatus = new Map<number, ServiceErrorCode[]>();
  for (const code of errorCodesOf(r)) byStatus.set(httpStatusOf(code), [...(byStatus.get(httpStatusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: codes.map((c) => `\`${c}\`: ${errorCatalog[c][2]}`).join(' '),
        content: {
          'application/json': {
            schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] },
          },
        },
      },
    ]),
  );
}

/** OpenAPI 3.1 from the same zod schemas that validate the requests. */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const params = [...r.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query
      ? Object.entries((json(r.query, 'input') as { properties?: Record<string, unknown> }).properties ?? {}).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      ...(r.admin ? { security: [{ consoleCookie: [] }] } : {}),
      parameters: [...params, ...query],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      ...(r.consumes
        ? {
            requestBody: {
              required: true,
              description: `raw bytes, at most ${r.bodyLimit} bytes`,
              content: { [r.consumes]: { schema: { type: 'string', format: 'binary', maxLength: r.bodyLimit } } },
            },
          }
        : {}),
      responses: {
        [r.response || r.produces ? '200' : '204']: r.produces
          ? { description: r.produces, content: { [r.produces]: {} } }
          : r.response
            ? { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } }
            : { description: 'Done' },
        ...errorResponses(r),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GongwenDesk document service',
      version,
      description: '公文 workflow, temporary-certificate CA (IFT930/IFT940) and signature verification.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        // The admin console's session (issue 18); its changes also carry the x-csrf-token header.
        consoleCookie: { type: 'apiKey', in: 'cookie', name: 'gongwen_admin' },
      },
      schemas: {
        ...profileSchemas,
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: errorCodes },
            message: { type: 'string', description: 'the code’s sentence, in zh-TW or (Accept-Language: en) English' },
            detail: { type: 'string', description: 'which field, step or certificate the refusal is about, when it helps' },
          },
        },
      },
    },
  };
}
