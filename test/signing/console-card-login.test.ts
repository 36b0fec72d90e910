import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { CONSOLE_CARD_LOGIN_API, CONSOLE_CARD_LOGIN_COOKIE, type ConsoleCardLoginStarted } from '../../src-shared/common/api/console-card-login.js';
import { ADMIN_API, ADMIN_SESSION_COOKIE } from '../../src-shared/common/api/admin.js';
import { grantRole } from '../../src-server/admin/roles.js';
import { createContext } from '../../src-server/service.js';
import type { VirtualCard } from '../../tools/virtual-card.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

/**
 * 主控台登入核准 through the main process's own code (IPC dispatch, ClerkSession, CardService's
 * worker) with SoftHSM as the card, against the service over real HTTP: a browser's login request
 * (made here with fetch, as the console page makes it) approved by the card, picked up by that
 * browser with its cookie.
 */
describe('console login approved with a SoftHSM card', () => {
  let service: ServiceProcess;
  let app: DesktopApp;
  let reader: VirtualCard;

  /** The console page's first step, over HTTP: the code and the request's cookie. */
  async function startInBrowser(): Promise<{ cookie: string; started: ConsoleCardLoginStarted }> {
    const r = await fetch(new URL(CONSOLE_CARD_LOGIN_API.start, service.url), { method: 'POST', headers: { 'user-agent': 'Chromium test' } });
    expect(r.status).toBe(200);
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie.startsWith(`${CONSOLE_CARD_LOGIN_COOKIE}=`)).toBe(true);
    return { cookie, started: (await r.json()) as ConsoleCardLoginStarted };
  }
  const pollInBrowser = (cookie: string) => fetch(new URL(CONSOLE_CARD_LOGIN_API.poll, service.url), { method: 'POST', headers: { cookie } });

  beforeAll(async () => {
    service = await startServiceProcess('sqlite');
    // chen.chiming's demo card is registered by the seed; here he is the records office as well.
    const ctx = await createContext({
      dataDir: service.env.GONGWEN_DATA_DIR!,
      tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT,
      tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY,
    });
    await grantRole(ctx, null, 'chen.chiming', 'records');
    await ctx.storage.close();
    reader = await virtualCardFor('chen.chiming');
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-console-login-'));
    app = await DesktopApp.start({
      dataDir,
      defaultServiceUrl: service.url,
      defaultModulePath: reader.modulePath,
      adminConfig: join(dataDir, 'none.json'),
      card: { pollMs: 200 },
    });
    const login = await dispatchIpc(app, 'session:login', { account: 'chen.chiming', password: 'gongwen-demo' });
    expect(login.ok, JSON.stringify(login)).toBe(true);
  });
  afterAll(async () => {
    await app?.close();
    await service?.stop();
  });

  it('shows where the request came from, signs the service’s challenge with the card, and the browser gets its console session', async () => {
    const browser = await startInBrowser();
    const pending = await pollInBrowser(browser.cookie);
    expect(((await pending.json()) as { state: string }).state).toBe('pending');

    const looked = await dispatchIpc(app, 'consoleLogin:lookup', { userCode: browser.started.userCode.toLowerCase() });
    expect(looked.ok, JSON.stringify(looked)).toBe(true);
    if (!looked.ok) return;
    expect(looked.value).toMatchObject({ userCode: browser.started.userCode, fromAgent: 'Chromium test', sameAddress: true });
    // The challenge stays in the main process.
    expect(JSON.stringify(looked.value)).not.toMatch(/challenge/i);

    const approved = await dispatchIpc(app, 'consoleLogin:approve', { userCode: browser.started.userCode, pin: reader.pin });
    expect(approved.ok, JSON.stringify(approved)).toBe(true);
    expect(JSON.stringify(approved)).not.toContain(reader.pin);

    const picked = await pollInBrowser(browser.cookie);
    expect(picked.status).toBe(200);
    const body = (await picked.json()) as { state: string; me: { account: string; roles: string[] } };
    expect(body).toMatchObject({ state: 'approved', me: { account: 'chen.chiming', roles: ['records'] } });
    const session = picked.headers.getSetCookie().find((c) => c.startsWith(`${ADMIN_SESSION_COOKIE}=`))!;
    const me = await fetch(new URL(ADMIN_API.me, service.url), { headers: { cookie: session.split(';')[0]! } });
    expect(((await me.json()) as { account: string }).account).toBe('chen.chiming');
  });

  it('refuses an approval without a lookup of that code, and a PIN in a bad form, before the card is asked', async () => {
    const browser = await startInBrowser();
    const unlooked = await dispatchIpc(app, 'consoleLogin:approve', { userCode: browser.started.userCode, pin: reader.pin });
    expect(unlooked.ok ? null : unlooked.error.code).toBe('CONSOLE_CARD_LOGIN_UNKNOWN');
    const badPin = await dispatchIpc(app, 'consoleLogin:approve', { userCode: browser.started.userCode, pin: '12' });
    expect(badPin.ok ? null : badPin.error.code).toBe('VALIDATION_FAILED');
    const badCode = await dispatchIpc(app, 'consoleLogin:lookup', { userCode: 'AEIOU' });
    expect(badCode.ok ? null : badCode.error.code).toBe('VALIDATION_FAILED');
    expect(((await (await pollInBrowser(browser.cookie)).json()) as { state: string }).state).toBe('pending');
  });
});
