import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { messageOf } from '../../src-shared/common/errors.js';
import { startDesktop } from '../helpers/desktop.js';
import { databaseKinds, type DatabaseKind } from '../helpers/databases.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { expectAccessible } from './a11y.js';
import { bindBridge, logIn as logInToDesktop, screenshot, serveRenderer, startDesktopApp } from './harness.js';

/**
 * The admin console (issue 18) in Chromium over the real service process: 系統管理者 visits every
 * page and makes a change on each page that changes things; 檔案管理 sees only its pages; a clerk
 * is refused with the sentence why; a change without the CSRF token changes nothing. Every page is
 * photographed in zh-TW and checked by axe, and not one CSP violation may happen on the way.
 */
const run = promisify(execFile);
const TEMP_PASSWORD = 'temp-pass-1234';
const RESET_PASSWORD = 'a-new-password-after-reset';

let service: ServiceProcess;
let documentNumber = '';

/** A console role given by the CLI, as an agency's IT staff gives the first one. */
async function grantRole(account: string, role: 'it-admin' | 'records'): Promise<void> {
  await run(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'grant-role', account, role], { env: service.env });
}

async function startConsoleService(kind: DatabaseKind): Promise<void> {
  service = await startServiceProcess(kind);
  await grantRole('yeh.yenchih', 'it-admin');
  await grantRole('lin.shufen', 'records');
  // The vendor, on a trip without the card: a temp cert enabled on a PC and one step signed with it (補簽 pending).
  const pc = await startDesktop('vendor');
  try {
    const vendor = await ClerkSession.login(pc, service.url, 'vendor', 'gongwen-demo');
    await vendor.tempCerts.apply(TEMP_PASSWORD, '出差未攜帶憑證卡', 'gongwen-demo');
    await vendor.tempCerts.enable('vendor', TEMP_PASSWORD, '出差筆電', 'gongwen-demo');
    const created = await vendor.client.createDocument({ subject: '出差期間以臨時憑證傳送的公文', body: '請核示。' });
    documentNumber = created.number;
    const sent = await vendor.send(
      await vendor.client.document(created.id),
      { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '出差中' },
      { useTempCert: true, tempCertPassword: TEMP_PASSWORD },
    );
    expect(sent.status).toBe('delivered');
    await vendor.logout();
  } finally {
    await pc.close();
  }
}

/**
 * Every CSP violation the page meets (an inline style Ant Design wrote without the nonce would be
 * one), but one: each antd Table measures the scroll bar with a throw-away style tag that its
 * library (@rc-component/util getScrollBarSize) writes without a nonce; blocked, the measure falls
 * back to the default scroll bar, which is the one this page has. Nothing else is let through.
 */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    // Runs in the page; this project's Node types have no DOM, hence the shape spelled out.
    const page = globalThis as unknown as {
      __cspViolations: string[];
      document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string; sample: string }) => void): void };
    };
    page.__cspViolations = seen;
    page.document.addEventListener('securitypolicyviolation', (e) => {
      if (e.violatedDirective === 'style-src-elem' && e.sample.startsWith('#rc-scrollbar-measure-')) return;
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  return () => page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations);
}

async function logIn(page: Page, account: string): Promise<void> {
  await page.goto(`${service.url}/admin/`);
  await page.getByLabel('帳號').fill(account);
  await page.getByLabel('密碼').fill('gongwen-demo');
  await page.getByRole('button', { name: '登入', exact: true }).click();
}

/** The desktop app's login (/api/session) with each password in turn, from the page: the statuses. */
async function appLogins(page: Page, account: string, passwords: string[]): Promise<number[]> {
  return page.evaluate(
    async ({ account, passwords }) => {
      const statuses: number[] = [];
      for (const password of passwords) {
        const r = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account, password }) });
        statuses.push(r.status);
      }
      return statuses;
    },
    { account, passwords },
  );
}

