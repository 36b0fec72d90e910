import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { DesktopApp } from '../src-main/app/desktop-app.js';
import { dispatchIpc } from '../src-main/ipc/dispatch.js';
import { rendererContentType } from '../src-main/shell/renderer-path.js';
import { CONTENT_SECURITY_POLICY } from '../src-main/shell/security.js';

/**
 * The browser shell: the built renderer in Debian's Chromium, with `window.gongwen` answered by
 * the very handlers the Electron shell registers (dispatchIpc) over a real DesktopApp. The
 * end-to-end tests bind it (test/e2e/harness.ts), and `npm start` opens it where Electron's binary
 * cannot be downloaded. It is for development and trying the app: the product is the Electron
 * shell (src-main/shell), whose sandbox, app:// origin and sender checks this does not have.
 */

/**
 * Added to every window title of the browser shell (the app names the window after each screen),
 * so nobody mistakes it for the product.
 */
export const TRIAL_TITLE_MARK = '（開發試用，Chromium）— development/trial path, not the product';

/** Serves the built renderer (out/renderer) on loopback with the shell's CSP, as app:// would. */
export async function serveRenderer(options: { root?: string; port?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const root = options.root ?? join(process.cwd(), 'out', 'renderer');
  const server: Server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/$/, '/index.html')));
    if (!path.startsWith(root + sep)) return void res.writeHead(404).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': rendererContentType(path), 'content-security-policy': CONTENT_SECURITY_POLICY }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/index.html`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * What the preload gives the page, in the page: `gongwen.invoke` calls the binding, `gongwen.on`
 * hears what `__gongwenEmit` pushes. Plain JavaScript text, not a function: a function would be
 * sent as its source after tsx's transform, which adds helpers (`__name`) the page does not have.
 */
const BRIDGE_SCRIPT = `(() => {
  const listeners = new Map();
  globalThis.__gongwenEmit = (event, payload) => listeners.get(event)?.forEach((l) => l(payload));
  globalThis.gongwen = {
    invoke: (channel, input) => globalThis.__gongwenInvoke(channel, input),
    on: (event, listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event).delete(listener);
    },
  };
})();`;

/**
 * window.gongwen in the page, answered by dispatchIpc over `app`, and the app's events pushed into
 * the page. `onAnswer` sees every answer (the tests' secrets check records them).
 */
export async function bindBridge(page: Page, app: DesktopApp, onAnswer?: (channel: string, result: unknown) => void): Promise<void> {
  await page.exposeBinding('__gongwenInvoke', async (_source, channel: unknown, input: unknown) => {
    const result = await dispatchIpc(app, channel, input);
    onAnswer?.(String(channel), result);
    return result;
  });
  await page.addInitScript({ content: BRIDGE_SCRIPT });
  app.on((event, payload) => {
    // Text again (see BRIDGE_SCRIPT); JSON is a JavaScript literal.
    void page.evaluate(`globalThis.__gongwenEmit(${JSON.stringify(event)}, ${JSON.stringify(payload ?? null)})`).catch(() => {});
  });
}

/** Chromium's flags for a machine without a sandbox-capable user namespace (root in a container), quiet and offline. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface BrowserShell {
  browser: Browser;
  page: Page;
  /** Resolves when the clerk closes the window (or the browser goes away). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * `app` in a Chromium window at `rendererUrl` (no window when `headless`), its title marked TRIAL_TITLE_MARK:
 * what `npm start` opens without Electron, and what its test screenshots.
 */
export async function openBrowserShell(app: DesktopApp, rendererUrl: string, options: { headless: boolean; executablePath?: string }): Promise<BrowserShell> {
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: options.headless,
    // No "controlled by automated test software" bar: this is a clerk's window, not a test's.
    ignoreDefaultArgs: ['--enable-automation'],
    args: [...CHROMIUM_ARGS, '--window-size=1280,860', '--lang=zh-TW', '--disable-features=Translate'],
  });
  const context = await browser.newContext({ viewport: options.headless ? { width: 1280, height: 860 } : null, locale: 'zh-TW', timezoneId: 'Asia/Taipei' });
  const page = await context.newPage();
  await bindBridge(page, app);
  // The app retitles the window on every screen; the mark follows each title (plain text for the
  // same reason as BRIDGE_SCRIPT). Setting it is itself a change, which the check then leaves alone.
  await page.addInitScript({
    content: `document.addEventListener('DOMContentLoaded', () => {
      const mark = ${JSON.stringify(TRIAL_TITLE_MARK)};
      const keep = () => { if (!document.title.endsWith(mark)) document.title = document.title + mark; };
      keep();
      new MutationObserver(keep).observe(document.head, { subtree: true, childList: true, characterData: true });
    });`,
  });
  const closed = new Promise<void>((resolve) => {
    page.once('close', () => resolve());
    browser.once('disconnected', () => resolve());
  });
  await page.goto(rendererUrl);
  return { browser, page, closed, close: () => browser.close() };
}
