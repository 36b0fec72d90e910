import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectFocusNotLost } from './a11y.js';
import { bindBridge, documentsFor, screenshot, startDesktopApp, useSystem } from './harness.js';

// The seed's walkthrough with no mouse at all: only Tab, arrows, Enter, Space, Escape and typing.
// After every action, focus is where the clerk acts next, and never on the page body.

const TEMP_PASSWORD = 'temp-cert-pw-kbd1';
const system = useSystem();
// What the page looked like when a keyboard step failed (the focus assertions say where, this shows why).
test.afterEach(async ({ page }, info) => {
  if (info.status !== info.expectedStatus) await page.screenshot({ path: 'test-results/screenshots/keyboard-failure.png' });
});

/** Tab (or, inside the menu, the arrow keys) until `target` has focus, never passing through the body. */
async function reach(page: Page, target: Locator, what: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false)) return;
    await expectFocusNotLost(page, `Tab towards ${what}`);
    const role = await page.evaluate(() =>
      (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute(
        'role',
      ),
    );
    const inMenu = role === 'menu' || role === 'menuitem';
    const targetInMenu = (await target.getAttribute('role')) === 'menuitem';
    await page.keyboard.press(inMenu && targetInMenu ? 'ArrowDown' : 'Tab');
    // The menu moves focus to the next item a frame after the arrow key (rc-menu): wait for it, as
    // a person's next key would, so the key after this one does not race a focus still to come.
    await page.evaluate('new Promise((settled) => requestAnimationFrame(() => requestAnimationFrame(settled)))');
  }
  throw new Error(`could not reach ${what} with the keyboard`);
}

async function press(page: Page, target: Locator, what: string, key = 'Enter'): Promise<void> {
  await reach(page, target, what);
  await page.keyboard.press(key);
}

async function logInByKeyboard(page: Page) {
  await expect(page.getByLabel('帳號')).toBeFocused();
  await page.keyboard.type('vendor');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('密碼', { exact: true })).toBeFocused();
  await page.keyboard.type('gongwen-demo');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: '待辦公文' })).toBeFocused();
}

async function openByKeyboard(page: Page, subject: string) {
  await press(page, page.getByRole('button', { name: subject }), subject);
  await expect(page.getByRole('heading', { level: 1, name: /^公文 \d+$/ })).toBeFocused();
  await expect(page.getByText(subject).first()).toBeVisible();
}

async function openSendByKeyboard(page: Page) {
  await press(page, page.getByRole('button', { name: '傳送', exact: true }), '傳送');
  await expect(page.locator('#send-action')).toBeFocused(); // the first field, not the close button
  await page.keyboard.press('Tab');
  await expect(page.locator('#send-recipient')).toBeFocused();
  await page.keyboard.type('葉彥志');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toContainText('葉彥志（資通建設科 科長）');
}

