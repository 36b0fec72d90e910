import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src-shared/common/errors.js';
import { call, startTestService, type TestService } from '../helpers/service.js';

describe('the service describes itself', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', { people: [] });
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

  it('reports its health and database', async () => {
    expect((await call(service, { method: 'GET', url: '/api/health' })).body).toMatchObject({ ok: true, database: 'sqlite' });
  });
});
