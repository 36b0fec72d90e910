import { expect, test } from '@playwright/test';
import { insertVirtualCard } from '../../tools/virtual-card.js';
import { testPki } from '../helpers/demo-pki.js';
import { bindBridge, chooseRecipient, documentsFor, logIn, screenshot, startDesktopApp, useSystem } from './harness.js';

const system = useSystem();

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