async function openPage(page: Page, name: string): Promise<void> {
  await page.getByRole('menuitem', { name }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** The tour of every page; `mark` tells the screenshots of a second database apart. */
async function everyPage(page: Page, mark: string): Promise<void> {
  const cspViolations = await watchCsp(page);
  await page.goto(`${service.url}/admin/`);
  await expect(page.getByRole('heading', { level: 1, name: '登入管理主控台' })).toBeVisible();
  await screenshot(page, `admin-01-login${mark}`);
  await logIn(page, 'yeh.yenchih');
  await expect(page.getByTestId('who')).toHaveText('葉彥志（yeh.yenchih）');
  await expect(page.getByRole('menuitem')).toHaveText(['人員與單位', '臨時憑證', '補簽', '統計', '稽核紀錄', '公文證據']);

  // 人員與單位: add a person; the list then holds them.
  await expect(page.getByRole('heading', { level: 1, name: '人員與單位' })).toBeVisible();
  await expect(page.getByTestId('people')).toContainText('陳志明');
  await screenshot(page, `admin-02-people${mark}`);
  await page.getByRole('button', { name: '新增人員' }).click();
  const dialog = page.getByRole('dialog', { name: '新增人員' });
  await dialog.getByLabel('帳號').fill('tsai.yiting');
  await dialog.getByLabel('姓名').fill('蔡宜庭');
  await dialog.getByLabel('職稱').fill('科員');
  await dialog.getByLabel('單位').click();
  await page.getByTitle('資通建設科').click();
  await dialog.getByLabel('初始登入密碼').fill('a-long-first-password-115');
  await screenshot(page, `admin-03-add-person${mark}`);
  await dialog.getByRole('button', { name: '儲存' }).click();
  await expect(page.getByTestId('outcome')).toHaveText('已新增人員 蔡宜庭（tsai.yiting）。');
  await expect(page.getByTestId('people')).toContainText('蔡宜庭');

  // 編輯單位: 秘書室 renamed, with a head found by typing part of her name.
  await page.getByRole('button', { name: '編輯單位 秘書室' }).click();
  const unitDialog = page.getByRole('dialog', { name: '編輯單位：秘書室' });
  await unitDialog.getByLabel('單位名稱').fill('秘書處');
  await unitDialog.getByLabel('權責主管').fill('林淑');
  await page.getByTitle('林淑芬（lin.shufen）').click();
  await screenshot(page, `admin-03a-edit-unit${mark}`);
  await unitDialog.getByRole('button', { name: '儲存' }).click();
  await expect(page.getByTestId('outcome')).toHaveText('已更新單位 秘書處。');
  await expect(page.getByTestId('units').getByRole('row', { name: /秘書處/ })).toContainText('林淑芬（lin.shufen）');

  // 重設密碼: typed twice, never shown back; the old password stops, the new one logs in at once.
  await page.getByRole('button', { name: '重設密碼 蔡宜庭' }).click();
  const resetDialog = page.getByRole('dialog', { name: '重設 蔡宜庭 的登入密碼' });
  await resetDialog.getByLabel('新登入密碼').fill(RESET_PASSWORD);
  await resetDialog.getByLabel('再輸入一次新密碼').fill(`${RESET_PASSWORD}?`);
  await resetDialog.getByRole('button', { name: '重設密碼' }).click();
  await expect(resetDialog).toContainText('兩次輸入的密碼不同。');
  await resetDialog.getByLabel('再輸入一次新密碼').fill(RESET_PASSWORD);
  await screenshot(page, `admin-03b-reset-password${mark}`);
  await resetDialog.getByRole('button', { name: '重設密碼' }).click();
  await expect(page.getByTestId('outcome')).toHaveText('已重設 蔡宜庭 的登入密碼；結束 0 個登入工作階段。');
  await expect(page.getByText(RESET_PASSWORD)).toHaveCount(0);
  expect(await appLogins(page, 'tsai.yiting', ['a-long-first-password-115', RESET_PASSWORD])).toEqual([401, 200]);

  // 臨時憑證: the vendor's certificate on the trip laptop, revoked with a reason.
  await openPage(page, '臨時憑證');
  const certificates = page.getByTestId('temp-certificates');
  await expect(certificates).toContainText('出差筆電');
  await expect(certificates).toContainText('有效');
  await screenshot(page, `admin-04-temp-certs${mark}`);
  await certificates.getByRole('button', { name: '停用 公文系統廠商 出差筆電' }).click();
  const revoke = page.getByRole('dialog');
  await revoke.getByLabel('停用原因（記入稽核紀錄）').fill('筆電遺失');
  await revoke.getByRole('button', { name: '停用' }).click();
  await expect(page.getByTestId('outcome')).toHaveText('臨時憑證已停用。');
  await expect(certificates).toContainText('已停用');

  // 補簽: the vendor's step, with who may re-sign it.
  await openPage(page, '補簽');
  await expect(page.getByTestId('resign-pending')).toContainText('出差期間以臨時憑證傳送的公文');
  await expect(page.getByTestId('resign-pending')).toContainText('公文系統廠商（本人）');
  await screenshot(page, `admin-05-resign${mark}`);

  // 統計: the charts are drawn (ECharts' canvas), the table holds this month's step, the CSV downloads.
  await openPage(page, '統計');
  await expect(page.getByTestId('chart-signed').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('statistics-table')).toContainText('資通建設科');
  await screenshot(page, `admin-06-statistics${mark}`);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '匯出 CSV' }).click()]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  expect(await readFile((await csv.path())!, 'utf8')).toContain('ict');

  // 稽核紀錄: the changes above are in it; the chain holds.
  await openPage(page, '稽核紀錄');
  await expect(page.getByTestId('audit')).toContainText('tsai.yiting');
  await page.getByRole('button', { name: '驗證稽核鏈' }).click();
  await expect(page.getByTestId('audit-chain')).toContainText('稽核鏈完整');
  await page.getByLabel('動作').fill('admin.');
  await page.getByRole('button', { name: '搜尋' }).click();
  await expect(page.getByTestId('audit').locator('tbody tr')).not.toHaveCount(0);
  await screenshot(page, `admin-07-audit${mark}`);

  // 公文證據: the document's flow with the temp-cert signature, and its ZIP.
  await openPage(page, '公文證據');
  await page.getByLabel('公文文號').fill(documentNumber);
  await page.getByRole('button', { name: '查詢' }).click();
  await expect(page.getByTestId('evidence-flow')).toContainText('臨時憑證');
  await expect(page.getByTestId('evidence-flow')).toContainText('待補簽');
  // Which mode the signature is checked in: as of its time-stamp (issue 19).
  await expect(page.getByTestId('evidence-flow').getByTestId('checked-mode').first()).toContainText('依時戳時間驗證');
  await screenshot(page, `admin-08-evidence${mark}`);
  const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下載證據 ZIP' }).click()]);
  expect((await readFile((await zip.path())!)).subarray(0, 2).toString('latin1')).toBe('PK');

  expect(await cspViolations()).toEqual([]);
}

