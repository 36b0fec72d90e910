import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deputy, DeputyList } from '../../src-shared/common/api/organisation.js';
import { taiwanDay } from '../../src-shared/common/roc-date.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { onBehalfRight } from '../../src-server/organisation/on-behalf-right.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const DAY = 86_400_000;
const PW = 'gongwen-demo';

/**
 * 職務代理人 through the API: a person names deputies for ranges of days; the deputy's right to
 * re-sign on their behalf holds within the range only; a unit head names one for a person of the
 * unit who has none; withdrawals end the right; every change is in the audit log.
 */
describe.each(databaseKinds())('deputies on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let chief: Clerk;
  let wang: Clerk;
  const id: Record<string, string> = {};
  const day = (offsetDays: number) => taiwanDay(service.ctx.now().getTime() + offsetDays * DAY);
  const right = (actor: string, signer: string, at: Date) => onBehalfRight(service.ctx.storage.db, { onBehalfBy: 'both' }, id[actor]!, id[signer]!, at);
  const auditOf = async (action: string) => {
    await service.ctx.storage.sealAudit();
    return service.ctx.storage.db.selectFrom('audit_log').select(['actor', 'subject', 'detail']).where('action', '=', action).orderBy('seq').execute();
  };

  beforeAll(async () => {
    service = await startTestService(kind);
    await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    for (const account of ['vendor', 'yeh.yenchih', 'wang.meiling', 'chen.chiming', 'lin.shufen'])
      id[account] = (await findUserByAccount(service.ctx.storage.db, account))!.id;
    vendor = await Clerk.login(service, 'vendor');
    chief = await Clerk.login(service, 'yeh.yenchih');
    wang = await Clerk.login(service, 'wang.meiling');
  });
  afterAll(() => service.close());

  it('names a deputy for a range; the right holds before none of it, during all of it, after none of it', async () => {
    const named = await vendor.call<Deputy>('POST', '/api/deputies', { loginPassword: PW, deputy: 'wang.meiling', startsOn: day(2), endsOn: day(4) });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({
      person: { account: 'vendor' },
      deputy: { account: 'wang.meiling', name: '王美玲' },
      startsOn: day(2),
      endsOn: day(4),
      namedBy: 'vendor',
    });
    expect((await vendor.call<DeputyList>('GET', '/api/deputies')).body.mine.map((d) => d.id)).toEqual([named.body.id]);
    expect((await wang.call<DeputyList>('GET', '/api/deputies')).body.actingFor.map((d) => d.id)).toEqual([named.body.id]);

    const now = service.ctx.now().getTime();
    expect(await right('wang.meiling', 'vendor', new Date(now + 1 * DAY))).toBeNull(); // before
    expect(await right('wang.meiling', 'vendor', new Date(now + 3 * DAY))).toBe('deputy'); // during
    expect(await right('wang.meiling', 'vendor', new Date(now + 5 * DAY))).toBeNull(); // after
    expect((await auditOf('deputy.name')).at(-1)).toMatchObject({ actor: 'vendor', subject: 'vendor' });
    const detail = (await auditOf('deputy.name')).at(-1)!.detail;
    expect(JSON.parse(detail)).toMatchObject({ deputy: 'wang.meiling', startsOn: day(2), endsOn: day(4) });
    expect(detail).not.toContain(PW); // the password asked again is never recorded
  });

  it('allows overlapping ranges, and refuses self, unknown deputies and unsound ranges with their own codes', async () => {
    const overlap = await vendor.call<Deputy>('POST', '/api/deputies', { loginPassword: PW, deputy: 'chen.chiming', startsOn: day(3), endsOn: day(10) });
    expect(overlap.status).toBe(200);
    const refused = async (body: unknown) => (await vendor.call('POST', '/api/deputies', body)).body.code;
    expect(await refused({ loginPassword: PW, deputy: 'vendor', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_SELF');
    expect(await refused({ loginPassword: PW, deputy: 'nobody', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_UNKNOWN');
    expect(await refused({ loginPassword: PW, deputy: 'wang.meiling', startsOn: day(5), endsOn: day(4) })).toBe('DEPUTY_RANGE_INVALID');
    expect(await refused({ loginPassword: PW, deputy: 'wang.meiling', startsOn: day(-10), endsOn: day(-1) })).toBe('DEPUTY_RANGE_INVALID');
    expect(await refused({ loginPassword: PW, deputy: 'wang.meiling', startsOn: day(0), endsOn: day(366) })).toBe('DEPUTY_RANGE_INVALID');
    expect((await vendor.call('POST', '/api/deputies', { loginPassword: PW, deputy: 'wang.meiling', startsOn: day(0), endsOn: day(365) })).status).toBe(200);
  });

  it('lets a unit head name one for a person of the unit who has none, and no one else', async () => {
    expect((await chief.call<DeputyList>('GET', '/api/deputies')).body.staffWithoutDeputy.map((p) => p.account)).toEqual(['chen.chiming', 'wang.meiling']);
    const forChen = await chief.call<Deputy>('POST', '/api/deputies', {
      loginPassword: PW,
      for: 'chen.chiming',
      deputy: 'wang.meiling',
      startsOn: day(0),
      endsOn: day(7),
    });
    expect(forChen.status).toBe(200);
    expect(forChen.body).toMatchObject({ person: { account: 'chen.chiming' }, namedBy: 'yeh.yenchih' });
    expect(await right('wang.meiling', 'chen.chiming', service.ctx.now())).toBe('deputy');
    expect((await chief.call<DeputyList>('GET', '/api/deputies')).body.staffWithoutDeputy.map((p) => p.account)).toEqual(['wang.meiling']);
    const refused = async (clerk: Clerk, body: unknown) => (await clerk.call('POST', '/api/deputies', body)).body.code;
    // chen now has one; the vendor named their own; lin.shufen is of another unit; wang is no head.
    expect(await refused(chief, { loginPassword: PW, for: 'chen.chiming', deputy: 'vendor', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_NOT_ALLOWED');
    expect(await refused(chief, { loginPassword: PW, for: 'vendor', deputy: 'chen.chiming', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_NOT_ALLOWED');
    expect(await refused(chief, { loginPassword: PW, for: 'lin.shufen', deputy: 'chen.chiming', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_NOT_ALLOWED');
    expect(await refused(wang, { loginPassword: PW, for: 'chen.chiming', deputy: 'vendor', startsOn: day(0), endsOn: day(1) })).toBe('DEPUTY_NOT_ALLOWED');
    expect(await refused(chief, { loginPassword: PW, for: 'nobody', deputy: 'vendor', startsOn: day(0), endsOn: day(1) })).toBe('USER_UNKNOWN');
  });

  it('withdraws: by the person or the head who named it; others are told there is no such deputy; audited', async () => {
    const mine = (await vendor.call<DeputyList>('GET', '/api/deputies')).body.mine;
    const first = mine.find((d) => d.deputy.account === 'wang.meiling' && d.startsOn === day(2))!;
    expect((await wang.call('DELETE', `/api/deputies/${first.id}`)).body.code).toBe('DEPUTY_NOT_FOUND'); // the deputy cannot
    expect((await vendor.call('DELETE', `/api/deputies/${first.id}`)).status).toBe(204);
    expect((await vendor.call('DELETE', `/api/deputies/${first.id}`)).body.code).toBe('DEPUTY_NOT_FOUND'); // once
    expect((await vendor.call<DeputyList>('GET', '/api/deputies')).body.mine.map((d) => d.id)).not.toContain(first.id);
    expect(JSON.parse((await auditOf('deputy.withdraw')).at(-1)!.detail)).toMatchObject({ id: first.id, deputy: 'wang.meiling' });

    const forChen = (await chief.call<DeputyList>('GET', '/api/deputies')).body;
    const chens = (await Clerk.login(service, 'chen.chiming').then((c) => c.call<DeputyList>('GET', '/api/deputies'))).body.mine;
    expect(forChen.staffWithoutDeputy.map((p) => p.account)).not.toContain('chen.chiming');
    expect((await chief.call('DELETE', `/api/deputies/${chens[0]!.id}`)).status).toBe(204);
    expect(await right('wang.meiling', 'chen.chiming', service.ctx.now())).toBeNull();
  });

  it('asks for the login password again: a borrowed session cannot name a deputy', async () => {
    const r = await vendor.call('POST', '/api/deputies', { loginPassword: 'not-the-password', deputy: 'wang.meiling', startsOn: day(0), endsOn: day(1) });
    expect([r.status, r.body.code]).toEqual([403, 'DEPUTY_REAUTH_FAILED']);
  });

  it('refuses a deputy who has left', async () => {
    await service.ctx.storage.write((trx) =>
      trx.updateTable('users').set({ separated_at: '2020-01-01T00:00:00.000Z' }).where('account', '=', 'huang.kuowei').execute(),
    );
    expect((await vendor.call('POST', '/api/deputies', { loginPassword: PW, deputy: 'huang.kuowei', startsOn: day(0), endsOn: day(1) })).body.code).toBe(
      'DEPUTY_SEPARATED',
    );
  });
});
