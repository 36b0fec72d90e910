import { expect, test } from '@playwright/test';
import { formatRocDate } from '../../src-shared/common/roc-date.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { createContext } from '../../src-server/service.js';
import { insertVirtualCard, removeVirtualCard } from '../../tools/virtual-card.js';
import { makeCardIssuer, type CardIssuer, type IssuedCard } from '../helpers/card-generations.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { bindBridge, screenshot, serveRenderer, startDesktopApp, type DesktopUnderTest } from './harness.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;

// 憑證卡登入 and 註冊新憑證卡 in zh-TW, with SoftHSM as the card and the real service, whose card
// roots also trust a MOICA-style root for the old and the new card of 陳志明.
let service: ServiceProcess;
let renderer: Awaited<ReturnType<typeof serveRenderer>>;
let issuer: CardIssuer;
let oldCard: IssuedCard;
let newCard: IssuedCard;
const oldNotAfter = new Date(Date.now() + 2 * YEAR_MS);

test.beforeAll(async () => {
  issuer = await makeCardIssuer();
  oldCard = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' }, { notAfter: oldNotAfter });
  newCard = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
  service = await startServiceProcess('sqlite', { extraCardRootsPem: issuer.rootPem });
  // The administrator registered his current card at the service's command line (register-card).
  const ctx = await createContext({
    dataDir: service.env.GONGWEN_DATA_DIR!,
    tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT,
    tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY,
  });
  await registerCardCertificate(ctx, 'chen.chiming', oldCard.der);
  await ctx.storage.close();
  renderer = await serveRenderer();
});
test.afterAll(async () => {
  await renderer?.close();
  await service?.stop();
});

/** Resolves when the app's card thread next reports `state`. */
function nextCardState(desktop: DesktopUnderTest, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${state} card status within 15 s`)), 15_000);
    const stop = desktop.app.core.card.onStatus((s) => {
      if (s.state === state) {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  });
}

/** Pulls the card in the reader and inserts `card`, as the clerk swapping cards; waits until the app has seen both. */
async function swapCard(desktop: DesktopUnderTest, card: IssuedCard) {
  const out = nextCardState(desktop, 'no-card');
  removeVirtualCard(desktop.card);
  await out;
  const ready = nextCardState(desktop, 'ready');
  desktop.card = insertVirtualCard(desktop.card, card);
  await ready;
}

test('憑證卡登入: account and PIN, the card signs the challenge; someone else’s account is refused in words', async ({ page }) => {
  const desktop = await startDesktopApp('chen.chiming', service.url);
  try {
    await bindBridge(page, desktop);
    await page.goto(renderer.url);
    await page.getByText('憑證卡登入', { exact: true }).click();
    await page.getByLabel('帳號').fill('wang.meiling');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await screenshot(page, 'card-01-login');
    await page.getByRole('button', { name: '以憑證卡登入' }).click();
    await expect(page.getByRole('alert')).toContainText('這張憑證卡登錄在其他人的帳號下');
    await screenshot(page, 'card-02-login-other-account');

    await page.getByLabel('帳號').fill('chen.chiming');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.getByRole('button', { name: '以憑證卡登入' }).click();
    await expect(page.getByRole('menuitem', { name: '待辦公文' })).toBeVisible();
    await screenshot(page, 'card-03-logged-in');
    // The PIN never came back from the main process.
    expect(JSON.stringify(desktop.calls)).not.toContain(`"${desktop.card.pin}"`);
  } finally {
    await desktop.close();
  }
});

test('註冊新憑證卡: the new card of the same person is registered in the settings, the old one retired', async ({ page }) => {
  const desktop = await startDesktopApp('chen.chiming', service.url);
  try {
    await bindBridge(page, desktop);
    await swapCard(desktop, oldCard);
    await page.goto(renderer.url);
    await page.getByText('憑證卡登入', { exact: true }).click();
    await page.getByLabel('帳號').fill('chen.chiming');
    await page.getByLabel('憑證卡密碼（PIN 碼）').fill(desktop.card.pin);
    await page.getByRole('button', { name: '以憑證卡登入' }).click();
    await expect(page.getByRole('menuitem', { name: '待辦公文' })).toBeVisible();

    await page.getByRole('menuitem', { name: '設定' }).click();
    await expect(page.getByTestId('cards').getByRole('row')).toHaveCount(3); // the header, the demo card, the old card
    await screenshot(page, 'card-04-settings-cards');

    await swapCard(desktop, newCard);
    await page.getByLabel('新憑證卡的 PIN 碼').fill(desktop.card.pin);
    await page.getByRole('button', { name: '註冊新憑證卡' }).click();
    await expect(page.getByRole('status').filter({ hasText: '新憑證卡已註冊' })).toBeVisible();
    await expect(page.getByTestId('cards').getByRole('row')).toHaveCount(4);
    await screenshot(page, 'card-05-new-card-registered');

    await page.getByRole('button', { name: `停用 陳志明 ${formatRocDate(oldNotAfter)}` }).click();
    await page.getByRole('button', { name: '確定' }).click();
    await expect(page.getByRole('status').filter({ hasText: '舊憑證卡已停用' })).toBeVisible();
    await expect(page.getByTestId('cards').getByText('已停用')).toHaveCount(1);
    await screenshot(page, 'card-06-old-card-retired');

    // A card that is not the same person's: refused with a sentence a clerk understands.
    await swapCard(desktop, await issuer.issue({ name: '陳志明', serialNumber: '0009Z999' }));
    await page.getByLabel('新憑證卡的 PIN 碼').fill(desktop.card.pin);
    await page.getByRole('button', { name: '註冊新憑證卡' }).click();
    await expect(page.getByRole('alert')).toContainText('新憑證卡上的姓名或身分識別碼與您已登錄的憑證卡不同');
    await screenshot(page, 'card-07-other-person-refused');
  } finally {
    await desktop.close();
  }
});
