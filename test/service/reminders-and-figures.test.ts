import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../src-shared/common/api/accounts.js';
import type { MonthlyFigures, Reminders } from '../../src-shared/common/api/organisation.js';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { grantRole, revokeRole } from '../../src-server/admin/roles.js';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { databaseKinds } from '../helpers/databases.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

const DAY = 86_400_000;

/**
 * The reminders a person gets at login (their pending 補簽 and the earliest; a unit head's count of
 * their people's overdue steps), and a unit's monthly figures on a data set with known answers.
 */
describe.each(databaseKinds())('reminders and monthly figures on %s', (kind) => {
  let service: TestService;
  let vendor: Clerk;
  let chief: Clerk;
  let wang: Clerk;
  let admin: Clerk;
  const login = async (account: string) =>
    (await call<LoginResponse>(service, { method: 'POST', url: '/api/session', payload: { account, password: 'gongwen-demo' } })).body;

  beforeAll(async () => {
    service = await startTestService(kind, { config: { administrators: ['lin.shufen'] } });
    await setUnitHead(service.ctx, 'ict', 'yeh.yenchih');
    vendor = await Clerk.login(service, 'vendor');
    chief = await Clerk.login(service, 'yeh.yenchih');
    wang = await Clerk.login(service, 'wang.meiling');
    admin = await Clerk.login(service, 'lin.shufen');
  });
  afterAll(() => service.close());

  it('tells at login my pending 補簽 and the earliest, and a unit head their people’s overdue steps', async () => {
    expect((await login('vendor')).reminders).toEqual({ pendingResign: 0, earliestPendingAt: null, unitOverdue: null });
    expect((await login('yeh.yenchih')).reminders).toEqual({ pendingResign: 0, earliestPendingAt: null, unitOverdue: 0 });
    const temp = await vendor.enableTempCert();
    for (const subject of ['第一件', '第二件']) {
      const doc = await vendor.createDocument(subject);
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    }
    // The chief's own temp-signed step is theirs to re-sign, not one of "their people's".
    const chiefTemp = await chief.enableTempCert();
    const own = await chief.createDocument('科長自己的');
    expect((await chief.act(own.id, '送請簽核', 'lin.shufen', chiefTemp)).status).toBe(200);

    const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps;
    const atLogin = (await login('vendor')).reminders;
    expect(atLogin).toEqual({ pendingResign: 2, earliestPendingAt: pending[0]!.sentAt, unitOverdue: null });
    expect((await vendor.call<Reminders>('GET', '/api/reminders')).body).toEqual(atLogin);
    expect((await login('yeh.yenchih')).reminders).toMatchObject({ pendingResign: 1, unitOverdue: 0 });

    service.clock.offsetMs += 8 * DAY; // past the policy's 7 days (and the sessions: log in again)
    try {
      const head = await Clerk.login(service, 'yeh.yenchih');
      expect((await head.call<Reminders>('GET', '/api/reminders')).body).toMatchObject({ pendingResign: 1, unitOverdue: 2 });
      expect((await Clerk.login(service, 'wang.meiling').then((c) => c.call<Reminders>('GET', '/api/reminders'))).body.unitOverdue).toBeNull(); // no head
      const fresh = await Clerk.login(service, 'vendor');
      expect((await fresh.call('POST', '/api/resign', await resignRequest([pending[0]!], await fresh.card(), '返回補簽'))).status).toBe(200);
      expect((await fresh.call<Reminders>('GET', '/api/reminders')).body).toEqual({
        pendingResign: 1,
        earliestPendingAt: pending[1]!.sentAt,
        unitOverdue: null,
      });
      expect((await head.call<Reminders>('GET', '/api/reminders')).body.unitOverdue).toBe(1);
    } finally {
      service.clock.offsetMs -= 8 * DAY;
    }
  });

  describe('the monthly figures of 2026-10 (Taiwan time), seen on 2026-11-01 12:00 in Taiwan', () => {
    const asOf = Date.parse('2026-11-01T04:00:00Z');
    const figures = (clerk: Clerk, unit: string, month = '2026-10') =>
      clerk.call<MonthlyFigures & { code?: string }>('GET', `/api/units/${unit}/figures?month=${month}`);

    beforeAll(async () => {
      // Known steps on one document (seq 10 on), written as the flow would have left them.
      const { db } = service.ctx.storage;
      const doc = await wang.createDocument('統計用公文');
      const vendorId = (await findUserByAccount(db, 'vendor'))!.id;
      const linId = (await findUserByAccount(db, 'lin.shufen'))!.id;
      const tw = (local: string) => new Date(`${local}+08:00`).toISOString();
      const after = (local: string, days: number) => new Date(Date.parse(`${local}+08:00`) + days * DAY).toISOString();
      const rows: [string, string | null, number, string][] = [
        // sent (Taiwan), re-signed, temp cert used, unit
        [tw('2026-10-01T00:30:00'), after('2026-10-01T00:30:00', 1), 1, 'ict'], // first minutes of the month
        [tw('2026-10-05T09:00:00'), after('2026-10-05T09:00:00', 2), 1, 'ict'],
        [tw('2026-10-10T09:00:00'), after('2026-10-10T09:00:00', 3), 1, 'ict'],
        [tw('2026-10-15T09:00:00'), after('2026-10-15T09:00:00', 10), 1, 'ict'],
        [tw('2026-10-20T09:00:00'), null, 1, 'ict'], // pending 12 days: overdue
        [tw('2026-10-28T09:00:00'), null, 1, 'ict'], // pending 4 days
        [tw('2026-10-31T23:59:00'), null, 1, 'ict'], // last minute of the month
        [tw('2026-09-30T23:59:00'), null, 1, 'ict'], // September
        [tw('2026-11-01T00:00:00'), null, 1, 'ict'], // November
        [tw('2026-10-12T09:00:00'), null, 0, 'ict'], // card-signed
        [tw('2026-10-12T09:00:00'), null, 1, 'secretariat'], // another unit
      ];
      await service.ctx.storage.write((trx) =>
        trx
          .insertInto('steps')
          .values(
            rows.map(([sentAt, resignedAt, temp, unit], i) => ({
              id: `figures-${i}`,
              document_id: doc.id,
              seq: 10 + i,
              status: '線上簽核',
              unit_id: unit,
              holder_user_id: unit === 'ict' ? vendorId : linId,
              arrived_at: sentAt,
              received_at: sentAt,
              sent_at: sentAt,
              change_type: '送請簽核',
              opinion: '',
              temp_cert_used: temp,
              approver_user_id: null,
              payload: null,
              signature: null,
              signature_value: null,
              signer_certificate_sha256: null,
              signing_time: sentAt,
              resigned_at: resignedAt,
              resign_note: resignedAt ? '補簽' : null,
              resign_certificate_sha256: null,
              countersignature: null,
              resign_certificates: null,
            })),
          )
          .execute(),
      );
    });

    it('counts temp-signed, re-signed, pending and overdue, and the median and 90th percentile of days to 補簽', async () => {
      service.clock.offsetMs = asOf - Date.now();
      try {
        const r = await figures(chief, 'ict');
        expect(r.status).toBe(200);
        expect(r.body).toEqual({
          unitId: 'ict',
          month: '2026-10',
          asOf: expect.any(String),
          tempSigned: 7,
          resigned: { self: 4, onBehalf: 0, paper: 0 },
          pending: 3,
          overdue: 1,
          daysToResign: { median: 2, p90: 10 },
        });
        expect((await figures(admin, 'ict')).body.tempSigned).toBe(7);
        expect((await figures(admin, 'secretariat')).body).toMatchObject({ tempSigned: 1, pending: 1, overdue: 1, daysToResign: { median: null, p90: null } });
        expect((await figures(chief, 'ict', '2026-09')).body).toMatchObject({ tempSigned: 1, pending: 1 });
      } finally {
        service.clock.offsetMs = 0;
      }
    });

    it('is for the unit head and administrators only', async () => {
      expect((await figures(wang, 'ict')).body.code).toBe('FIGURES_NOT_ALLOWED');
      expect((await figures(chief, 'secretariat')).body.code).toBe('FIGURES_NOT_ALLOWED');
      expect((await figures(chief, 'nowhere')).body.code).toBe('FIGURES_NOT_ALLOWED'); // not told whether it exists
      expect((await figures(admin, 'nowhere')).body.code).toBe('UNIT_UNKNOWN');
      expect((await figures(chief, 'ict', '115/10')).body.code).toBe('VALIDATION_FAILED');
    });

    it('counts a 系統管理者 given in the database (the console, grant-role) as an administrator, until revoked', async () => {
      await grantRole(service.ctx, 'lin.shufen', 'wang.meiling', 'it-admin');
      expect((await figures(wang, 'secretariat')).status).toBe(200);
      await revokeRole(service.ctx, 'lin.shufen', 'wang.meiling', 'it-admin');
      expect((await figures(wang, 'secretariat')).body.code).toBe('FIGURES_NOT_ALLOWED');
    });

    it('counts the on-behalf and paper kinds once steps.resign_kind (migration 0050) records them', async () => {
      const { db } = service.ctx.storage;
      await sql`update steps set resign_kind = 'on-behalf' where id = 'figures-1'`.execute(db);
      await sql`update steps set resign_kind = 'paper' where id = 'figures-2'`.execute(db);
      await sql`update steps set resign_kind = 'self' where id = 'figures-3'`.execute(db);
      service.clock.offsetMs = asOf - Date.now();
      try {
        expect((await figures(chief, 'ict')).body).toMatchObject({ tempSigned: 7, resigned: { self: 2, onBehalf: 1, paper: 1 }, pending: 3 });
      } finally {
        service.clock.offsetMs = 0;
      }
    });
  });
});
