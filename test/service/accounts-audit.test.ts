import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src-server/audit/audit-log.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

describe.each(databaseKinds())('accounts, sessions and the audit log on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(kind);
  });
  afterAll(() => service.close());

  it('logs in, answers who I am, and ends the session at logout', async () => {
    const clerk = await Clerk.login(service, 'yeh.yenchih');
    expect((await clerk.call('GET', '/api/me')).body).toEqual({ account: 'yeh.yenchih', name: '葉彥志', unit: '資通建設科', unitId: 'ict', title: '科長' });
    const directory = (await clerk.call('GET', '/api/users')).body.users;
    expect(directory.map((u: { account: string }) => u.account)).toContain('vendor');
    expect((await clerk.call('DELETE', '/api/session')).status).toBe(204);
    const after = await clerk.call('GET', '/api/me');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses wrong passwords alike for known and unknown accounts, and rate-limits per account', async () => {
    const attempt = (account: string, password: string) => call(service, { method: 'POST', url: '/api/session', payload: { account, password } });
    expect((await attempt('nobody', 'x')).body).toMatchObject({ code: 'LOGIN_FAILED' });
    for (let i = 0; i < 5; i++) expect((await attempt('wang.meiling', 'wrong')).body).toMatchObject({ code: 'LOGIN_FAILED' });
    const limited = await attempt('wang.meiling', 'gongwen-demo');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await attempt('chen.chiming', 'gongwen-demo')).status).toBe(200); // another account is unaffected
  });

  it('expires sessions', async () => {
    const clerk = await Clerk.login(service, 'lin.shufen');
    service.clock.offsetMs += 11 * 3600 * 1000;
    try {
      expect((await clerk.call('GET', '/api/me')).status).toBe(401);
    } finally {
      service.clock.offsetMs -= 11 * 3600 * 1000;
    }
  });

  it('answers errors in English when asked', async () => {
    const r = await call(service, { method: 'GET', url: '/api/me', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(r.body).toEqual({ code: 'UNAUTHENTICATED', message: 'You are not logged in, or your session has expired.' });
  });

  it('chains every action in the audit log and names the first entry that was tampered with', async () => {
    const clerk = await Clerk.login(service, 'chen.chiming');
    const doc = await clerk.createDocument('稽核測試');
    await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', await clerk.card());
    await service.ctx.storage.sealAudit();
    const intact = await verifyAuditChain(service.ctx.storage.db);
    expect(intact.ok).toBe(true);
    const { db } = service.ctx.storage;
    const entries = await db.selectFrom('audit_log').select(['seq', 'action', 'subject']).orderBy('seq').execute();
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'card.register', 'session.login', 'document.create', 'step.送請簽核']));
    const target = entries.find((e) => e.action === 'document.create' && e.subject === doc.number)!;
    await db
      .updateTable('audit_log')
      .set({ detail: sql`replace(detail, 'attachments', 'Attachments')` })
      .where('seq', '=', target.seq)
      .execute();
    const broken = await verifyAuditChain(db);
    expect(broken).toMatchObject({ ok: false, firstBroken: { seq: target.seq } });
  });
});
