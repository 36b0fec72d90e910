import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/**
 * What a stolen (borrowed) session token can and cannot do, as docs/security.md claims: it cannot
 * change who can sign as the person (apply, enable, delete need the login password again, limited
 * like a login); the person is told of every change at their next login and in IFT930, with the
 * PC and address it came from; the audit log says so. It can still disable (revoke) the temp cert.
 */
describe.each(databaseKinds())('a stolen session on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(kind);
  });
  afterAll(() => service.close());

  it('cannot delete, apply for or enable a temp certificate without the login password', async () => {
    const owner = await Clerk.login(service, 'vendor');
    await owner.enableTempCert('owners-temp-pass');
    const thief = new Clerk(service, 'vendor', owner.token); // the same token, on another PC
    const before = await snapshot(service.ctx.storage.db);
    const attempts = [
      thief.call('DELETE', '/api/temp-cert/application'),
      thief.call('DELETE', '/api/temp-cert/application', { loginPassword: 'a-guess' }),
      thief.call('POST', '/api/temp-cert/application', { password: 'thiefs-pass-1', reason: '冒用' }),
      thief.call('POST', '/api/temp-cert/application', { password: 'thiefs-pass-1', reason: '冒用', loginPassword: 'a-guess' }),
      thief.call('POST', '/api/temp-cert/enable', { password: 'owners-temp-pass', pcLabel: 'THIEF-PC', csr: 'AAAA', loginPassword: 'a-guess' }),
    ];
    const answers = await Promise.all(attempts);
    expect(answers.map((a) => [a.status, a.body.code])).toEqual([
      [400, 'VALIDATION_FAILED'],
      [403, 'REAUTH_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [403, 'REAUTH_FAILED'],
      [403, 'REAUTH_FAILED'],
    ]);
    expect(await snapshot(service.ctx.storage.db)).toBe(before);
  });

  it('limits guesses at the login password like a login, sharing its count', async () => {
    const owner = await Clerk.login(service, 'huang.kuowei');
    await owner.enableTempCert();
    for (let i = 0; i < 5; i++)
      expect((await owner.call('DELETE', '/api/temp-cert/application', { loginPassword: `guess-${i}` })).body).toMatchObject({ code: 'REAUTH_FAILED' });
    expect((await owner.call('DELETE', '/api/temp-cert/application', { loginPassword: DEMO_PASSWORD })).status).toBe(429);
    expect((await call(service, { method: 'POST', url: '/api/session', payload: { account: 'huang.kuowei', password: DEMO_PASSWORD } })).status).toBe(429);
    service.clock.offsetMs += 16 * 60 * 1000;
    expect((await owner.call('DELETE', '/api/temp-cert/application', { loginPassword: DEMO_PASSWORD })).body).toMatchObject({ state: 'none' });
  });

  it('tells the person at the next login and in IFT930 what changed, from which PC and address; the audit log says so', async () => {
    const owner = await Clerk.login(service, 'lin.shufen');
    await owner.enableTempCert('temp-pass-1234', { pcLabel: 'PC-秘書室-02' });
    expect((await owner.call('DELETE', '/api/temp-cert/application', { loginPassword: DEMO_PASSWORD, pcLabel: 'PC-秘書室-02' })).status).toBe(200);
    const status = (await owner.call('GET', '/api/temp-cert')).body;
    expect(status.changes[0]).toMatchObject({ action: 'delete', pcLabel: 'PC-秘書室-02', address: '127.0.0.1' });

    const next = await call(service, { method: 'POST', url: '/api/session', payload: { account: 'lin.shufen', password: DEMO_PASSWORD } });
    expect(next.body.tempCertChanges.map((c: { action: string; pcLabel: string | null }) => [c.action, c.pcLabel])).toEqual([
      ['delete', 'PC-秘書室-02'],
      ['enable', 'PC-秘書室-02'],
      ['apply', null],
    ]);
    // Told once: the login after that has nothing new to tell.
    const again = await call(service, { method: 'POST', url: '/api/session', payload: { account: 'lin.shufen', password: DEMO_PASSWORD } });
    expect(again.body.tempCertChanges).toEqual([]);

    await service.ctx.storage.sealAudit();
    const audit = await service.ctx.storage.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('subject', '=', 'lin.shufen')
      .where('action', '=', 'temp-cert.delete')
      .execute();
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ pcLabel: 'PC-秘書室-02', address: '127.0.0.1' });
  });

  it('can still disable the temp certificate (a revocation: it stops signing, it never grants it), and that is told too', async () => {
    const owner = await Clerk.login(service, 'chen.chiming');
    await owner.enableTempCert();
    expect((await owner.call('POST', '/api/temp-cert/disable')).body).toMatchObject({ state: 'disabled' });
    const next = await call(service, { method: 'POST', url: '/api/session', payload: { account: 'chen.chiming', password: DEMO_PASSWORD } });
    expect(next.body.tempCertChanges[0]).toMatchObject({ action: 'disable', address: '127.0.0.1' });
  });
});
