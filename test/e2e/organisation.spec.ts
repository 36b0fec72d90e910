import { expect, test } from '@playwright/test';
import { formatRocDate } from '../../src-shared/common/roc-date.js';
import { bindBridge, chooseRecipient, documentsFor, logIn, screenshot, startDesktopApp, useSystem, type DesktopUnderTest } from './harness.js';

const TEMP_PASSWORD = 'temp-cert-pw-115';
const DAY = 86_400_000;

const system = useSystem();

test('the login reminder of pending 補簽 leads to IFT940; a deputy is named and withdrawn in Settings, in zh-TW', async ({ page }) => {
  await documentsFor(system.service.url, 'vendor', ['出差期間以臨時憑證傳送的公文']);
  const desktop: DesktopUnderTest = await startDesktopApp('vendor', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await logIn(page, 'vendor');
    await expect(page.getByTestId('resign-reminder')).toHaveCount(0); // nothing pending yet

    // A step sent with the temp cert (IFT930 first), as on a trip without the card.
    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await page.getByLabel('軟體憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('申請原因').fill('出差未攜帶憑證卡');
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '申請憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已申請，這台電腦尚未啟用');
    await page.getByLabel('數位憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '啟用並下載憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已在這台電腦啟用');
    await page.getByRole('button', { name: '登出' }).click(); // the next login asks the temp-cert password once
    await logIn(page, 'vendor');
    await page.getByText('出差期間以臨時憑證傳送的公文').click();
    await page.getByRole('button', { name: '傳送' }).click();
    await chooseRecipient(page, '葉彥志');
    await page.getByRole('checkbox', { name: '使用軟體臨時憑證' }).check();
    await page.getByLabel('軟體憑證密碼').fill(TEMP_PASSWORD);
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();

    // The next login says how many wait for 補簽 and since when, with the way to IFT940.
    await page.getByRole('button', { name: '登出' }).click();
    await logIn(page, 'vendor');
    const today = formatRocDate(new Date());
    await expect(page.getByTestId('resign-reminder')).toContainText(`您有 1 件公文待補簽（最早 ${today}）`);
    await screenshot(page, 'organisation-01-login-reminder');
    await page.getByRole('button', { name: '前往 IFT940 補簽' }).click();
    await expect(page.getByTestId('resign-pending')).toContainText('出差期間以臨時憑證傳送的公文');
    await expect(page.getByRole('button', { name: '前往 IFT940 補簽' })).toHaveCount(0);

    // Settings: name 王美玲 as deputy for a week, in ROC dates; then withdraw her.
    await page.getByRole('menuitem', { name: '設定' }).click();
    const deputies = page.getByTestId('deputies');
    await expect(deputies).toContainText('尚未指定職務代理人。');
    await deputies.getByLabel('職務代理人', { exact: true }).click();
    await page.getByTitle(/王美玲/).click();
    await expect(page.locator('.ant-select-dropdown').filter({ visible: true })).toHaveCount(0);
    const weekLater = formatRocDate(new Date(Date.now() + 7 * DAY));
    await deputies.getByLabel('開始日').fill(today);
    await deputies.getByLabel('結束日').fill(weekLater);
    await deputies.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await screenshot(page, 'organisation-02-deputy-form');
    await deputies.getByRole('button', { name: '指定職務代理人' }).click();
    await expect(deputies).toContainText(`已指定 王美玲 為 公文系統廠商 的職務代理人（${today} 至 ${weekLater}）。`);
    await expect(page.getByTestId('my-deputies')).toContainText(`王美玲（專員）\u3000${today} 至 ${weekLater}`);
    await screenshot(page, 'organisation-03-deputy-named');

    // A range that ends before it starts is refused with the service's sentence.
    await deputies.getByLabel('職務代理人', { exact: true }).click();
    await page.getByTitle(/陳志明/).click();
    await expect(page.locator('.ant-select-dropdown').filter({ visible: true })).toHaveCount(0);
    await deputies.getByLabel('開始日').fill(weekLater);
    await deputies.getByLabel('結束日').fill(today);
    await deputies.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await deputies.getByRole('button', { name: '指定職務代理人' }).click();
    await expect(deputies.getByRole('alert')).toContainText('代理期間不正確');

    await page.getByTestId('my-deputies').getByRole('button', { name: '撤銷' }).click();
    await page.getByRole('button', { name: '確定' }).click();
    await expect(deputies).toContainText('已撤銷 王美玲 的職務代理。');
    await expect(page.getByTestId('my-deputies')).toContainText('尚未指定職務代理人。');
  } finally {
    await desktop.close();
  }
});
