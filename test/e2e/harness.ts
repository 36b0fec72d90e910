import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { bindBridge as bindDesktopBridge, serveRenderer } from '../../scripts/browser-shell.js';
import type { VirtualCard } from '../../tools/virtual-card.js';
import { virtualCardFor } from '../helpers/virtual-card.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { expectAccessible } from './a11y.js';

/** The built renderer on loopback with the shell's CSP, as app:// would serve it (shared with `npm start`). */
export { serveRenderer } from '../../scripts/browser-shell.js';

export interface DesktopUnderTest {
  app: DesktopApp;
  card: VirtualCard;
  calls: { channel: string; result: unknown }[];
  /** The PC's data folder: another app started on it is the same PC. */
  dataDir: string;
  close(): Promise<void>;
}

/** The main process's app, as the shell starts it, for one clerk's PC. */
export async function startDesktopApp(account: string, serviceUrl: string, options: { apiWrapper?: string; dataDir?: string } = {}): Promise<DesktopUnderTest> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gongwen-e2e-')));
  await mkdir(dataDir, { recursive: true });
  const card = await virtualCardFor(account);
  const app = await DesktopApp.start({
    dataDir,
    defaultServiceUrl: serviceUrl,
    adminConfig: join(dataDir, 'no-admin-config.json'),
    keychain: new OsKeychain(`GongwenDesk e2e ${dataDir}`),
    card: { pollMs: 250, apiWrapper: options.apiWrapper },
  });
  await app.settings.set({ modulePath: card.modulePath });
  await app.replaceCard(card.modulePath);
  return { app, card, calls: [], dataDir, close: () => app.close() };
}

/**
 * window.gongwen in the page, answered by the very handlers the shell registers (dispatchIpc),
 * and the main process's events pushed into the page (scripts/browser-shell.ts, which `npm start`
 * also uses). Every answer is recorded for the secrets check.
 */
export async function bindBridge(page: Page, desktop: DesktopUnderTest): Promise<void> {
  await bindDesktopBridge(page, desktop.app, (channel, result) => desktop.calls.push({ channel, result }));
}

/** Every screen state the suite keeps a picture of is also checked with axe (WCAG 2.1 AA). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join('test-results', 'screenshots', `${name}.png`), fullPage: true });
  await expectAccessible(page, name);
}

/** The service process and the served renderer for one spec file: started before its tests, stopped after. */
export function useSystem(): { readonly service: ServiceProcess; readonly renderer: Awaited<ReturnType<typeof serveRenderer>> } {
  const system = {} as { service: ServiceProcess; renderer: Awaited<ReturnType<typeof serveRenderer>> };
  test.beforeAll(async () => {
    system.service = await startServiceProcess();
    system.renderer = await serveRenderer();
  });
  test.afterAll(async () => {
    await system.renderer.close();
    await system.service.stop();
  });
  return system;
}

/** Documents drafted by `account` through the service, waiting in their inbox. */
export async function documentsFor(serviceUrl: string, account: string, subjects: string[]): Promise<ServiceClient> {
  const client = new ServiceClient({ baseUrl: serviceUrl });
  await client.login(account, 'gongwen-demo');
  for (const subject of subjects) await client.createDocument({ subject, body: '請核示。' });
  return client;
}

/** The login screen, as a clerk fills it. */
export async function logIn(page: Page, account: string): Promise<void> {
  await page.getByLabel('帳號').fill(account);
  await page.getByLabel('密碼', { exact: true }).fill('gongwen-demo');
  await page.getByRole('button', { name: '登入' }).click();
  await expect(page.getByRole('menuitem', { name: '待辦公文' })).toBeVisible();
}

export async function chooseRecipient(page: Page, name: string): Promise<void> {
  await chooseRecipientIn(page, '下一關負責人員', name);
}

/** The same, with the field's label in the UI's language. */
export async function chooseRecipientIn(page: Page, label: string, name: string): Promise<void> {
  await page.getByLabel(label).click();
  await page.getByTitle(new RegExp(name)).click();
  // The list closes with an animation; until it has, it is on the page (and axe would judge it).
  await expect(page.locator('.ant-select-dropdown').filter({ visible: true })).toHaveCount(0);
}