test('the seed’s walkthrough from the keyboard alone: focus is always where the clerk acts next', async ({ page }) => {
  await documentsFor(system.service.url, 'vendor', ['鍵盤測試公文甲', '鍵盤測試公文乙']);
  const desktop = await startDesktopApp('vendor', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await logInByKeyboard(page);
    await expect(page).toHaveTitle('待辦公文 - GongwenDesk 公文簽核');

    // IFT930: apply, then focus is on the enable form's password; enable, then on the heading.
    await reach(page, page.getByRole('menuitem', { name: /IFT930/ }), 'IFT930');
    await screenshot(page, '14-keyboard-menu-focus');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: /IFT930/ })).toBeFocused();
    await reach(page, page.getByLabel('軟體憑證密碼'), '軟體憑證密碼');
    await page.keyboard.type(TEMP_PASSWORD);
    await reach(page, page.getByLabel('申請原因'), '申請原因'); // past the show-password button
    await page.keyboard.type('出差未攜帶憑證卡');
    await reach(page, page.getByLabel('登入密碼（確認本人）'), '登入密碼');
    await page.keyboard.type('gongwen-demo');
    await press(page, page.getByRole('button', { name: '申請憑證' }), '申請憑證');
    await expect(page.getByLabel('數位憑證密碼')).toBeFocused();
    await page.keyboard.type(TEMP_PASSWORD);
    await reach(page, page.getByLabel('登入密碼（確認本人）'), '登入密碼');
    await page.keyboard.type('gongwen-demo');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('temp-cert-state')).toHaveText('已在這台電腦啟用');
    await expect(page.getByRole('heading', { level: 1, name: /IFT930/ })).toBeFocused();

    // Log out and in again.
    await press(page, page.getByRole('button', { name: '登出' }), '登出');
    await logInByKeyboard(page);

    // 甲 with the temp cert: Escape asks before discarding a typed opinion; Enter sends.
    await openByKeyboard(page, '鍵盤測試公文甲');
    await openSendByKeyboard(page);
    await reach(page, page.locator('#send-opinion'), '簽核意見');
    await page.keyboard.type('請核示');
    await page.keyboard.press('Escape');
    const askDiscard = page.getByRole('dialog').filter({ hasText: '放棄已輸入的內容？' });
    await expect(askDiscard).toBeVisible();
    await expect(page.getByRole('button', { name: '繼續編輯' })).toBeFocused();
    await screenshot(page, '15-keyboard-discard-opinion');
    await page.keyboard.press('Enter');
    await expect(askDiscard).toBeHidden();
    await expect(page.locator('#send-opinion')).toHaveValue('請核示');
    await reach(page, page.getByRole('checkbox', { name: '使用軟體臨時憑證' }), '使用軟體臨時憑證');
    await page.keyboard.press('Space');
    await expect(page.getByRole('checkbox', { name: '使用軟體臨時憑證' })).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('軟體憑證密碼')).toBeFocused();
    await page.keyboard.type(TEMP_PASSWORD);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: '公文已傳送至下一流程。' })).toBeVisible();
    await expect(page.getByRole('button', { name: '返回' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: '待辦公文' })).toBeFocused();

    // 乙 with the card: closing the dialog returns focus to 傳送; a wrong PIN keeps focus on the PIN.
    await openByKeyboard(page, '鍵盤測試公文乙');
    await press(page, page.getByRole('button', { name: '傳送', exact: true }), '傳送');
    await expect(page.locator('#send-action')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: '傳送', exact: true })).toBeFocused();
    await openSendByKeyboard(page);
    // Tab goes round inside the dialog: never out to the page behind it or to the body.
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      await expect(page.getByRole('dialog').locator(':focus')).toHaveCount(1);
    }
    await reach(page, page.getByRole('checkbox', { name: '使用軟體臨時憑證' }), '使用軟體臨時憑證');
    await page.keyboard.press('Space'); // sticky from 甲: untick it to use the card
    await expect(page.getByRole('checkbox', { name: '使用軟體臨時憑證' })).not.toBeChecked();
    const pin = page.getByLabel('憑證卡密碼（PIN 碼）');
    await reach(page, pin, 'PIN');
    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await expect(pin).toHaveAttribute('aria-invalid', 'true');
    await expect(pin).toBeFocused();
    await expect(pin).toHaveAccessibleDescription(/憑證卡密碼（PIN 碼）錯誤/);
    await screenshot(page, '16-keyboard-wrong-pin-focus');
    await page.keyboard.type(desktop.card.pin);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: '公文已傳送至下一流程。' })).toBeVisible();
    await expect(page.getByRole('button', { name: '返回' })).toBeFocused();

    // IFT940: note, PIN, Enter; then 停用, cancelled once, then confirmed.
    await press(page, page.getByRole('menuitem', { name: /IFT940/ }), 'IFT940');
    await expect(page.getByRole('heading', { level: 1, name: /IFT940/ })).toBeFocused();
    await expect(page.getByRole('table', { name: '待補簽公文' })).toContainText('鍵盤測試公文甲');
    await reach(page, page.getByLabel('補簽註記'), '補簽註記');
    await page.keyboard.type('出差返回，以實體卡補簽');
    await page.keyboard.press('Tab');
    await page.keyboard.type(desktop.card.pin);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('resign-report')).toContainText('補簽完成：1 件。');
    await expectFocusNotLost(page, '補簽');
    const disable = page.getByRole('button', { name: '臨時憑證停用' });
    await press(page, disable, '臨時憑證停用');
    await expect(page.getByRole('button', { name: '取消', exact: true })).toBeVisible();
    await screenshot(page, '17-keyboard-disable-confirmation');
    await press(page, page.getByRole('button', { name: '取消', exact: true }), 'the confirmation’s 取消');
    await expect(disable).toBeFocused();
    await page.keyboard.press('Enter');
    await press(page, page.getByRole('button', { name: '確定', exact: true }), 'the confirmation’s 確定');
    await expect(page.getByRole('status').filter({ hasText: '臨時憑證已停用。' })).toBeVisible();
    await expect(disable).toBeFocused();
  } finally {
    await desktop.close();
  }
});
