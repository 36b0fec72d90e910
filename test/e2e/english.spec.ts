import { expect, test } from '@playwright/test';
import { expectAccessible } from './a11y.js';
import { bindBridge, chooseRecipientIn, documentsFor, startDesktopApp, useSystem } from './harness.js';

// The same screens in English: the language switch reaches the page's lang and the window title,
// and axe (WCAG 2.1 AA) finds nothing serious in any state on the way.

const TEMP_PASSWORD = 'temp-cert-pw-en-1';
const system = useSystem();

test('in English: lang and title follow the setting, and every screen state passes axe', async ({ page }) => {
  await documentsFor(system.service.url, 'lin.shufen', ['English walk document']);
  const desktop = await startDesktopApp('lin.shufen', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hant-TW');
    await page.getByLabel('帳號').fill('lin.shufen');
    await page.getByLabel('密碼', { exact: true }).fill('gongwen-demo');
    await page.getByRole('button', { name: '登入' }).click();

    // Settings → English.
    await page.getByRole('menuitem', { name: '設定' }).click();
    await expect(page).toHaveTitle('設定 - GongwenDesk 公文簽核');
    await page.getByLabel('語言').click();
    await page.getByTitle('English').click();
    await page.getByRole('button', { name: '儲存' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(page).toHaveTitle('Settings - GongwenDesk Document approval');
    await page.getByRole('button', { name: 'Check reader and card' }).click();
    await expect(page.getByRole('region', { name: 'Card diagnostics' })).toBeVisible();
    await expectAccessible(page, 'en: settings with diagnostics');

    await page.getByRole('menuitem', { name: 'Inbox' }).click();
    await expect(page).toHaveTitle('Inbox - GongwenDesk Document approval');
    await expect(page.getByTestId('inbox-count')).toHaveText('1 documents');
    await expectAccessible(page, 'en: inbox');
    await page.getByRole('searchbox', { name: 'Search subject or number' }).fill('no such subject');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByText('Nothing to do')).toBeVisible();
    await expectAccessible(page, 'en: inbox, nothing found');

    await page.getByRole('menuitem', { name: /IFT930/ }).click();
    await expectAccessible(page, 'en: IFT930 not applied');
    await page.getByRole('button', { name: 'Apply for certificate' }).click();
    await expect(page.getByLabel('Temporary-certificate password')).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'en: IFT930 form errors');
    await page.getByLabel('Temporary-certificate password').fill(TEMP_PASSWORD);
    await page.getByLabel('Reason').fill('Travelling without the card');
    await page.getByLabel('Login password (to confirm it is you)').fill('gongwen-demo');
    await page.getByRole('button', { name: 'Apply for certificate' }).click();
    await expect(page.getByTestId('temp-cert-state')).toHaveText('Applied, not enabled on this computer');
    await expectAccessible(page, 'en: IFT930 applied');

    await page.getByRole('menuitem', { name: 'Inbox' }).click();
    await page.getByRole('button', { name: 'English walk document' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /^Document \d+$/ })).toBeVisible();
    await expectAccessible(page, 'en: document');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await chooseRecipientIn(page, 'Next person', '葉彥志');
    await page.getByLabel('Card PIN').fill('000000');
    await page.locator('#send-ok').click();
    await expect(page.getByLabel('Card PIN')).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'en: send dialog, wrong PIN');
    await page.getByLabel('Card PIN').fill(desktop.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByRole('status').filter({ hasText: 'The document moved on to the next step.' })).toBeVisible();
    // The dialog fades out; axe judges the screen the clerk is left with, not the fade.
    await expect(page.getByRole('dialog')).toBeHidden();
    await expectAccessible(page, 'en: document sent');

    await page.getByRole('menuitem', { name: /IFT940/ }).click();
    await expect(page.getByText('Nothing to re-sign.')).toBeVisible();
    await expectAccessible(page, 'en: IFT940 nothing to re-sign');
  } finally {
    await desktop.close();
  }
});