for (const kind of databaseKinds()) {
  test.describe(`the console over ${kind}`, () => {
    // Hang guards, not speed checks: the tour visits every page with a screenshot and axe each, and
    // the set-up starts the service, a SoftHSM card and a temp cert, on a loaded two-core machine.
    test.describe.configure({ timeout: 300_000 });
    test.beforeAll(() => startConsoleService(kind));
    test.afterAll(() => service.stop());

    test('系統管理者 visits every page in zh-TW, adds a person, revokes a temp cert, checks the audit chain', async ({ page }) => {
      await everyPage(page, kind === 'sqlite' ? '' : `-${kind}`);
    });

    // The web layer (roles, sessions, CSRF) over either database: the refusals read and write it too.
    const mark = kind === 'sqlite' ? '' : `-${kind}`;

    test('系統管理者 logs in with the card: the code shown, approved in GongwenDesk with the card and PIN, the console opens', async ({ page }) => {
      const cspViolations = await watchCsp(page);
      await page.goto(`${service.url}/admin/`);
      await page.getByRole('button', { name: '以憑證卡登入' }).click();
      await expect(page.getByText('等待核准中……')).toBeVisible();
      const code = (await page.getByTestId('console-login-code').textContent())!.trim();
      expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
      await screenshot(page, `admin-01b-card-login${mark}`);

      // The person's own PC: GongwenDesk's 主控台登入 dialog (settings), clicked as a person would,
      // over the very handlers the shell registers, with the card and its PIN.
      const desktop = await startDesktopApp('yeh.yenchih', service.url);
      const renderer = await serveRenderer();
      const pc = await page.context().newPage();
      try {
        await bindBridge(pc, desktop);
        await pc.goto(renderer.url);
        await logInToDesktop(pc, 'yeh.yenchih');
        await pc.getByRole('menuitem', { name: '設定' }).click();
        await pc.getByRole('button', { name: '核准主控台登入' }).click();
        const dialog = pc.getByRole('dialog', { name: '主控台登入' });
        await dialog.getByLabel('代碼').fill(code.toLowerCase());
        await dialog.getByRole('button', { name: '查詢登入要求' }).click();
        await expect(dialog.getByText('要求來源')).toBeVisible();
        await expect(dialog).toContainText(code);
        await screenshot(pc, `desktop-console-login-request${mark}`);
        await dialog.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
        await dialog.getByRole('button', { name: '以憑證卡核准' }).click();
        // The dialog closes; the settings card says what was approved, and from where.
        await expect(dialog).toBeHidden();
        await expect(pc.getByText(/^已核准來自 .+ 的主控台登入。$/)).toBeVisible();
        await screenshot(pc, `desktop-console-login-approved${mark}`);
        // The PIN went to the card only: no answer the page received carries it.
        expect(JSON.stringify(desktop.calls)).not.toContain(desktop.card.pin);
      } finally {
        await pc.close();
        await renderer.close();
        await desktop.close();
      }

      await expect(page.getByTestId('who')).toHaveText('葉彥志（yeh.yenchih）');
      await expect(page.getByRole('heading', { level: 1, name: '人員與單位' })).toBeVisible();
      expect(await cspViolations()).toEqual([]);
    });

    test('檔案管理 sees only its pages; the service refuses it the others anyway', async ({ page }) => {
      const cspViolations = await watchCsp(page);
      await logIn(page, 'lin.shufen');
      await expect(page.getByRole('menuitem')).toHaveText(['補簽', '統計', '稽核紀錄', '公文證據']);
      await expect(page.getByRole('heading', { level: 1, name: '補簽' })).toBeVisible();
      await screenshot(page, `admin-09-records-office${mark}`);
      const answer = await page.evaluate(async () => {
        const r = await fetch('/admin/api/people');
        return { status: r.status, body: (await r.json()) as { code: string } };
      });
      expect(answer).toMatchObject({ status: 403, body: { code: 'ADMIN_ROLE_REQUIRED' } });
      // With its own session's CSRF token, a unit edit and a password reset are still not its to make.
      const changes = await page.evaluate(async () => {
        const { csrfToken } = (await (await fetch('/admin/api/me')).json()) as { csrfToken: string };
        const post = async (url: string, body: unknown) => {
          const r = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
            body: JSON.stringify(body),
          });
          return [r.status, ((await r.json()) as { code: string }).code];
        };
        return [
          await post('/admin/api/units/planning/edit', { name: '檔案科' }),
          await post('/admin/api/people/vendor/password', { password: 'a-records-password-115' }),
        ];
      });
      expect(changes).toEqual([
        [403, 'ADMIN_ROLE_REQUIRED'],
        [403, 'ADMIN_ROLE_REQUIRED'],
      ]);
      expect(await cspViolations()).toEqual([]);
    });

    test('a clerk without a console role is refused, and the page says why', async ({ page }) => {
      await logIn(page, 'chen.chiming');
      await expect(page.getByRole('alert')).toContainText(messageOf('ADMIN_ROLE_REQUIRED'));
      await expect(page.getByRole('menuitem')).toHaveCount(0);
      await screenshot(page, `admin-10-clerk-refused${mark}`);
      const me = await page.evaluate(async () => (await fetch('/admin/api/me')).status);
      expect(me).toBe(401);
    });

    test('a change without the CSRF token, or with a wrong one, is refused and changes nothing', async ({ page }) => {
      await logIn(page, 'yeh.yenchih');
      await expect(page.getByRole('heading', { level: 1, name: '人員與單位' })).toBeVisible();
      const attempt = (url: string, body: unknown, token: string | null) =>
        page.evaluate(
          async ({ url, body, csrf }) => {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (csrf !== null) headers['x-csrf-token'] = csrf;
            const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
            return { status: r.status, code: ((await r.json()) as { code: string }).code };
          },
          { url, body, csrf: token },
        );
      const units = () => page.evaluate(async () => (await fetch('/admin/api/units')).json());
      const unitsBefore: unknown = await units();
      const changes: [string, unknown][] = [
        ['/admin/api/people', { account: 'forged.person', name: '偽造', title: '', unitId: 'ict', password: 'a-long-first-password-115' }],
        ['/admin/api/units/planning/edit', { name: '偽造科', head: 'vendor' }],
        ['/admin/api/people/vendor/password', { password: 'a-forged-password-115' }],
      ];
      for (const [url, body] of changes) {
        expect(await attempt(url, body, null), url).toEqual({ status: 403, code: 'CSRF_TOKEN_MISSING' });
        expect(await attempt(url, body, 'not-the-token'), url).toEqual({ status: 403, code: 'CSRF_TOKEN_INVALID' });
      }
      const people = await page.evaluate(async () => (await (await fetch('/admin/api/people?text=forged&status=all')).json()) as { total: number });
      expect(people.total).toBe(0);
      expect(await units()).toEqual(unitsBefore);
      expect(await appLogins(page, 'vendor', ['a-forged-password-115'])).toEqual([401]);
      await expectAccessible(page, 'people page after the refused changes');
    });
  });
}
