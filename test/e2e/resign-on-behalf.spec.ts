import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { openStorage } from '../../src-server/storage/database.js';
import { bindBridge, logIn, screenshot, startDesktopApp, useSystem, type DesktopUnderTest } from './harness.js';

const system = useSystem();

/**
 * One PC at a time: a process has one SoftHSM configuration, and two card threads on two of them
 * crash it. Each PC is started, used and closed; a window of its own is opened for it.
 */
async function onPc<T>(browser: Browser, account: string, use: (pc: DesktopUnderTest, page: Page) => Promise<T>): Promise<T> {
  const pc = await startDesktopApp(account, system.service.url);
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-TW', timezoneId: 'Asia/Taipei', reducedMotion: 'reduce' });
  try {
    const page = await context.newPage();
    await bindBridge(page, pc);
    await page.goto(system.renderer.url);
    await logIn(page, account);
    return await use(pc, page);
  } finally {
    await context.close();
    await pc.close();
  }
}

async function openInInbox(page: Page, subject: string) {
  await page.getByRole('menuitem', { name: '待辦公文' }).click();
  await page.getByText(subject).click();
  await expect(page.getByRole('button', { name: '傳送' })).toBeVisible();
}

/**
 * Issue 16 end to end, in zh-TW: the vendor signed with the temp cert and left; 歸檔 is refused
 * with a sentence naming the step and who may re-sign it; the unit head re-signs on the vendor's
 * behalf in IFT940 with a reason; the flow shows it; the document is archived.
 */
test('a clerk leaves; 歸檔 names who must act; the unit head re-signs on their behalf; the document is archived', async ({ browser }) => {
  const subject = '離職人員經辦公文';
  const reason = '承辦人已離職，由主管代為補簽';
  // The vendor sends with the temp cert; 葉彥志 decides with the card and passes it to 陳志明 to file.
  const documentId = await onPc(browser, 'vendor', async (pc) => {
    const vendor = await ClerkSession.login(pc.app.core, system.service.url, 'vendor', 'gongwen-demo');
    await vendor.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await vendor.tempCerts.enable('vendor', 'temp-pass-1234', 'PC', 'gongwen-demo');
    const created = await vendor.client.createDocument({ subject, body: '請核示。' });
    const sent = await vendor.send(
      await vendor.client.document(created.id),
      { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '出差中' },
      { useTempCert: true, tempCertPassword: 'temp-pass-1234' },
    );
    expect(sent.status).toBe('delivered');
    await vendor.logout();
    return created.id;
  });
  await onPc(browser, 'yeh.yenchih', async (pc) => {
    const decider = await ClerkSession.login(pc.app.core, system.service.url, 'yeh.yenchih', 'gongwen-demo');
    const sent = await decider.send(
      await decider.client.document(documentId),
      { action: '決行', recipient: 'chen.chiming', opinion: '如擬' },
      { pin: pc.card.pin },
    );
    expect(sent.status).toBe('delivered');
    await decider.logout();
  });

  // The organisation: 葉彥志 heads 資通建設科; the vendor has left.
  const storage = await openStorage(join(system.service.env.GONGWEN_DATA_DIR!, 'gongwen.sqlite'));
  try {
    await storage.write(async (trx) => {
      const head = await trx.selectFrom('users').select('id').where('account', '=', 'yeh.yenchih').executeTakeFirstOrThrow();
      await trx.updateTable('units').set({ head_user_id: head.id }).where('id', '=', 'ict').execute();
      await trx
        .updateTable('users')
        .set({ separated_at: new Date(Date.now() - 1000).toISOString() })
        .where('account', '=', 'vendor')
        .execute();
    });
  } finally {
    await storage.close();
  }

  // 陳志明 tries 歸檔: refused, naming step 1 and who may re-sign it.
  await onPc(browser, 'chen.chiming', async (pc, page) => {
    await openInInbox(page, subject);
    await page.getByRole('button', { name: '傳送' }).click();
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(pc.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByText('第 1 關 公文系統廠商：待補簽（已離職，可由 葉彥志（主管） 代為補簽）')).toBeVisible();
    await screenshot(page, '14-archive-refused-names-who-must-act');
  });

  // 葉彥志 in IFT940: the second list, 代為補簽; select, reason, note, one PIN.
  const number = (await flowOf(documentId)).number;
  await onPc(browser, 'yeh.yenchih', async (pc, page) => {
    await page.getByRole('menuitem', { name: /IFT940/ }).click();
    const list = page.getByTestId('resign-on-behalf-pending');
    await expect(list).toContainText(subject);
    await expect(list).toContainText('公文系統廠商');
    await expect(list).toContainText('簽核人已離職');
    await page.getByRole('checkbox', { name: `${number} 公文系統廠商` }).check();
    await page.getByTestId('resign-on-behalf-reason').fill(reason);
    await page.getByTestId('resign-on-behalf-note').fill('主管代為補簽');
    await page.getByTestId('resign-on-behalf-pin').fill(pc.card.pin);
    await screenshot(page, '15-ift940-on-behalf');
    await page.getByRole('button', { name: '代為補簽' }).click();
    await expect(page.getByTestId('resign-on-behalf-report')).toContainText('補簽完成：1 件。');
    await screenshot(page, '16-ift940-on-behalf-done');
  });

  // 陳志明 again: the flow says who re-signed for whom (the reason on hover); 歸檔 goes through.
  await onPc(browser, 'chen.chiming', async (pc, page) => {
    await openInInbox(page, subject);
    const tag = page.getByTestId('flow-resigned-by-other');
    await expect(tag).toHaveText(/^代為補簽 葉彥志（主管）1\d\d\/\d\d\/\d\d \d\d:\d\d$/);
    await expect(page.getByRole('table').last().getByRole('row').nth(1)).toContainText('是 · 代為補簽 葉彥志（主管）');
    await tag.hover();
    await expect(page.getByRole('tooltip')).toHaveText(`原因：${reason}`);
    await screenshot(page, '17-flow-on-behalf');
    await page.getByRole('button', { name: '傳送' }).click();
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(pc.card.pin);
    await page.locator('#send-ok').click();
    await expect(page.getByText('公文已傳送至下一流程。')).toBeVisible();
    await screenshot(page, '18-archived-after-on-behalf');
  });
  const archived = await flowOf(documentId);
  expect(archived.status).toBe('已歸檔');
  expect(archived.flow[0]).toMatchObject({ resignKind: 'on-behalf', resignedBy: '葉彥志', resignRight: 'unit-head', resignReason: reason });
});

async function flowOf(documentId: string) {
  const client = new ServiceClient({ baseUrl: system.service.url });
  await client.login('chen.chiming', 'gongwen-demo');
  return client.document(documentId);
}
