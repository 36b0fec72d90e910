import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_API, adminPath, type AdminUnit, type AuditPage } from '../../src-shared/common/api/admin.js';
import { resetPassword } from '../../src-server/accounts/password-reset.js';
import { grantRole, revokeRole } from '../../src-server/admin/roles.js';
import { buildApp } from '../../src-server/http/app.js';
import { separateUser } from '../../src-server/organisation/separation.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { DEMO_PASSWORD } from '../../tools/demo/people.js';
import { ConsoleUser } from '../helpers/console-user.js';
import { databaseKinds } from '../helpers/databases.js';
import { call, Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

const NEW_PASSWORD = 'a quiet harbour at dawn';

/**
 * The console's 人員與單位 edits (issue 18): a unit's name and head, and a person's password reset
 * as password-reset.ts does it at the command line. Only 系統管理者 with the session's CSRF token
 * may; bad input is refused with its code and changes nothing; every change is audited under the
 * console user's account.
 */
describe.each(databaseKinds())('the console edits units and resets passwords on %s', (kind) => {
  let service: TestService;
  let it_: ConsoleUser; // lin.shufen: it-admin by GONGWEN_ADMINISTRATORS
  let records: ConsoleUser; // huang.kuowei: 檔案管理
  let clerk: ConsoleUser; // chen.chiming: a console cookie, but the role since revoked

  const unitEdit = (unitId: string) => adminPath(ADMIN_API.unitEdit, { unitId });
  const passwordOf = (account: string) => adminPath(ADMIN_API.personPassword, { account });
  const login = (account: string, password: string) => call(service, { method: 'POST', url: '/api/session', payload: { account, password } });
  const auditOf = async (action: string) => (await it_.call<AuditPage>('GET', `${ADMIN_API.audit}?action=${encodeURIComponent(action)}`)).body.items;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { administrators: ['lin.shufen'] } });
    await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    await grantRole(service.ctx, null, 'huang.kuowei', 'records');
    await grantRole(service.ctx, null, 'chen.chiming', 'records');
    it_ = await ConsoleUser.login(service, 'lin.shufen');
    records = await ConsoleUser.login(service, 'huang.kuowei');
    clerk = await ConsoleUser.login(service, 'chen.chiming');
    await revokeRole(service.ctx, null, 'chen.chiming', 'records');
  });
  afterAll(() => service.close());

  it('refuses both edits to the wrong role and without the CSRF token, changing nothing', async () => {
    const { db } = service.ctx.storage;
    const before = await snapshot(db);
    const edits = [
      { url: unitEdit('ict'), body: { name: '資通科', head: 'chen.chiming' } },
      { url: passwordOf('vendor'), body: { password: NEW_PASSWORD } },
    ];
    for (const { url, body } of edits) {
      const byClerk = await clerk.call('POST', url, body);
      expect([byClerk.status, byClerk.body.code], url).toEqual([403, 'ADMIN_ROLE_REQUIRED']);
      const byRecords = await records.call('POST', url, body);
      expect([byRecords.status, byRecords.body.code], url).toEqual([403, 'ADMIN_ROLE_REQUIRED']);
      const missing = await it_.call('POST', url, body, null);
      expect([missing.status, missing.body.code], url).toEqual([403, 'CSRF_TOKEN_MISSING']);
      const forged = await it_.call('POST', url, body, records.csrf);
      expect([forged.status, forged.body.code], url).toEqual([403, 'CSRF_TOKEN_INVALID']);
      const none = await call(service, { method: 'POST', url, payload: body });
      expect([none.status, none.body.code], url).toEqual([401, 'ADMIN_UNAUTHENTICATED']);
    }
    expect(await snapshot(db)).toBe(before);
  });

  it('refuses a bad unit edit with its code and changes nothing, not even the part that was good', async () => {
    const { db } = service.ctx.storage;
    await separateUser(service.ctx, null, 'wang.meiling');
    const before = await snapshot(db);
    const cases: [string, unknown, number, string][] = [
      [unitEdit('nowhere'), { name: '無此科' }, 404, 'UNIT_UNKNOWN'],
      [unitEdit('x'.repeat(65)), { name: '無此科' }, 404, 'UNIT_UNKNOWN'],
      [unitEdit('ict'), { name: '綜合規劃科' }, 409, 'UNIT_NAME_TAKEN'],
      [unitEdit('ict'), { name: '資通科', head: 'nobody' }, 404, 'USER_UNKNOWN'],
      [unitEdit('ict'), { name: '資通科', head: 'wang.meiling' }, 403, 'USER_SEPARATED'],
      [unitEdit('ict'), { name: ' 資通科' }, 400, 'VALIDATION_FAILED'],
      [unitEdit('ict'), { name: '' }, 400, 'VALIDATION_FAILED'],
      [unitEdit('ict'), { name: '科'.repeat(65) }, 400, 'VALIDATION_FAILED'],
      [unitEdit('ict'), { name: '資通\u202E科' }, 400, 'VALIDATION_FAILED'],
      [unitEdit('ict'), { head: 'Not An Account' }, 400, 'VALIDATION_FAILED'],
      [unitEdit('ict'), { name: '資通科', budget: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, body, status, code] of cases) {
      const r = await it_.call('POST', url, body);
      expect([r.status, r.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(r.body.message, JSON.stringify(body)).toBeTruthy();
    }
    expect(await snapshot(db)).toBe(before);
  });

  it('renames a unit and sets its head as one change, audited by the console’s user; what did not change is not audited', async () => {
    const renamed = await it_.call<AdminUnit>('POST', unitEdit('ict'), { name: '資通科', head: 'chen.chiming' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ id: 'ict', name: '資通科', head: { account: 'chen.chiming', name: '陳志明' }, people: 3 });
    const units = (await it_.call<{ units: AdminUnit[] }>('GET', ADMIN_API.units)).body.units;
    expect(units.find((u) => u.id === 'ict')).toEqual(renamed.body);
    expect((await auditOf('unit.edit')).map((e) => [e.actor, e.subject, e.detail])).toEqual([
      ['lin.shufen', 'ict', { name: { from: '資通建設科', to: '資通科' } }],
    ]);
    expect((await auditOf('unit.head')).map((e) => [e.actor, e.subject, e.detail])).toEqual([
      ['lin.shufen', 'ict', { head: 'chen.chiming', previous: 'yeh.yenchih' }],
      [null, 'ict', { head: 'yeh.yenchih', previous: null }],
    ]);
    // The same again: nothing to write, nothing audited.
    const { db } = service.ctx.storage;
    const before = await snapshot(db);
    expect((await it_.call<AdminUnit>('POST', unitEdit('ict'), { name: '資通科', head: 'chen.chiming' })).body).toEqual(renamed.body);
    expect(await snapshot(db)).toBe(before);
    // An acting head from another unit (代理科長), the name left as it is.
    const acting = await it_.call<AdminUnit>('POST', unitEdit('ict'), { head: 'huang.kuowei' });
    expect(acting.body).toMatchObject({ name: '資通科', head: { account: 'huang.kuowei' } });
  });

  it('resets a password as password-reset.ts does: the lock lifted, every session ended, audited without the password, never logged', async () => {
    const lines: string[] = [];
    const logged = await buildApp(service.ctx, { logger: { level: 'trace', stream: { write: (line: string) => void lines.push(line) } } });
    const vendorApp = await Clerk.login(service, 'vendor');
    const vendorConsole = await (async () => {
      await grantRole(service.ctx, null, 'vendor', 'records');
      return ConsoleUser.login(service, 'vendor');
    })();
    // Locked out by wrong tries: the reason people ask IT for a reset.
    for (let i = 0; i < 5; i++) expect((await login('vendor', 'not the password at all')).status).toBe(401);
    expect((await login('vendor', DEMO_PASSWORD)).body.code).toBe('RATE_LIMITED');

    const r = await logged.inject({
      method: 'POST',
      url: passwordOf('vendor'),
      headers: { cookie: it_.cookie, 'x-csrf-token': it_.csrf },
      payload: { password: NEW_PASSWORD },
    });
    // Not closed: closing an app closes the context it was built on, the service's own.
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ account: 'vendor', sessionsEnded: 1 });
    expect(lines.length).toBeGreaterThan(0); // the request was logged, the password was not
    expect(lines.join('\n')).not.toContain(NEW_PASSWORD);

    expect((await vendorApp.call('GET', '/api/me')).status).toBe(401);
    expect((await vendorConsole.call('GET', ADMIN_API.me)).body.code).toBe('ADMIN_UNAUTHENTICATED');
    expect((await login('vendor', DEMO_PASSWORD)).status).toBe(401);
    expect((await login('vendor', NEW_PASSWORD)).status).toBe(200);
    const audit = await auditOf('user.password-reset');
    expect(audit.map((e) => [e.actor, e.subject, e.detail])).toEqual([['lin.shufen', 'vendor', { sessionsEnded: 1 }]]);
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
  });

  it('ends their console sessions at a reset from the command line too (by: null, as the CLI calls it)', async () => {
    await grantRole(service.ctx, null, 'chen.chiming', 'records');
    const chenConsole = await ConsoleUser.login(service, 'chen.chiming');
    expect((await chenConsole.call('GET', ADMIN_API.me)).status).toBe(200);
    const reset = await resetPassword(service.ctx, { by: null, account: 'chen.chiming', password: NEW_PASSWORD });
    expect(reset.account).toBe('chen.chiming');
    expect((await chenConsole.call('GET', ADMIN_API.me)).body.code).toBe('ADMIN_UNAUTHENTICATED');
    await revokeRole(service.ctx, null, 'chen.chiming', 'records');
  });

  it('refuses a reset against the policy, for nobody, or for one who has left, changing nothing', async () => {
    const { db } = service.ctx.storage;
    const before = await snapshot(db);
    const cases: [string, unknown, number, string][] = [
      [passwordOf('yeh.yenchih'), { password: 'abc' }, 400, 'PASSWORD_POLICY'],
      [passwordOf('yeh.yenchih'), { password: 'yeh.yenchih-2026!' }, 400, 'PASSWORD_POLICY'],
      [passwordOf('yeh.yenchih'), { password: '' }, 400, 'VALIDATION_FAILED'],
      [passwordOf('yeh.yenchih'), { password: NEW_PASSWORD, mustChange: true }, 400, 'VALIDATION_FAILED'],
      [passwordOf('nobody'), { password: NEW_PASSWORD }, 404, 'USER_UNKNOWN'],
      [passwordOf('Not An Account'), { password: NEW_PASSWORD }, 404, 'USER_UNKNOWN'],
      [passwordOf('wang.meiling'), { password: NEW_PASSWORD }, 403, 'USER_SEPARATED'], // left in an earlier test
    ];
    for (const [url, body, status, code] of cases) {
      const r = await it_.call('POST', url, body);
      expect([r.status, r.body.code], `${url} ${JSON.stringify(body)}`).toEqual([status, code]);
    }
    expect(await snapshot(db)).toBe(before);
    expect((await login('yeh.yenchih', DEMO_PASSWORD)).status).toBe(200);
  });
});
