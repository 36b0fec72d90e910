import { expect, test } from '@playwright/test';
import { bindBridge, documentsFor, logIn, screenshot, startDesktopApp, useSystem } from './harness.js';

// The inbox is paged and searched by the service (documents:list with limit/offset), as a real
// table; the clerk is told the total.

const system = useSystem();

test('the inbox shows 50 rows a page of the service’s total, pages and searches on the service', async ({ page }) => {
  const subjects = Array.from({ length: 55 }, (_, i) => `分頁測試公文第 ${String(i + 1).padStart(2, '0')} 號`);
  await documentsFor(system.service.url, 'chen.chiming', subjects);
  const desktop = await startDesktopApp('chen.chiming', system.service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(system.renderer.url);
    await logIn(page, 'chen.chiming');
    const table = page.getByRole('table', { name: '待辦公文' });
    await expect(page.getByTestId('inbox-count')).toHaveText('共 55 件');
    await expect(table.getByRole('row')).toHaveCount(51); // the header and 50 rows
    await expect(table.getByRole('columnheader')).toHaveText(['公文文號', '主旨', '公文狀態', '異動別', '目前負責人員', '公文接收時間']);
    await screenshot(page, '18-inbox-paged');

    await page.getByTitle('2', { exact: true }).click();
    await expect(table.getByRole('row')).toHaveCount(6);
    await expect(page.getByTestId('inbox-count')).toHaveText('共 55 件');

    await page.getByRole('searchbox', { name: '搜尋主旨或文號' }).fill('第 53 號');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('inbox-count')).toHaveText('共 1 件');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('button', { name: '分頁測試公文第 53 號' })).toBeVisible();
    const lists = desktop.calls.filter((c) => c.channel === 'documents:list').length;
    expect(lists).toBeGreaterThanOrEqual(3); // each page and each search is asked of the service
  } finally {
    await desktop.close();
  }
});
