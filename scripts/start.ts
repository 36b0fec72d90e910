import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { insertVirtualCard, makeVirtualReader, softhsmModulePath } from '../tools/virtual-card.js';
import { DesktopApp } from '../src-main/app/desktop-app.js';
import { loadDemoPki } from '../tools/demo/demo-pki.js';
import { openBrowserShell, serveRenderer, TRIAL_TITLE_MARK } from './browser-shell.js';
import { NO_ELECTRON_SENTENCE, electronBinary } from './electron-binary.js';

/**
 * npm start: the whole system on one machine. The document service with the demo's people and
 * documents on 127.0.0.1, a virtual card (SoftHSM) holding the vendor's card key where SoftHSM is
 * installed, and the desktop app pointed at both. Everything lives in ./.demo.
 *
 * The desktop app is the Electron app when its binary is installed (the product). Where it could
 * not be downloaded, the same app (DesktopApp and the IPC handlers, in this process) runs in
 * Debian's Chromium through the browser shell the end-to-end tests bind: a window when there is a
 * display, its title saying it is the development/trial path.
 */
const electron = electronBinary();

// Without Electron the app runs in this process, so it needs a Secret Service here: on a Linux
// machine with no session bus (a server, a container) run inside a private, throwaway one.
if (!electron && process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS && existsSync('test/env/with-keyring.sh')) {
  console.log(
    '沒有 D-Bus 工作階段：在暫時的金鑰圈中執行（結束後臨時憑證即消失） — no D-Bus session: running inside a throwaway keyring (temp certs last until you stop it).',
  );
  const r = spawnSync('test/env/with-keyring.sh', [process.execPath, '--import', 'tsx', 'scripts/start.ts'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const demo = resolve('.demo');
const serviceData = join(demo, 'service');
const port = process.env.PORT ?? '8380';
const serviceUrl = `http://127.0.0.1:${port}`;
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npm', ['run', '-s', electron ? 'build' : 'build:renderer']);
const serviceEnv = { ...process.env, GONGWEN_DATA_DIR: serviceData, DATABASE_URL: '' };
run(process.execPath, ['--import', 'tsx', 'tools/demo/seed-demo-command.ts'], serviceEnv);

const card: { SOFTHSM2_CONF?: string; GONGWEN_PKCS11_MODULE?: string } = {};
try {
  const modulePath = softhsmModulePath();
  const cardDir = join(demo, 'card');
  const reader = makeVirtualReader(cardDir);
  if (!existsSync(join(cardDir, 'sign.cert.der'))) insertVirtualCard(reader, (await loadDemoPki(join(serviceData, 'demo-pki'))).cards.vendor!);
  Object.assign(card, { SOFTHSM2_CONF: reader.conf, GONGWEN_PKCS11_MODULE: modulePath });
  console.log(`virtual card: the vendor's (公文系統廠商) card, PIN ${reader.pin}`);
} catch (error) {
  console.log(`no virtual card (${error instanceof Error ? error.message : String(error)}); a real card reader works as usual`);
}

const service: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'serve', '--port', port], { env: serviceEnv, stdio: 'inherit' });
// However this process ends (Ctrl+C, a closed window, an error), the service ends with it.
process.on('exit', () => service.kill());
await waitForService(serviceUrl);
console.log('log in as vendor / gongwen-demo (temp-cert password gongwen-temp); other accounts are in the README');

if (electron) {
  const desktop = spawn(electron, ['.', `--user-data-dir=${join(demo, 'desktop')}`], {
    env: { ...process.env, ...card, GONGWEN_SERVICE_URL: serviceUrl },
    stdio: 'inherit',
  });
  const stop = () => {
    desktop.kill();
    service.kill();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  desktop.on('exit', (code) => {
    service.kill();
    process.exitCode = code ?? 0;
  });
} else {
  await startInChromium();
}

/** The trial path: DesktopApp in this process, its page in Chromium, until the window closes or Ctrl+C. */
async function startInChromium(): Promise<void> {
  console.log(NO_ELECTRON_SENTENCE);
  console.log('改以 Chromium 開啟同一個應用程式（開發試用） — opening the same app in Chromium instead (the development/trial path).');
  // The card worker is started by DesktopApp in this process and reads SOFTHSM2_CONF from it.
  Object.assign(process.env, card);
  const app = await DesktopApp.start({ dataDir: join(demo, 'desktop-chromium'), defaultServiceUrl: serviceUrl, defaultModulePath: card.GONGWEN_PKCS11_MODULE });
  const renderer = await serveRenderer({ port: Number(process.env.GONGWEN_RENDERER_PORT ?? Number(port) + 1) });
  const display = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const shell = await openBrowserShell(app, renderer.url, { headless: !display });
  // A development path: the page's own errors belong on this terminal.
  shell.page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  shell.page.on('console', (message) => message.type() === 'error' && console.error(`page console: ${message.text()}`));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await shell.close().catch(() => {});
      await app.close().catch(() => {});
      await renderer.close();
      service.kill();
    })());
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  void shell.closed.then(stop);

  console.log(`page: ${renderer.url} (window.gongwen is bound in the Chromium window this opened, not in another browser)`);
  console.log(`window title: the screen's, followed by ${TRIAL_TITLE_MARK}`);
  if (display) {
    console.log('關閉視窗或按 Ctrl+C 結束 — to stop: close the window or press Ctrl+C.');
  } else {
    const shot = join(demo, 'login.png');
    await shell.page.getByRole('heading', { name: '登入電子公文系統' }).waitFor();
    await shell.page.screenshot({ path: shot });
    console.log(`沒有顯示器，Chromium 以無視窗模式執行；登入畫面截圖：${shot} — no display: Chromium runs without a window (login screen saved to ${shot}).`);
    console.log(
      '要看到視窗：apt-get install xvfb 後執行 `xvfb-run -a npm start`，或在有桌面的電腦上執行 — for a window, run `xvfb-run -a npm start` (apt-get install xvfb) or use a machine with a desktop.',
    );
    console.log('按 Ctrl+C 結束 — to stop: press Ctrl+C.');
  }
}

/** The service answers /api/health (it seeds nothing, so this takes a second or two). */
async function waitForService(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (service.exitCode !== null) process.exit(service.exitCode);
    await new Promise((r) => setTimeout(r, 100));
  }
}
