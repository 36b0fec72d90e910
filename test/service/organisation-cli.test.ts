import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnvironment, createContext } from '../../src-server/service.js';
import { serviceCli } from '../helpers/service-cli.js';

const cli = (dataDir: string, ...args: string[]) => serviceCli(dataDir, args);

// Each CLI call starts a TypeScript process of its own: more time than the default, not about speed.
const CLI_TEST_TIMEOUT = 180_000;

describe('the organisation commands of the CLI', () => {
  it(
    'sets a unit head and separates a person, refusing what is wrong with a sentence and exit code',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-org-cli-'));
      expect(cli(dataDir, 'add-unit', 'ict', '資通建設科').code).toBe(0);
      expect(cli(dataDir, 'add-user', 'yeh.yenchih', '葉彥志', 'ict', '科長').code).toBe(0);
      expect(cli(dataDir, 'add-user', 'vendor', '公文系統廠商', 'ict', '廠商').code).toBe(0);

      expect(cli(dataDir, 'set-unit-head', 'ict', 'yeh.yenchih')).toMatchObject({
        code: 0,
        out: expect.stringContaining('yeh.yenchih is now the head of ict'),
      });
      expect(cli(dataDir, 'set-unit-head', 'nowhere', 'yeh.yenchih')).toMatchObject({ code: 1, out: expect.stringContaining('UNIT_UNKNOWN') });
      expect(cli(dataDir, 'separate-user', 'vendor', '--on', '2999-01-01')).toMatchObject({ code: 1, out: expect.stringContaining('SEPARATION_DATE_INVALID') });
      expect(cli(dataDir, 'separate-user').code).toBe(2);
      const done = cli(dataDir, 'separate-user', 'yeh.yenchih', '--on', '2026-01-05');
      expect(done).toMatchObject({ code: 0, out: expect.stringContaining('separated from 2026-01-04T16:00:00.000Z') });
      expect(done.out).toContain('they were head of ict');
      expect(cli(dataDir, 'separate-user', 'yeh.yenchih')).toMatchObject({ code: 1, out: expect.stringContaining('USER_ALREADY_SEPARATED') });

      const ctx = await createContext(configFromEnvironment({ GONGWEN_DATA_DIR: dataDir }));
      try {
        const audit = await ctx.storage.db
          .selectFrom('audit_log')
          .select(['action', 'subject'])
          .where('action', 'in', ['unit.head', 'user.separate'])
          .orderBy('seq')
          .execute();
        expect(audit).toEqual([
          { action: 'unit.head', subject: 'ict' },
          { action: 'user.separate', subject: 'yeh.yenchih' },
        ]);
      } finally {
        await ctx.storage.close();
      }
      expect(cli(dataDir, 'verify-audit').out).toMatch(/audit log intact/);
    },
    CLI_TEST_TIMEOUT,
  );
});
