import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { setUnitHead } from '../../src-server/organisation/unit-heads.js';
import { configFromEnvironment, createContext } from '../../src-server/service.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { bindBridge, logIn, screenshot, serveRenderer, startDesktopApp } from './harness.js';

const TEMP_PASSWORD = 'temp-cert-pw-103';

// Issue 17: an agency whose policy has the unit head approve each temp-cert application
// (approval: unit-head). The applicant applies in IFT930 and waits (待主管核准); the unit head,
// 葉彥志 of 資通建設科, sees the application in IFT930 and approves it with a comment; the
// applicant sees the outcome and the comment, and only then enables the certificate.
let service: ServiceProcess;
let renderer: Awaited<ReturnType<typeof serveRenderer>>;
const savedPolicy = process.env.GONGWEN_POLICY;

test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gongwen-policy-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ tempCert: { approval: 'unit-head' } }));
  process.env.GONGWEN_POLICY = join(dir, 'policy.json');
  service = await startServiceProcess();
  // The administrator names the unit's head (the CLI's set-unit-head does the same).
  const ctx = await createContext(configFromEnvironment(service.env));
  try {
    await setUnitHead(ctx, 'ict', 'yeh.yenchih');
  } finally {
    await ctx.storage.close();
  }
  renderer = await serveRenderer();
});
test.afterAll(async () => {
  if (savedPolicy === undefined) delete process.env.GONGWEN_POLICY;
  else process.env.GONGWEN_POLICY = savedPolicy;
  await renderer?.close();
  await service?.stop();
});

test('the unit head approves a temp-cert application, in zh-TW', async ({ page, context }) => {
  const applicant = await startDesktopApp('vendor', service.url);
  const head = await startDesktopApp('yeh.yenchih', service.url);
  try {
    await bindBridge(page, applicant);
    await page.goto(renderer.url);
    await logIn(page, 'vendor');
    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await expect(page.getByText('依機關規定，申請後須經單位主管核准，才能啟用並下載憑證。')).toBeVisible();
    await page.getByLabel('軟體憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('申請原因').fill('出差未攜帶憑證卡');
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '申請憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('待主管核准');
    await expect(page.getByRole('button', { name: '啟用並下載憑證' })).toHaveCount(0);
    await screenshot(page, 'approval-01-applicant-pending');

    // The unit head, on their own PC.
    const headPage = await context.newPage();
    await bindBridge(headPage, head);
    await headPage.goto(renderer.url);
    await logIn(headPage, 'yeh.yenchih');
    await headPage.getByRole('menuitem', { name: /IFT930/ }).click();
    const application = headPage.getByTestId('approval-vendor');
    await expect(application).toContainText('公文系統廠商（資通建設科，vendor）');
    await expect(application).toContainText('出差未攜帶憑證卡');
    await expect(application).toContainText('無期限');
    await headPage.getByLabel('主管意見').fill('同意，出差期間使用');
    await screenshot(headPage, 'approval-02-unit-head-list');
    await headPage.getByRole('button', { name: '核准' }).click();
    await expect(headPage.getByText('已核准 公文系統廠商 的臨時憑證申請。')).toBeVisible();
    await expect(headPage.getByTestId('approval-vendor')).toHaveCount(0);
    await screenshot(headPage, 'approval-03-unit-head-approved');
    await headPage.close();

    // The applicant sees the outcome and the comment, and enables the certificate.
    await page.getByRole('menuitem', { name: '待辦公文' }).click();
    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已申請，這台電腦尚未啟用');
    await expect(page.getByTestId('temp-cert-decision')).toContainText('已核准（葉彥志，');
    await expect(page.getByTestId('temp-cert-decision')).toContainText('同意，出差期間使用');
    await screenshot(page, 'approval-04-applicant-approved');
    await page.getByLabel('數位憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '啟用並下載憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已在這台電腦啟用');
    await screenshot(page, 'approval-05-applicant-enabled');
  } finally {
    await applicant.close();
    await head.close();
  }
});
