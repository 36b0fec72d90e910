import { afterEach, describe, expect, it } from 'vitest';
import { resetPassword } from '../../src-server/accounts/password-reset.js';
import { listPeople } from '../../src-server/accounts/people.js';
import { separateUser } from '../../src-server/organisation/separation.js';
import { listCards, retireCard } from '../../src-server/signatures/card-replacement.js';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { databaseKinds } from '../helpers/databases.js';
import { call, Clerk, startTestService, type TestService } from '../helpers/service.js';

const NEW_PASSWORD = 'a quiet harbour at dawn';

describe.each(databaseKinds())('people’s life cycle as IT staff run it (%s)', (kind) => {
  let service: TestService;
  afterEach(async () => service?.close());

  const login = (account: string, password: string) => call(service, { method: 'POST', url: '/api/session', payload: { account, password } });

  it('lists each person with unit, state, cards and last login; filters and pages in the database', async () => {
    service = await startTestService(kind);
    const { ctx } = service;
    const before = await listPeople(ctx);
    expect(before.map((p) => p.account)).toEqual(['chen.chiming', 'vendor', 'wang.meiling', 'yeh.yenchih', 'huang.kuowei', 'lin.shufen']);
    expect(before.find((p) => p.account === 'vendor')).toEqual({
      account: 'vendor',
      name: '公文系統廠商',
      unitId: 'ict',
      unit: '資通建設科',
      title: '廠商',
      state: 'active',
      separatedAt: null,
      cards: 1,
      retiredCards: 0,
      lastLoginAt: null,
    });

    await Clerk.login(service, 'vendor');
    const vendor = (await ctx.storage.db.selectFrom('users').select('id').where('account', '=', 'vendor').executeTakeFirstOrThrow()).id;
    const [card] = await listCards(ctx, vendor);
    await retireCard(ctx, vendor, 'vendor', card!.sha256, null);
    await separateUser(ctx, null, 'chen.chiming');

    const after = await listPeople(ctx);
    const v = after.find((p) => p.account === 'vendor')!;
    expect(v).toMatchObject({ cards: 0, retiredCards: 1, state: 'active' });
    expect(v.lastLoginAt).not.toBeNull();
    const loggedInAt = await ctx.storage.db.selectFrom('sessions').select('created_at').where('user_id', '=', vendor).executeTakeFirstOrThrow();
    expect(v.lastLoginAt).toBe(loggedInAt.created_at);
    expect(after.find((p) => p.account === 'chen.chiming')).toMatchObject({ state: 'separated', cards: 1 });

    expect((await listPeople(ctx, { state: 'separated' })).map((p) => p.account)).toEqual(['chen.chiming']);
    expect((await listPeople(ctx, { state: 'active' })).map((p) => p.account)).not.toContain('chen.chiming');
    expect((await listPeople(ctx, { unitId: 'planning' })).map((p) => p.account)).toEqual(['huang.kuowei']);
    expect((await listPeople(ctx, { offset: 2, limit: 2 })).map((p) => p.account)).toEqual(['wang.meiling', 'yeh.yenchih']);
  });

  it('resets a password: the old one and every session stop, the new one works at once, audited without the password', async () => {
    service = await startTestService(kind);
    const { ctx } = service;
    const clerk = await Clerk.login(service, 'wang.meiling');
    // Wrong tries up to the lock: a reset is often asked for by someone who locked themselves out.
    for (let i = 0; i < 5; i++) expect((await login('wang.meiling', 'not her password at all')).status).toBe(401);
    expect((await login('wang.meiling', DEMO_PASSWORD)).status).toBe(429);

    const done = await resetPassword(ctx, { by: 'yeh.yenchih', account: 'wang.meiling', password: NEW_PASSWORD });
    expect(done).toEqual({ account: 'wang.meiling', sessionsEnded: 1 });

    expect((await clerk.call('GET', '/api/me')).status).toBe(401);
    expect((await login('wang.meiling', DEMO_PASSWORD)).status).toBe(401);
    expect((await login('wang.meiling', NEW_PASSWORD)).status).toBe(200);

    await ctx.storage.sealAudit();
    const audit = await ctx.storage.db.selectFrom('audit_log').select(['actor', 'subject', 'detail']).where('action', '=', 'user.password-reset').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'yeh.yenchih', subject: 'wang.meiling' });
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
  });

  it('refuses a password against the policy, an unknown account and a separated person, changing nothing', async () => {
    service = await startTestService(kind);
    const { ctx } = service;
    const audited = async () => {
      await ctx.storage.sealAudit();
      const { n } = await ctx.storage.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(n);
    };
    const clerk = await Clerk.login(service, 'vendor');
    const entries = await audited();

    await expect(resetPassword(ctx, { by: null, account: 'vendor', password: 'abc' })).rejects.toMatchObject({ code: 'PASSWORD_POLICY' });
    await expect(resetPassword(ctx, { by: null, account: 'vendor', password: 'vendor-password-1' })).rejects.toMatchObject({ code: 'PASSWORD_POLICY' });
    await expect(resetPassword(ctx, { by: null, account: 'nobody', password: NEW_PASSWORD })).rejects.toMatchObject({ code: 'USER_UNKNOWN' });
    expect(await audited()).toBe(entries);
    expect((await clerk.call('GET', '/api/me')).status).toBe(200);
    expect((await login('vendor', DEMO_PASSWORD)).status).toBe(200);

    await separateUser(ctx, null, 'lin.shufen');
    await expect(resetPassword(ctx, { by: null, account: 'lin.shufen', password: NEW_PASSWORD })).rejects.toMatchObject({ code: 'USER_SEPARATED' });
  });
});
