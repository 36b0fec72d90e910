import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { CONTENT_SECURITY_POLICY, isTrustedSender } from '../../src-main/shell/security.js';
import { ipcChannels } from '../../src-shared/common/ipc/contract.js';

describe('the IPC layer refuses what it should', () => {
  let app: DesktopApp;
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-ipc-'));
    app = await DesktopApp.start({ dataDir, defaultServiceUrl: 'http://127.0.0.1:9', adminConfig: join(dataDir, 'none.json'), card: { pollMs: 60_000 } });
  });
  afterAll(() => app.close());

  it('answers an unknown channel with NOT_FOUND', async () => {
    expect(await dispatchIpc(app, 'fs:readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await dispatchIpc(app, { toString: () => 'session:state' }, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it.each([
    ['an extra field', 'session:login', { account: 'vendor', password: 'x', admin: true }],
    ['a wrong type', 'documents:get', { id: 42 }],
    ['an id that is a path', 'documents:get', { id: '../../etc/passwd' }],
    [
      'a bidirectional override in an opinion',
      'step:send',
      { documentId: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11', action: '送請簽核', recipient: 'yeh.yenchih', opinion: 'ok\u202E', pin: '123456' },
    ],
    [
      'a PIN that is not one',
      'step:send',
      { documentId: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11', action: '送請簽核', recipient: 'yeh.yenchih', opinion: '', pin: '12' },
    ],
    ['an action that does not exist', 'step:send', { documentId: '6f1c0a59-3d1e-4a43-9f55-2f4c1e7d0b11', action: 'delete', recipient: null, opinion: '' }],
    ['a service URL that is not a URL', 'settings:set', { serviceUrl: 'javascript:alert(1)' }],
    ['no object at all', 'resign:start', 'note'],
    ['a card serial with a control character', 'card:choose', { serial: '1234\n5678' }],
    ['a card serial longer than any token’s', 'card:choose', { serial: 'A'.repeat(65) }],
    ['a card serial padded with spaces', 'card:choose', { serial: ' 1234 ' }],
    ['a card chosen by slot number', 'card:choose', { serial: 0 }],
    ['a card choice with an extra field', 'card:choose', { serial: '1234', modulePath: '/tmp/libevil.so' }],
  ])('refuses %s with VALIDATION_FAILED and a sentence', async (_what, channel, input) => {
    const result = await dispatchIpc(app, channel, input);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: '有欄位未填或格式不符，請檢查後再試。' } });
  });

  it('refuses to choose a card that is not in a reader, and remembers nothing', async () => {
    expect(await dispatchIpc(app, 'card:choose', { serial: 'c7b516d9aef63ab7' })).toMatchObject({
      ok: false,
      error: { code: 'CARD_NOT_IN_READER', message: '選擇的憑證卡已不在讀卡機中，請重新選擇。' },
    });
    expect(app.settings.get().cardSerial).toBeUndefined();
  });

  it('says "log in first" for work that needs a login, and refuses an insecure service URL', async () => {
    expect(await dispatchIpc(app, 'documents:list', {})).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED', message: '尚未登入或登入已逾時，請重新登入。' },
    });
    expect(await dispatchIpc(app, 'settings:set', { serviceUrl: 'http://doc.agency.gov.tw' })).toMatchObject({
      ok: false,
      error: { code: 'SERVICE_URL_INSECURE' },
    });
  });

  it('asks for the service address when none is set, in its own words', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-ipc-nourl-'));
    const bare = await DesktopApp.start({ dataDir, adminConfig: join(dataDir, 'none.json'), card: { pollMs: 60_000 } });
    try {
      expect(await dispatchIpc(bare, 'session:login', { account: 'vendor', password: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'SERVICE_URL_MISSING', message: '尚未設定公文系統網址，請在「設定」中輸入。' },
      });
    } finally {
      await bare.close();
    }
  });

  it('answers in English once the clerk chooses it', async () => {
    await dispatchIpc(app, 'settings:set', { language: 'en' });
    expect(await dispatchIpc(app, 'documents:list', {})).toMatchObject({
      ok: false,
      error: { message: 'You are not logged in, or your session has expired.' },
    });
    await dispatchIpc(app, 'settings:set', { language: 'zh-TW' });
  });

  it('has a handler for every channel of the contract', async () => {
    const { handlers } = await import('../../src-main/ipc/handlers.js');
    expect(Object.keys(handlers).sort()).toEqual([...ipcChannels].sort());
  });
});

describe('the Electron shell’s security settings', () => {
  it('sandboxes every window, isolates its context and gives it no Node', async () => {
    const main = await readFile('src-main/shell/main.ts', 'utf8');
    expect(main.match(/new BrowserWindow\(/g)).toHaveLength(1); // one window, so one set of settings to hold
    for (const setting of [
      'sandbox: true',
      'contextIsolation: true',
      'nodeIntegration: false',
      'nodeIntegrationInWorker: false',
      'nodeIntegrationInSubFrames: false',
      'webSecurity: true',
      'allowRunningInsecureContent: false',
      'webviewTag: false',
    ]) {
      expect(main).toContain(setting);
    }
  });

  it('has a strict CSP: scripts only from the app, no eval, no network, no framing', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives['default-src']).toBe("'none'");
    expect(directives['script-src']).toBe("'self'");
    expect(directives['connect-src']).toBe("'none'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*/);
  });

  it('takes IPC only from the app’s own page', () => {
    expect(isTrustedSender('app://gongwen/index.html')).toBe(true);
    for (const url of ['file:///etc/passwd', 'https://evil.example/', 'app://other/index.html', 'http://gongwen/', '', undefined])
      expect(isTrustedSender(url)).toBe(false);
  });

  it('blocks navigation, new windows and permissions, and checks the sender, in the shell itself', async () => {
    const main = await readFile('src-main/shell/main.ts', 'utf8');
    expect(main).toMatch(/will-navigate[\s\S]*preventDefault/);
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(main).toMatch(/setPermissionRequestHandler\([\s\S]*?callback\(false\)/);
    expect(main).toMatch(/isTrustedSender\(event\.senderFrame/);
    expect(main).toMatch(/requestSingleInstanceLock/);
    const preload = await readFile('src-main/shell/preload.ts', 'utf8');
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
  });
});

describe('the app:// protocol handler', () => {
  it('answers a URL that does not decode with 400 (it threw URIError outside the handler), and never leaves the renderer folder', async () => {
    const { rendererFileFor } = await import('../../src-main/shell/renderer-path.js');
    const dir = '/opt/gongwen/renderer';
    for (const url of ['app://gongwen/%', 'app://gongwen/%E0%A4%A', 'app://gongwen/assets/%ZZ.js', 'not a url'])
      expect(rendererFileFor(url, dir)).toEqual({ status: 400 });
    expect(rendererFileFor('app://gongwen/', dir)).toEqual({ path: '/opt/gongwen/renderer/index.html' });
    expect(rendererFileFor('app://gongwen/assets/app.js', dir)).toEqual({ path: '/opt/gongwen/renderer/assets/app.js' });
    for (const url of [
      'app://gongwen/..%2F..%2Fetc%2Fpasswd',
      'app://gongwen/%2e%2e/%2e%2e/etc/passwd',
      'app://other/index.html',
      'app://gongwen/..%5C..%5Cwindows',
    ]) {
      const file = rendererFileFor(url, dir);
      if ('path' in file) expect(file.path.startsWith(`${dir}/`)).toBe(true);
      else expect(file.status).toBe(404);
    }
  });
});
