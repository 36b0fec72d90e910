import { z } from 'zod';
import { errorCodes } from '../../src-shared/common/errors.js';
import type { AnyRoute } from './route.js';

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
      parameters: [...params, ...query],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      ...(r.consumes
        ? { requestBody: { required: true, content: { [r.consumes]: { schema: { type: 'string', format: 'binary', maxLength: r.bodyLimit } } } } }
        : {}),
      responses: {
        [r.response || r.produces ? '200' : '204']: r.produces
          ? { description: r.produces, content: { [r.produces]: {} } }
          : r.response
            ? { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } }
            : { description: 'Done' },
        '4XX': { description: 'Refused', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
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
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string', enum: errorCodes }, message: { type: 'string' }, detail: { type: 'string' } },
        },
      },
    },
  };
}
