import { expect, test } from '@playwright/test';
import { insertVirtualCard } from '../../tools/virtual-card.js';
import { testPki } from '../helpers/demo-pki.js';
import { faultWrapper } from '../helpers/virtual-card.js';
import { bindBridge, chooseRecipient, documentsFor, logIn, screenshot, startDesktopApp, useSystem } from './harness.js';

const system = useSystem();

test.afterEach(() => {
  delete process.env.GONGWEN_PKCS11_FAULTS;
});

// Two readers (one in the keyboard, one on USB) as SoftHSM plays them: two tokens in one token
// folder. 葉彥志's card is in; 陳志明's goes into the other reader while 葉彥志 works.
test('two cards present: the clerk chooses theirs at the card status, and it signs; the choice is remembered', async ({ page }) => {
  await documentsFor(system.service.url, 'yeh.yenchih', ['兩張憑證卡測試公文']);
  const desktop = await startDesktopApp('yeh.yenchih', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await logIn(page, 'yeh.yenchih');
    const indicator = page.getByRole('banner').getByTestId('card-indicator');
    await expect(indicator).toHaveAttribute('data-state', 'ready');
    await expect(indicator).toContainText('（葉彥志）'); // the only card: used without asking
    await expect(page.getByTestId('card-chooser')).toHaveCount(0);

    insertVirtualCard(desktop.card, (await testPki()).cards['chen.chiming']!);
    await expect(indicator).toHaveAttribute('data-state', 'choose');
    await expect(indicator).toContainText('請選擇要使用的憑證卡');
    await screenshot(page, '40-two-cards-choose');

    const chooser = page.getByRole('banner').getByRole('combobox', { name: '使用的憑證卡' });
    await chooser.click();
    // Each card by its holder, its label and its reader (the slot's description).
    await expect(page.getByTitle(/^陳志明｜HiCOS PKI Smart Card｜SoftHSM slot ID 0x[0-9a-f]+$/)).toBeVisible();
    await expect(page.getByTitle(/^葉彥志｜HiCOS PKI Smart Card｜SoftHSM slot ID 0x[0-9a-f]+$/)).toBeVisible();
    await screenshot(page, '41-two-cards-list');
    await page.getByTitle(/^葉彥志｜HiCOS PKI Smart Card｜SoftHSM slot ID/).click();
    await expect(page.locator('.ant-select-dropdown').filter({ visible: true })).toHaveCount(0);
    await expect(indicator).toHaveAttribute('data-state', 'ready');
    await expect(indicator).toContainText('憑證卡就緒：HiCOS PKI Smart Card（葉彥志）');
    await screenshot(page, '42-two-cards-chosen');
    const remembered = desktop.app.settings.get().cardSerial;
    expect(remembered).toBe((await desktop.app.core.card.status()).token?.serial);

    // The diagnostics: the module and where it was looked for, the card in use and why, the key chosen and why.
    await page.getByRole('menuitem', { name: '設定' }).click();
    await page.getByRole('button', { name: '檢查讀卡機與憑證卡' }).click();
    const summary = page.getByTestId('diagnostics-summary');
    await expect(summary).toContainText(`${desktop.card.modulePath}（設定指定）`);
    await expect(summary).toContainText('/usr/lib/softhsm/libsofthsm2.so：有檔案');
    await expect(summary).toContainText(`${remembered}（您選擇的）`);
    await expect(summary).toContainText('"SIGN" has key usage nonRepudiation, subject CN 葉彥志');
    await expect(summary).toContainText('"SIGN" has key usage nonRepudiation, subject CN 陳志明');
    await screenshot(page, '44-card-diagnostics');

    // The card chosen signs the step.
    await page.getByRole('menuitem', { name: '待辦公文' }).click();
    await page.getByText('兩張憑證卡測試公文').click();
    await page.getByRole('button', { name: '傳送' }).click();
    await chooseRecipient(page, '王美玲');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();
    const sent = desktop.calls.filter((c) => c.channel === 'step:send').pop();
    // Delivered: the service took the signature as 葉彥志's (it refuses a card registered to another person).
    expect(sent?.result).toMatchObject({ ok: true, value: { status: 'delivered' } });
  } finally {
    await desktop.close();
  }
});

// SoftHSM never locks a PIN: the fault wrapper answers C_Login with CKR_PIN_LOCKED and sets the
// token's CKF_USER_PIN_LOCKED, as a HiCOS card does after the third wrong PIN.
test('a locked card says how to unlock it, and offers the temp cert enabled on this PC', async ({ page }) => {
  const client = await documentsFor(system.service.url, 'wang.meiling', ['卡片鎖住測試公文']);
  const setup = await startDesktopApp('wang.meiling', system.service.url);
  const { ClerkSession } = await import('../../src-main/session/clerk-session.js');
  const session = await ClerkSession.login(setup.app.core, system.service.url, 'wang.meiling', 'gongwen-demo');
  await session.tempCerts.apply('temp-pass-1234', '卡片鎖住', 'gongwen-demo');
  await session.tempCerts.enable('wang.meiling', 'temp-pass-1234', 'PC', 'gongwen-demo');
  await session.logout();
  await setup.close();

  process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Login: { ckr: 'CKR_PIN_LOCKED' }, tokenFlags: ['CKF_USER_PIN_LOCKED'] });
  const desktop = await startDesktopApp('wang.meiling', system.service.url, { apiWrapper: faultWrapper, dataDir: setup.dataDir });
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await logIn(page, 'wang.meiling');
    await page.getByRole('menuitem', { name: '待辦公文' }).click();
    // The card status says it before any PIN is typed.
    await expect(page.getByRole('banner').getByTestId('card-indicator')).toContainText('憑證卡 PIN 碼已鎖住：HiCOS PKI Smart Card（王美玲）');
    await page.getByText('卡片鎖住測試公文').click();
    await page.getByRole('button', { name: '傳送' }).click();
    await chooseRecipient(page, '葉彥志');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByTestId('send-pin-error')).toContainText('憑證卡的 PIN 碼已被鎖住');
    await expect(page.getByTestId('send-pin-error')).toContainText('內政部憑證管理中心');
    await expect(page.getByTestId('send-pin-error')).toContainText('「卡片解鎖」');
    await screenshot(page, '43-card-locked-offer-temp-cert');

    await page.getByRole('button', { name: '改用軟體臨時憑證傳送' }).click();
    await expect(page.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    await page.getByLabel('軟體憑證密碼').fill('temp-pass-1234');
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();
    expect((await client.documents({ box: 'involved', q: '卡片鎖住測試公文' })).documents).toHaveLength(1);
  } finally {
    await desktop.close();
  }
});
