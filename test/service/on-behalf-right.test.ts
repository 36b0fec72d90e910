import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onBehalfRight } from '../../src-server/organisation/on-behalf-right.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';

/**
 * Who may re-sign on another's behalf (代為補簽), at the moment they do: the signer's unit head,
 * or a deputy named for that day (Taiwan's calendar day, both ends of the range included).
 */
describe.each(databaseKinds())('the right to re-sign on behalf on %s', (kind) => {
  let service: TestService;
  const id: Record<string, string> = {};
  // 2026-12-01 00:30 in Taiwan is still 2026-11-30 in UTC: the range is in Taiwan's days.
  const firstOfDecemberInTaiwan = new Date('2026-11-30T16:30:00Z');

  beforeAll(async () => {
    service = await startTestService(kind);
    for (const account of ['vendor', 'yeh.yenchih', 'chen.chiming', 'wang.meiling', 'lin.shufen'])
      id[account] = (await findUserByAccount(service.ctx.storage.db, account))!.id;
    await service.ctx.storage.write(async (trx) => {
      await trx.updateTable('units').set({ head_user_id: id['yeh.yenchih'] }).where('id', '=', 'ict').execute();
      await trx
        .insertInto('deputies')
        .values({
          id: 'd1',
          user_id: id.vendor!,
          deputy_user_id: id['wang.meiling']!,
          starts_on: '2026-12-01',
          ends_on: '2026-12-05',
          named_by_user_id: id.vendor!,
          named_at: '2026-11-20T00:00:00Z',
        })
        .execute();
    });
  });
  afterAll(() => service.close());

  const right = (actor: string, signer: string, at: Date, onBehalfBy: 'deputies' | 'unit-head' | 'both' = 'both') =>
    onBehalfRight(service.ctx.storage.db, { onBehalfBy }, id[actor]!, id[signer]!, at);

  it('the unit head may, for their own unit only, and not for themself', async () => {
    expect(await right('yeh.yenchih', 'vendor', firstOfDecemberInTaiwan)).toBe('unit-head');
    expect(await right('yeh.yenchih', 'lin.shufen', firstOfDecemberInTaiwan)).toBeNull();
    expect(await right('yeh.yenchih', 'yeh.yenchih', firstOfDecemberInTaiwan)).toBeNull();
    expect(await right('yeh.yenchih', 'vendor', firstOfDecemberInTaiwan, 'deputies')).toBeNull();
  });

  it('a deputy may within the range of days, not before or after it, and not when the policy names heads only', async () => {
    expect(await right('wang.meiling', 'vendor', firstOfDecemberInTaiwan)).toBe('deputy');
    expect(await right('wang.meiling', 'vendor', new Date('2026-11-30T15:59:00Z'))).toBeNull(); // 11/30 23:59 in Taiwan
    expect(await right('wang.meiling', 'vendor', new Date('2026-12-05T15:59:00Z'))).toBe('deputy'); // 12/05 23:59
    expect(await right('wang.meiling', 'vendor', new Date('2026-12-05T16:00:00Z'))).toBeNull(); // 12/06 00:00
    expect(await right('wang.meiling', 'vendor', firstOfDecemberInTaiwan, 'unit-head')).toBeNull();
    expect(await right('chen.chiming', 'vendor', firstOfDecemberInTaiwan)).toBeNull(); // same unit, no right
  });

  it('a withdrawn deputy, or one who has left, has no right', async () => {
    await service.ctx.storage.write((trx) =>
      trx.updateTable('users').set({ separated_at: '2026-11-30T00:00:00Z' }).where('id', '=', id['wang.meiling']!).execute(),
    );
    expect(await right('wang.meiling', 'vendor', firstOfDecemberInTaiwan)).toBeNull();
    await service.ctx.storage.write(async (trx) => {
      await trx.updateTable('users').set({ separated_at: null }).where('id', '=', id['wang.meiling']!).execute();
      await trx.updateTable('deputies').set({ withdrawn_at: '2026-11-25T00:00:00Z' }).where('id', '=', 'd1').execute();
    });
    expect(await right('wang.meiling', 'vendor', firstOfDecemberInTaiwan)).toBeNull();
  });
});
