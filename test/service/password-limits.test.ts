import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILURES } from '../../src-server/accounts/password-guard.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

/**
 * Wrong passwords sent at once must not all be checked: the limit reserves an attempt before the
 * password is hashed, atomically, on both databases and across service instances.
 */
describe.each(databaseKinds())('password limits under concurrency on %s', (kind) => {
  let service: TestService;
  let twin: FastifyInstance;

  beforeAll(async () => {
    service = await startTestService(kind);
    // SQLite is one process's file; PostgreSQL is shared by several instances.
    twin = kind === 'postgres' ? await service.twin() : service.app;
  });
  afterAll(() => service.close());

  const codes = (answers: { json(): { code?: string } }[]) => {
    const count: Record<string, number> = {};
    for (const a of answers) {
      const code = a.json().code ?? 'OK';
      count[code] = (count[code] ?? 0) + 1;
    }
    return count;
  };

  it('checks at most five of fifty wrong login passwords sent at once', { timeout: 120_000 }, async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? twin : service.app).inject({ method: 'POST', url: '/api/session', payload: { account: 'wang.meiling', password: `wrong-${i}` } }),
      ),
    );
    expect(codes(answers)).toEqual({ LOGIN_FAILED: MAX_FAILURES, RATE_LIMITED: 50 - MAX_FAILURES });
    const right = await service.app.inject({ method: 'POST', url: '/api/session', payload: { account: 'wang.meiling', password: 'gongwen-demo' } });
    expect(right.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('checks at most five of fifty wrong temp-cert passwords sent at once', { timeout: 120_000 }, async () => {
    const clerk = await Clerk.login(service, 'huang.kuowei');
    await clerk.enableTempCert('right-password');
    const headers = { authorization: `Bearer ${clerk.token}` };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? twin : service.app).inject({
          method: 'POST',
          url: '/api/temp-cert/enable',
          headers,
          payload: { password: `wrong-${i}`, pcLabel: 'PC', csr: 'AAAA', loginPassword: 'gongwen-demo' },
        }),
      ),
    );
    // Each also re-checks the login password (right here), itself limited: at most five get through to the temp-cert password.
    const counted = codes(answers);
    expect(Object.keys(counted).sort()).toEqual(['RATE_LIMITED', 'TEMP_CERT_PASSWORD_WRONG']);
    expect(counted.TEMP_CERT_PASSWORD_WRONG).toBeLessThanOrEqual(MAX_FAILURES);
  });

  it('checks at most five of fifty wrong login passwords given to re-authenticate at once', { timeout: 120_000 }, async () => {
    const clerk = await Clerk.login(service, 'lin.shufen');
    await clerk.enableTempCert('right-password');
    const headers = { authorization: `Bearer ${clerk.token}` };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? twin : service.app).inject({ method: 'DELETE', url: '/api/temp-cert/application', headers, payload: { loginPassword: `wrong-${i}` } }),
      ),
    );
    expect(codes(answers)).toEqual({ REAUTH_FAILED: MAX_FAILURES, RATE_LIMITED: 50 - MAX_FAILURES });
  });
});
