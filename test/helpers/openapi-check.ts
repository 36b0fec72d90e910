import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Exchange } from './recording-proxy.js';

/**
 * A client's view of the service built from its OpenAPI document alone: which operation a request
 * is, whether the request and the answer are what the document's JSON Schemas say, and which
 * fields carry bytes. Nothing of the service's own code is used.
 */
export class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly operations: { method: string; template: string; pattern: RegExp; op: any }[] = [];

  constructor(private readonly doc: any) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
    for (const [template, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods)) {
        const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
        this.operations.push({ method: method.toUpperCase(), template, pattern, op });
      }
  }

  /** The operation a request is, by method and path (the query aside), or undefined when the document has none. */
  operationOf(method: string, url: string) {
    const path = url.split('?')[0]!;
    // A literal path (/api/resign/pending) before a template that also matches it.
    const candidates = this.operations.filter((o) => o.method === method && o.pattern.test(path));
    return candidates.sort((a, b) => (a.template.includes('{') ? 1 : 0) - (b.template.includes('{') ? 1 : 0))[0];
  }

  /** What is wrong with one exchange by the document: unknown route, request or answer outside its schema, a status not listed. */
  problems(x: Exchange): string[] {
    const where = `${x.method} ${x.url.split('?')[0]} → ${x.status}`;
    const found = this.operationOf(x.method, x.url);
    if (!found) return [`${where}: no such operation in the document`];
    const { op, template, method } = found;
    const pointer = (...parts: string[]) => `openapi#/${parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    const out: string[] = [];
    const check = (ref: string, value: unknown, what: string) => {
      const validate = this.ajv.compile({ $ref: ref });
      if (!validate(value)) out.push(`${where}: ${what} outside the schema: ${this.ajv.errorsText(validate.errors)}`);
    };
    const query = new URLSearchParams(x.url.split('?')[1] ?? '');
    for (const name of query.keys())
      if (!op.parameters?.some((p: any) => p.in === 'query' && p.name === name)) out.push(`${where}: query parameter ${name} not in the document`);
    if (x.requestBody.length > 0) {
      const type = (x.requestType ?? '').split(';')[0]!.trim();
      const content = op.requestBody?.content?.[type];
      if (!content) out.push(`${where}: a ${type} body the document does not take`);
      else if (type === 'application/json')
        check(pointer('paths', template, method.toLowerCase(), 'requestBody', 'content', type, 'schema'), JSON.parse(x.requestBody.toString()), 'request');
      else if (content.schema?.maxLength !== undefined && x.requestBody.length > content.schema.maxLength) out.push(`${where}: body over its limit`);
    }
    const answer = op.responses[String(x.status)];
    if (!answer) return [...out, `${where}: status ${x.status} not listed`];
    const type = (x.responseType ?? '').split(';')[0]!.trim();
    if (answer.content && !(type in answer.content)) out.push(`${where}: answered ${type}, the document says ${Object.keys(answer.content)}`);
    if (type === 'application/json' && answer.content?.[type]?.schema)
      check(
        pointer('paths', template, method.toLowerCase(), 'responses', String(x.status), 'content', type, 'schema'),
        JSON.parse(x.responseBody.toString()),
        'answer',
      );
    return out;
  }

  /**
   * The byte fields an exchange carries by the document (`contentEncoding: base64`), each with its
   * description and the value sent, found by walking the body beside its schema.
   */
  byteFields(x: Exchange): { field: string; description: string; value: string }[] {
    const found = this.operationOf(x.method, x.url);
    if (!found) return [];
    const out: { field: string; description: string; value: string }[] = [];
    let side = '';
    const walk = (schema: any, value: unknown, field: string) => {
      if (!schema || value === undefined || value === null) return;
      if (schema.$ref) return walk(this.resolve(schema.$ref), value, field);
      for (const part of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(part, value, field);
      if (typeof value === 'string' && schema.contentEncoding === 'base64')
        out.push({ field: `${found.method} ${found.template} ${side} ${field}`, description: schema.description ?? '', value });
      if (Array.isArray(value)) value.forEach((v) => walk(schema.items, v, `${field}[]`));
      else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) walk(schema.properties?.[k], v, field ? `${field}.${k}` : k);
    };
    const method = found.method.toLowerCase();
    const operation = this.doc.paths[found.template][method];
    side = 'request';
    if ((x.requestType ?? '').startsWith('application/json') && x.requestBody.length)
      walk(operation.requestBody?.content?.['application/json']?.schema, JSON.parse(x.requestBody.toString()), '');
    side = 'answer';
    if ((x.responseType ?? '').startsWith('application/json'))
      walk(operation.responses[String(x.status)]?.content?.['application/json']?.schema, JSON.parse(x.responseBody.toString()), '');
    return out;
  }

  /** What is wrong with `value` by the document's schema at `ref` (`#/components/schemas/StepPayload`). */
  matches(ref: string, value: unknown): string[] {
    const validate = this.ajv.compile({ $ref: `openapi${ref}` });
    return validate(value) ? [] : [this.ajv.errorsText(validate.errors)];
  }

  private resolve(ref: string): any {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
  }
}
