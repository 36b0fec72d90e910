import { expect, test, type Page } from '@playwright/test';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { faultWrapper } from '../helpers/virtual-card.js';
import { bindBridge, chooseRecipient, documentsFor, logIn, screenshot, startDesktopApp, useSystem } from './harness.js';

const system = useSystem();

test.afterEach(() => {
  delete process.env.GONGWEN_PKCS11_FAULTS;
});

async function login(page: Page, account: string) {
  await page.goto(system.renderer.url);
  await logIn(page, account);
}

async function openSendDialog(page: Page, subject: string) {
  await page.getByRole('menuitem', { name: '待辦公文' }).click();
  await page.getByText(subject).click();
  await page.getByRole('button', { name: '傳送' }).click();
  await chooseRecipient(page, '葉彥志');
}

test('a wrong PIN reads as a sentence, and the dialog warns that the PIN count is low', async ({ page }) => {
  await documentsFor(system.service.url, 'chen.chiming', ['PIN 錯誤測試公文']);
  const desktop = await startDesktopApp('chen.chiming', system.service.url);
  try {
    await bindBridge(page, desktop);
    await login(page, 'chen.chiming');
    await openSendDialog(page, 'PIN 錯誤測試公文');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill('000000');
    await page.locator('#send-ok').click();
    // The refusal belongs to the PIN field: focus is back there, it is marked invalid, the sentence is its description.
    const pinField = page.getByLabel('憑證卡密碼（PIN 碼）');
    await expect(pinField).toBeFocused();
    await expect(pinField).toHaveAttribute('aria-invalid', 'true');
    await expect(pinField).toHaveAccessibleDescription(/憑證卡密碼（PIN 碼）錯誤，請重新輸入。.*先前曾輸入錯誤的 PIN 碼，請小心輸入。/);
    await expect(page.getByText('先前曾輸入錯誤的 PIN 碼，請小心輸入。').last()).toBeVisible();
    await screenshot(page, '11-wrong-pin');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();
  } finally {
    await desktop.close();
  }
});

test('the card pulled out during 補簽: what was done is kept, the clerk is told, the rest is done later', async ({ page }) => {
  const client = await documentsFor(system.service.url, 'wang.meiling', []);
  const setup = await startDesktopApp('wang.meiling', system.service.url);
  // Three temp-signed steps to re-sign, sent through the signing core directly.
  const { ClerkSession } = await import('../../src-main/session/clerk-session.js');
  const session = await ClerkSession.login(setup.app.core, system.service.url, 'wang.meiling', 'gongwen-demo');
  await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
  await session.tempCerts.enable('wang.meiling', 'temp-pass-1234', 'PC', 'gongwen-demo');
  for (let i = 1; i <= 3; i++) {
    const doc = await client.document((await client.createDocument({ subject: `補簽中斷測試 ${i}`, body: '' })).id);
    await session.send(doc, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true, tempCertPassword: 'temp-pass-1234' });
  }
  await session.logout();
  await setup.close();

  process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Sign: { ckr: 'CKR_DEVICE_REMOVED', afterCalls: 1 } });
  // The same PC, restarted: the steps were temp-signed here, so its card may countersign them.
  const desktop = await startDesktopApp('wang.meiling', system.service.url, { apiWrapper: faultWrapper, dataDir: setup.dataDir });
  try {
    await bindBridge(page, desktop);
    await login(page, 'wang.meiling');
    await page.getByRole('menuitem', { name: /IFT940/ }).click();
    await expect(page.getByTestId('resign-pending')).toContainText('補簽中斷測試 3');
    await page.getByLabel('補簽註記').fill('返回補簽');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.getByRole('button', { name: '補簽' }).click();
    await expect(page.getByRole('alert').filter({ hasText: '憑證卡在作業中被移除，已完成的部分都已保存' })).toBeVisible();
    await screenshot(page, '12-card-pulled-during-resign');
    expect((await client.pendingResign()).steps).toHaveLength(2);
  } finally {
    await desktop.close();
  }
});

test('the service down during a send: signed and kept, then sent when it is back', async ({ page }) => {
  await documentsFor(system.service.url, 'lin.shufen', ['服務中斷測試公文']);
  const desktop = await startDesktopApp('lin.shufen', system.service.url);
  try {
    await bindBridge(page, desktop);
    await login(page, 'lin.shufen');
    await openSendDialog(page, '服務中斷測試公文');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await system.service.kill();
    await page.locator('#send-ok').click();
    await expect(page.getByText('已簽章並保存，目前無法連線，恢復連線後會自動送出。').first()).toBeVisible();
    // One message for one event: a polite warning, no success toast, no alert.
    await expect(page.getByRole('status').filter({ hasText: '已簽章並保存' })).toHaveCount(1);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.locator('.ant-message-success, .ant-alert-success')).toHaveCount(0);
    await expect(page.getByTestId('outbox-pending')).toContainText('1 份已簽章的公文等待送出。');
    await expect(page.getByRole('button', { name: '傳送' })).toHaveCount(0); // not offered twice
    await screenshot(page, '13-service-down-queued');
    await system.service.restart();
    // The courier retries on its own (1 s, 2 s, 4 s …); the clerk may also press 立即重送 first.
    await page
      .getByRole('button', { name: '立即重送' })
      .click({ timeout: 2000 })
      .catch(() => {});
    await expect(page.getByTestId('outbox-pending')).toHaveCount(0, { timeout: 30_000 });
    const client = new ServiceClient({ baseUrl: system.service.url });
    await client.login('yeh.yenchih', 'gongwen-demo');
    expect((await client.documents({ box: 'inbox', q: '服務中斷測試公文' })).documents).toHaveLength(1);
  } finally {
    await desktop.close();
  }
});
