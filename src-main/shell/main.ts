import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, protocol, session, type WebContents } from 'electron';
import { GongwenError, messageOf } from '../../src-shared/common/errors.js';
import { ipcEvents } from '../../src-shared/common/ipc/contract.js';
import { DesktopApp } from '../app/desktop-app.js';
import { dispatchIpc, isIpcChannel } from '../ipc/dispatch.js';
import { rendererContentType, rendererFileFor } from './renderer-path.js';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, IPC_PREFIX, isTrustedSender } from './security.js';

/**
 * The Electron shell: one window, one instance, the UI from app://, every permission denied,
 * navigation and new windows blocked, IPC only from our own page and only on known channels.
 * Everything else lives in plain-Node modules the tests run directly.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(APP_ORIGIN)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    protocol.handle(APP_SCHEME, serveRenderer);

    // The environment points the demo (npm start) at its local service and virtual card; an
    // installed app takes both from Settings or the administrator's configuration file.
    let desktop: DesktopApp;
    try {
      desktop = await DesktopApp.start({
        dataDir: app.getPath('userData'),
        defaultServiceUrl: process.env.GONGWEN_SERVICE_URL,
        defaultModulePath: process.env.GONGWEN_PKCS11_MODULE,
        confirmServiceUrl: confirmServiceUrlChange,
        confirmAgencyCa: confirmAgencyCaChange,
      });
    } catch (error) {
      // An outbox another instance holds, or a journal that cannot be read: say so, and leave it untouched.
      const code = error instanceof GongwenError ? error.code : 'INTERNAL';
      dialog.showErrorBox('GongwenDesk 無法啟動 Cannot start', `${messageOf(code, 'zh-TW')}\n${messageOf(code, 'en')}`);
      app.quit();
      return;
    }
    ipcMain.handle(`${IPC_PREFIX}invoke`, async (event, channel: unknown, input: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url)) return { ok: false, error: { code: 'FORBIDDEN', message: 'untrusted sender' } };
      if (!isIpcChannel(channel)) return { ok: false, error: { code: 'NOT_FOUND', message: 'unknown channel' } };
      return dispatchIpc(desktop, channel, input);
    });

    window = new BrowserWindow({
      width: 1280,
      height: 860,
      minWidth: 960,
      minHeight: 640,
      title: 'GongwenDesk 公文簽核',
      show: false,
      // Written out here, where a reader and a scanner (Electronegativity) see them.
      webPreferences: {
        preload: join(here, 'preload.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        spellcheck: false,
        navigateOnDragDrop: false,
        disableBlinkFeatures: 'Auxclick',
      },
    });
    desktop.on((name, payload) => {
      if ((ipcEvents as readonly string[]).includes(name)) window?.webContents.send(`${IPC_PREFIX}${name}`, payload);
    });
    window.once('ready-to-show', () => window?.show());
    await window.loadURL(`${APP_ORIGIN}/index.html`);

    app.on('window-all-closed', () => {
      void desktop.close().finally(() => app.quit());
    });
  });
}

/** A native dialog, which the page can neither draw nor answer: the clerk sees where logins will go. */
async function confirmServiceUrlChange(next: string, current: string): Promise<boolean> {
  return confirmInDialog({
    title: '變更公文系統網址 Change the service address',
    message: `要將公文系統網址變更為\n${next}\n嗎？\nChange the document service address to\n${next} ?`,
    detail: `目前網址 Current: ${current || '（未設定 none）'}\n登入帳號密碼與簽章都會送到新的網址；若不是您或系統管理員要求的變更，請選「取消」。\nYour password and signatures will go to the new address; cancel unless you or your administrator asked for this.`,
    yes: '變更 Change',
  });
}

/** As for the address: trusting another CA could let a machine in the middle pose as the service. */
async function confirmAgencyCaChange(path: string, subject: string): Promise<boolean> {
  return confirmInDialog({
    title: '信任本機關 CA Trust the agency CA',
    message: `要信任這個 CA 憑證來連線公文系統嗎？\n${subject}\nTrust this CA certificate for the document service?`,
    detail: `檔案 File: ${path}\n若不是您或系統管理員要求的變更，請選「取消」。\nCancel unless you or your administrator asked for this.`,
    yes: '信任 Trust',
  });
}

/** A warning with 取消 as the default answer; true only when the clerk chose `yes`. */
async function confirmInDialog(text: { title: string; message: string; detail: string; yes: string }): Promise<boolean> {
  const options = {
    type: 'warning' as const,
    title: text.title,
    message: text.message,
    detail: text.detail,
    buttons: ['取消 Cancel', text.yes],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
  const parent = BrowserWindow.getFocusedWindow();
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response === 1;
}

/** app://gongwen/<path> → a file of the built renderer, never outside it (see renderer-path.ts). */
async function serveRenderer(request: Request): Promise<Response> {
  const file = rendererFileFor(request.url, rendererDir);
  if ('status' in file) return new Response(file.status === 400 ? 'bad request' : 'not found', { status: file.status });
  try {
    const body = await readFile(file.path);
    return new Response(body, {
      headers: {
        'content-type': rendererContentType(file.path),
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}
