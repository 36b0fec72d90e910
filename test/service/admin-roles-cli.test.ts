import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnvironment, createContext } from '../../src-server/service.js';
import { serviceCli } from '../helpers/service-cli.js';

const cli = (dataDir: string, ...args: string[]) => serviceCli(dataDir, args, { GONGWEN_ADMINISTRATORS: 'chief.it' });

// Each CLI call starts a TypeScript process of its own: more time than the default, not about speed.
const CLI_TEST_TIMEOUT = 180_000;

describe('the console-role commands of the CLI', () => {
  it(
    'grants and revokes console roles, refusing what is wrong with a sentence and exit code',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-roles-cli-'));
      expect(cli(dataDir, 'add-unit', 'ict', '資通建設科').code).toBe(0);
      expect(cli(dataDir, 'add-user', 'records.lee', '李檔案', 'ict', '管理師').code).toBe(0);
      expect(cli(dataDir, 'add-user', 'chief.it', '資訊主管', 'ict', '科長').code).toBe(0);
      expect(cli(dataDir, 'grant-role', 'records.lee', 'records')).toMatchObject({ code: 0, out: expect.stringContaining('records.lee: records granted') });
      expect(cli(dataDir, 'grant-role', 'records.lee', 'superuser').code).toBe(2);
      expect(cli(dataDir, 'grant-role', 'nobody', 'records')).toMatchObject({ code: 1, out: expect.stringContaining('There is no account nobody') });
      // An it-admin by GONGWEN_ADMINISTRATORS stays one: said, not silently ignored.
      expect(cli(dataDir, 'revoke-role', 'chief.it', 'it-admin')).toMatchObject({ code: 1, out: expect.stringContaining('ROLE_BY_CONFIGURATION') });

      const ctx = await createContext(configFromEnvironment({ GONGWEN_DATA_DIR: dataDir }));
      try {
        const roles = await ctx.storage.db.selectFrom('user_roles').innerJoin('users', 'users.id', 'user_roles.user_id').select(['account', 'role']).execute();
        expect(roles).toEqual([{ account: 'records.lee', role: 'records' }]);
      } finally {
        await ctx.storage.close();
      }
      expect(cli(dataDir, 'revoke-role', 'records.lee', 'records').code).toBe(0);
      const after = await createContext(configFromEnvironment({ GONGWEN_DATA_DIR: dataDir }));
      try {
        expect(await after.storage.db.selectFrom('user_roles').selectAll().execute()).toEqual([]);
        const audit = await after.storage.db
          .selectFrom('audit_log')
          .select(['action', 'subject', 'detail'])
          .where('action', 'like', 'role.%')
          .orderBy('seq')
          .execute();
        expect(audit).toEqual([
          { action: 'role.grant', subject: 'records.lee', detail: '{"role":"records"}' },
          { action: 'role.revoke', subject: 'records.lee', detail: '{"role":"records"}' },
        ]);
      } finally {
        await after.storage.close();
      }
    },
    CLI_TEST_TIMEOUT,
  );
});
