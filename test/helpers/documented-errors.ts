import { appendFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: any }> }> }>>;
}

const documents = new WeakMap<FastifyInstance, Promise<OpenApi>>();

/**
 * Every refusal a test meets must be one the OpenAPI document lists for that route (issue 15: an
 * integrator builds from the document alone). Called by `call` for each 4xx/5xx answer, so every
 * service test checks the document as a side effect.
 */
export async function assertDocumentedRefusal(app: FastifyInstance, method: string, url: string, status: number, code: unknown): Promise<void> {
  if (typeof code !== 'string') return;
  let document = documents.get(app);
  if (!document) {
    document = app.inject({ method: 'GET', url: '/api/openapi.json' }).then((r) => r.json() as OpenApi);
    documents.set(app, document);
  }
  const { paths } = await document;
  const path = url.split('?')[0]!;
  const template = Object.keys(paths).find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
  const operation = template ? paths[template]![method.toLowerCase()] : undefined;
  if (!operation) return; // not a route of the document (an unknown path or method: NOT_FOUND)
  const codes: string[] = operation.responses[String(status)]?.content?.['application/json']?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
  if (codes.includes(code)) return;
  const line = `${method.toUpperCase()} ${template} answered ${status} ${code}, which its OpenAPI entry does not list`;
  if (process.env.GONGWEN_UNDOCUMENTED_LOG) appendFileSync(process.env.GONGWEN_UNDOCUMENTED_LOG, line + '\n');
  else throw new Error(`${line}: add it to the route's \`errors\``);
}
