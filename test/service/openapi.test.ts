import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src-shared/common/errors.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

describe('the service describes itself', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite');
  });
  afterAll(() => service.close());

  it('serves an OpenAPI 3.1 document with every route, its schemas and the error codes', async () => {
    const r = await call<any>(service, { method: 'GET', url: '/api/openapi.json' });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/session',
        '/api/documents',
        '/api/documents/{id}',
        '/api/documents/{id}/actions',
        '/api/documents/{id}/evidence',
        '/api/temp-cert/enable',
        '/api/temp-ca/crl',
        '/api/resign',
        '/api/resign/pending',
      ]),
    );
    const send = r.body.paths['/api/documents/{id}/actions'].post;
    expect(send.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['action', 'signingTime', 'stepToken', 'signature', 'idempotencyKey']),
    );
    expect(send.requestBody.content['application/json'].schema.properties.action.enum).toContain('送請簽核');
    expect(r.body.components.schemas.Error.properties.code.enum).toEqual(errorCodes);
  });

  it('says what every byte field carries, and every route the codes it refuses with (a client can be built from it alone)', async () => {
    const doc = (await call<any>(service, { method: 'GET', url: '/api/openapi.json' })).body;
    const byteNames = /Base64$|^(signature|signatureValue|signerInfo|payload|csr|certificate|certificates|chain|countersignature)$/;
    const problems: string[] = [];
    const walk = (schema: any, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      for (const [name, property] of Object.entries<any>(schema.properties ?? {})) {
        const leaf = property.type === 'array' ? property.items : property;
        if (byteNames.test(name) && leaf?.type === 'string' && (leaf.contentEncoding !== 'base64' || !/^base64 of /.test(leaf.description ?? '')))
          problems.push(`${where}.${name}: a byte field without contentEncoding and a description of its bytes`);
        walk(property, `${where}.${name}`);
      }
      for (const key of ['items', 'anyOf', 'oneOf', 'allOf'] as const) [schema[key]].flat().forEach((s: any, i: number) => walk(s, `${where}.${key}${i}`));
    };
    for (const [path, operations] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        walk(op.requestBody?.content?.['application/json']?.schema, `${where} request`);
        walk(op.responses['200']?.content?.['application/json']?.schema, `${where} answer`);
        const refusals = Object.entries<any>(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
        if (refusals.length === 0 || '4XX' in op.responses) problems.push(`${where}: no error statuses of its own`);
        for (const [status, answer] of refusals) {
          const codes: string[] = answer.content['application/json'].schema.allOf[1].properties.code.enum;
          if (codes.length === 0 || codes.some((c) => !errorCodes.includes(c as never))) problems.push(`${where} ${status}: unknown codes ${codes}`);
          if (codes.some((c) => !answer.description.includes(`\`${c}\``))) problems.push(`${where} ${status}: a code without its sentence`);
        }
        if (op.security && !op.responses['401']) problems.push(`${where}: needs a session but lists no 401`);
        if (op.requestBody && !op.responses['413']) problems.push(`${where}: takes a body but lists no 413`);
      }
    expect(problems).toEqual([]);
    // the signed formats are described, with the profile's full OIDs
    expect(doc.components.schemas.StepPayload.required).toContain('stepToken');
    expect(doc.components.schemas.ContentDigest.description).toMatch(/RFC 8785/);
    expect(doc.components.schemas.Countersignature.description).toMatch(/2\.25\.\d{30,}\.2\b/);
    const send = doc.paths['/api/documents/{id}/actions'].post;
    expect(send.responses['409'].content['application/json'].schema.allOf[1].properties.code.enum).toEqual(
      expect.arrayContaining(['STEP_CONFLICT', 'DOCUMENT_CLOSED']),
    );
  });

  it('takes an empty JSON body on a route that reads none, and refuses it where a body is needed', async () => {
    const login = await call<any>(service, { method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: '' });
    expect([login.status, login.body.code]).toEqual([400, 'MALFORMED_REQUEST']);
    const clerk = await Clerk.login(service, 'chen.chiming');
    const json = { 'content-type': 'application/json', authorization: `Bearer ${clerk.token}` };
    const policy = await call<any>(service, { method: 'GET', url: '/api/policy', headers: json, payload: '' });
    expect(policy.status).toBe(200);
    const logout = await call<any>(service, { method: 'DELETE', url: '/api/session', headers: json, payload: '' });
    expect(logout.status).toBe(204);
  });

  it('reports its health and database', async () => {
    expect((await call(service, { method: 'GET', url: '/api/health' })).body).toMatchObject({ ok: true, database: 'sqlite' });
  });
});
