import { expect, test } from '@playwright/test';
import { openBrowserShell, TRIAL_TITLE_MARK } from '../../scripts/browser-shell.js';
import { screenshot, startDesktopApp, useSystem } from './harness.js';

// `npm start` without Electron's binary: the same DesktopApp in Chromium through the browser
// shell (scripts/browser-shell.ts, what scripts/start.ts opens), here without a window.
const system = useSystem();

test('npm start’s trial path shows the working login screen, titled as the trial path', async () => {
  const desktop = await startDesktopApp('vendor', system.service.url);
  const shell = await openBrowserShell(desktop.app, system.renderer.url, { headless: true });
  try {
    const page = shell.page;
    await expect(page.getByRole('heading', { name: '登入電子公文系統' })).toBeVisible();
    await expect(page).toHaveTitle(`登入電子公文系統 - GongwenDesk 公文簽核${TRIAL_TITLE_MARK}`);
    expect(TRIAL_TITLE_MARK).toMatch(/開發試用.*development\/trial path, not the product/);
    await screenshot(page, '00-trial-start-login');
    // The screen works: logging in goes through the bridge to the service.
    await page.getByLabel('帳號').fill('vendor');
    await page.getByLabel('密碼', { exact: true }).fill('gongwen-demo');
    await page.getByRole('button', { name: '登入' }).click();
    await expect(page.getByRole('menuitem', { name: '待辦公文' })).toBeVisible();
    // Each screen names the window; the mark stays.
    await expect(page).toHaveTitle(`待辦公文 - GongwenDesk 公文簽核${TRIAL_TITLE_MARK}`);
  } finally {
    await shell.close();
    await desktop.close();
  }
});
