import { expect, test, type Page } from '@playwright/test';
import { bindBridge, chooseRecipient, documentsFor, logIn, screenshot, startDesktopApp, useSystem, type DesktopUnderTest } from './harness.js';

const TEMP_PASSWORD = 'temp-cert-pw-103';

const system = useSystem();

async function openDocument(page: Page, subject: string) {
  await page.getByRole('menuitem', { name: '待辦公文' }).click();
  await page.getByText(subject).click();
  await expect(page.getByRole('button', { name: '傳送' })).toBeVisible();
}

test('the seed’s walkthrough, screen by screen, in zh-TW', async ({ page }) => {
  await documentsFor(system.service.url, 'vendor', ['電子公文系統測試公文甲', '電子公文系統測試公文乙']);
  const desktop: DesktopUnderTest = await startDesktopApp('vendor', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await expect(page.getByRole('heading', { name: '登入電子公文系統' })).toBeVisible();
    await screenshot(page, '01-login');
    await logIn(page, 'vendor');
    await expect(page.getByTestId('card-indicator')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('card-indicator')).toContainText('HiCOS PKI Smart Card');
    await screenshot(page, '02-inbox');

    // 一、(一)(二) IFT930: password and reason, 申請憑證.
    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('尚未申請');
    await page.getByLabel('軟體憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('申請原因').fill('出差未攜帶憑證卡');
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '申請憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已申請，這台電腦尚未啟用');
    await screenshot(page, '03-ift930-applied');
    // (三)(四) 啟用並下載憑證 with the password.
    await page.getByLabel('數位憑證密碼').fill(TEMP_PASSWORD);
    await page.getByLabel('登入密碼（確認本人）').fill('gongwen-demo');
    await page.getByRole('button', { name: '啟用並下載憑證' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已在這台電腦啟用');
    await screenshot(page, '04-ift930-enabled');

    // (五) log in again: the app tells what changed to the temp cert since the last login, from which PC.
    await page.getByRole('button', { name: '登出' }).click();
    await logIn(page, 'vendor');
    await expect(page.getByTestId('temp-cert-changes')).toContainText('申請');
    await expect(page.getByTestId('temp-cert-changes')).toContainText('啟用');

    // (六)(七) open a document, 傳送, tick 使用軟體臨時憑證, the password once, 確定.
    await openDocument(page, '電子公文系統測試公文甲');
    await screenshot(page, '05-document');
    await page.getByRole('button', { name: '傳送' }).click();
    await chooseRecipient(page, '葉彥志');
    await page.getByRole('checkbox', { name: '使用軟體臨時憑證' }).check();
    await page.getByLabel('軟體憑證密碼').fill(TEMP_PASSWORD);
    await screenshot(page, '06-send-dialog-temp-cert');
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();
    // (八) the flow table: 是, and the next step with 葉彥志 (待核示).
    const flow = page.getByRole('table').last();
    await expect(flow.getByRole('row').nth(1)).toContainText('線上簽核');
    await expect(flow.getByRole('row').nth(1)).toContainText('是');
    await expect(flow.getByRole('row').nth(1)).toContainText('待補簽');
    await expect(flow.getByRole('row').nth(2)).toContainText('葉彥志');
    await expect(flow.getByRole('row').nth(2)).toContainText('待核示');
    await expect(flow.getByRole('row').nth(1)).toContainText(/1\d\d\/\d\d\/\d\d \d\d:\d\d/); // ROC date
    await screenshot(page, '07-flow-table-temp-cert');

    // (九) the next document: the box is still ticked, no password asked.
    await page.getByRole('button', { name: '返回' }).click();
    await openDocument(page, '電子公文系統測試公文乙');
    await page.getByRole('button', { name: '傳送' }).click();
    await chooseRecipient(page, '葉彥志');
    await expect(page.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    await expect(page.getByLabel('軟體憑證密碼')).toHaveCount(0);
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();

    // 二、IFT940: the pending list, a note, one PIN, 補簽.
    await page.getByRole('menuitem', { name: /IFT940/ }).click();
    await expect(page.getByTestId('resign-pending')).toContainText('電子公文系統測試公文甲');
    await expect(page.getByTestId('resign-pending')).toContainText('電子公文系統測試公文乙');
    await screenshot(page, '08-ift940-pending');
    await page.getByLabel('補簽註記').fill('出差返回，以實體卡補簽');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.getByRole('button', { name: '補簽' }).click();
    await expect(page.getByTestId('resign-report')).toContainText('補簽完成：2 件。');
    await expect(page.getByText('沒有需要補簽的公文。')).toBeVisible();
    await screenshot(page, '09-ift940-done');

    // (五) 臨時憑證停用, with a confirmation.
    await page.getByRole('button', { name: '臨時憑證停用' }).click();
    await page.getByRole('button', { name: '確定' }).click();
    await expect(page.getByText('臨時憑證已停用。')).toBeVisible();
    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已停用（需重新啟用並下載憑證）');
    await screenshot(page, '10-ift930-disabled');

    // No IPC answer carried a secret.
    const answers = JSON.stringify(desktop.calls.map((c) => c.result));
    for (const secret of [TEMP_PASSWORD, desktop.card.pin, 'gongwen-demo', 'PRIVATE KEY']) expect(answers).not.toContain(secret);
  } finally {
    await desktop.close();
  }
});
