import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import type { IpcResult } from '../../src-shared/common/ipc/contract.js';
import type { DesktopSettings, ResignReport } from '../../src-shared/common/ipc/outputs.js';
import { testPki } from '../helpers/demo-pki.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { makeServiceTls, type ServiceTlsFiles } from '../helpers/service-tls.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

// Issue 18: the service on an agency server speaks HTTPS with a certificate from the agency's own
// CA. The desktop app trusts the OS store plus the agency CA named in Settings (or the
// administrator's file), and nothing else; plain http to another host stays refused. Real service
// process over TLS, SoftHSM card, Secret Service; the main process driven through its IPC handlers.

function value<T>(result: IpcResult<unknown>): T {
  if (!result.ok) throw new Error(`IPC failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

const apps: DesktopApp[] = [];
const asked: { path: string; subject: string }[] = [];
/** `confirm`: what the clerk answers in the native dialog asking to trust a new agency CA. */
async function startApp(service: ServiceProcess, options: { admin?: object; modulePath?: string; confirm?: boolean } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-tls-desktop-'));
  const adminConfig = join(dataDir, 'admin-config.json');
  if (options.admin) await writeFile(adminConfig, JSON.stringify(options.admin));
  const app = await DesktopApp.start({
    dataDir,
    defaultServiceUrl: service.url,
    adminConfig,
    keychain: new OsKeychain(`GongwenDesk test ${dataDir}`),
    ...(options.modulePath ? { defaultModulePath: options.modulePath } : {}),
    card: { pollMs: 200 },
    confirmAgencyCa: async (path, subject) => {
      asked.push({ path, subject });
      return options.confirm ?? true;
    },
  });
  apps.push(app);
  return { app, dataDir };
}

describe('the desktop app over HTTPS: the OS store plus the agency CA', () => {
  let tls: ServiceTlsFiles;
  let service: ServiceProcess;

  beforeAll(async () => {
    tls = await makeServiceTls();
    service = await startServiceProcess('sqlite', { tls });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('a send with the temp cert and its 補簽 with the card go through the real app over HTTPS, trusting the agency CA from Settings', async () => {
    expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const card = await virtualCardFor('vendor');
    const { app, dataDir } = await startApp(service, { modulePath: card.modulePath });
    const settings = value<DesktopSettings>(await dispatchIpc(app, 'settings:set', { agencyCaPath: tls.caPath }));
    expect(settings).toMatchObject({ agencyCaPath: tls.caPath, agencyCaLocked: false });
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ agencyCaPath: tls.caPath });
    expect(asked.at(-1)).toEqual({ path: tls.caPath, subject: expect.stringContaining('CN=GongwenDesk Test Agency CA') });

    value(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' }));
    const session = app.session!;
    await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await session.tempCerts.enable('vendor', 'temp-pass-1234', 'PC 1', 'gongwen-demo');
    const created = await session.client.createDocument({ subject: '經 HTTPS 傳送的公文', body: '內容' });
    const outcome = await session.send(
      await session.client.document(created.id),
      { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' },
      {
        useTempCert: true,
        tempCertPassword: 'temp-pass-1234',
      },
    );
    expect(outcome.status).toBe('delivered');

    value(await dispatchIpc(app, 'resign:pending', {}));
    const report = value<ResignReport>(await dispatchIpc(app, 'resign:start', { note: '出差返回補簽', pin: card.pin }));
    expect(report).toMatchObject({ total: 1, resigned: 1, refused: [] });
    // The service holds the re-signature: nothing is left to re-sign.
    expect((await session.client.pendingResign()).steps).toEqual([]);
  });

  it('without the agency CA the login is refused with SERVICE_CERT_UNTRUSTED, and no session is opened', async () => {
    const { app } = await startApp(service);
    const answer = await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'SERVICE_CERT_UNTRUSTED', message: expect.stringContaining('本機關') } });
    expect(app.session).toBeNull();
  });

  it('the administrator’s file may name the agency CA: it is used, and the clerk cannot change it', async () => {
    const { app } = await startApp(service, { admin: { agencyCaPath: tls.caPath } });
    expect(value<DesktopSettings>(await dispatchIpc(app, 'settings:get', {}))).toMatchObject({ agencyCaPath: tls.caPath, agencyCaLocked: true });
    value(await dispatchIpc(app, 'settings:set', { agencyCaPath: '' }));
    expect(app.settings.get().agencyCaPath).toBe(tls.caPath);
    value(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' }));
    expect(app.session?.account).toBe('vendor');
  });

  it('an agency CA that is not one is refused with a sentence, and nothing is stored', async () => {
    const { app, dataDir } = await startApp(service);
    const garbage = join(tls.dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate');
    const pki = await testPki();
    const twoCas = join(tls.dir, 'two.pem');
    await writeFile(twoCas, tls.caPem + pki.gcaRootPem);
    const notCa = join(pki.dir, 'cards', 'vendor.cert.pem'); // a valid certificate, but an end entity's
    for (const agencyCaPath of [tls.certPath, notCa, garbage, twoCas, join(tls.dir, 'missing.pem'), 'agency-ca.cert.pem']) {
      const answer = await dispatchIpc(app, 'settings:set', { agencyCaPath });
      expect(answer, agencyCaPath).toMatchObject({ ok: false, error: { code: 'AGENCY_CA_INVALID', message: expect.stringContaining('CA 憑證') } });
    }
    expect(app.settings.get().agencyCaPath).toBe('');
    await expect(readFile(join(dataDir, 'settings.json'), 'utf8')).rejects.toThrow();

    // A file that was a CA when chosen and is replaced since is checked again at login.
    const chosen = join(tls.dir, 'chosen.pem');
    await writeFile(chosen, tls.caPem);
    value(await dispatchIpc(app, 'settings:set', { agencyCaPath: chosen }));
    await writeFile(chosen, 'replaced');
    expect(await dispatchIpc(app, 'session:login', { account: 'vendor', password: 'gongwen-demo' })).toMatchObject({
      ok: false,
      error: { code: 'AGENCY_CA_INVALID' },
    });
  });

  it('a new agency CA from the page needs the clerk’s yes in the native dialog: refused, nothing is stored', async () => {
    const { app, dataDir } = await startApp(service, { confirm: false });
    expect(await dispatchIpc(app, 'settings:set', { agencyCaPath: tls.caPath })).toMatchObject({
      ok: false,
      error: { code: 'AGENCY_CA_NOT_CONFIRMED', message: expect.stringContaining('確認視窗') },
    });
    expect(app.settings.get().agencyCaPath).toBe('');
    await expect(readFile(join(dataDir, 'settings.json'), 'utf8')).rejects.toThrow();
  });

  it('plain http to another host is still refused, whatever CA is trusted', async () => {
    const { app } = await startApp(service);
    value(await dispatchIpc(app, 'settings:set', { agencyCaPath: tls.caPath }));
    expect(await dispatchIpc(app, 'settings:set', { serviceUrl: 'http://doc.agency.gov.tw' })).toMatchObject({
      ok: false,
      error: { code: 'SERVICE_URL_INSECURE' },
    });
    expect(() => new ServiceClient({ baseUrl: 'http://10.0.0.5:3000', trust: { agencyCaPem: tls.caPem } })).toThrow(
      expect.objectContaining({ code: 'SERVICE_URL_INSECURE' }),
    );
  });
});
