import { mkdtemp, mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/shell/security.js';
import type { VirtualCard } from '../../native/virtual-card.js';
import { virtualCardFor } from '../helpers/virtual-card.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { expectAccessible } from './a11y.js';

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serves the built renderer on loopback with the shell's CSP, as app:// would. */
export async function serveRenderer(): Promise<{ url: string; close(): Promise<void> }> {
  const root = join(process.cwd(), 'out', 'renderer');
  const server: Server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/$/, '/index.html')));
    if (!path.startsWith(root)) return void res.writeHead(404).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/index.html`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface DesktopUnderTest {
  app: DesktopApp;
  card: VirtualCard;
  calls: { channel: string; result: unknown }[];
  close(): Promise<void>;
}

/** The main process's app, as the shell starts it, for one clerk's PC. */
export async function startDesktopApp(account: string, serviceUrl: string, options: { apiWrapper?: string } = {}): Promise<DesktopUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-e2e-'));
  await mkdir(dataDir, { recursive: true });
  const card = await virtualCardFor(account);
  const app = await DesktopApp.start({ dataDir, defaultServiceUrl: serviceUrl, adminConfig: join(dataDir, 'no-admin-config.json'), keychain: new OsKeychain(`GongwenDesk e2e ${dataDir}`), card: { pollMs: 250, apiWrapper: options.apiWrapper } });
  await app.settings.set({ modulePath: card.modulePath });
  await app.replaceCard(card.modulePath);
  return { app, card, calls: [], close: () => app.close() };
}

/**
 * window.gongwen in the page, answered by the very handlers the shell registers (dispatchIpc),
 * and the main process's events pushed into the page. Every answer is recorded for the secrets check.
 */
export async function bindBridge(page: Page, desktop: DesktopUnderTest): Promise<void> {
  await page.exposeBinding('__gongwenInvoke', async (_source, channel: unknown, input: unknown) => {
    const result = await dispatchIpc(desktop.app, channel, input);
    desktop.calls.push({ channel: String(channel), result });
    return result;
  });
  await page.addInitScript(() => {
    const listeners = new Map<string, Set<(payload: unknown) => void>>();
    const w = globalThis as unknown as { gongwen: unknown; __gongwenEmit: (e: string, p: unknown) => void; __gongwenInvoke: (c: string, i: unknown) => Promise<unknown> };
    w.__gongwenEmit = (event, payload) => listeners.get(event)?.forEach((l) => l(payload));
    w.gongwen = {
      invoke: (channel: string, input: unknown) => w.__gongwenInvoke(channel, input),
      on: (event: string, listener: (payload: unknown) => void) => {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return () => listeners.get(event)!.delete(listener);
      },
    };
  });
  desktop.app.on((event, payload) => {
    void page.evaluate(([e, p]) => (globalThis as unknown as { __gongwenEmit: (e: string, p: unknown) => void }).__gongwenEmit(e as string, p), [event, payload] as const).catch(() => {});
  });
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
}
