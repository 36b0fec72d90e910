import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { TempCertStore } from '../../src-main/temp-cert/temp-cert-store.js';
import { UnlockBackoff } from '../../src-main/temp-cert/unlock-backoff.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

const DAY = 24 * 3600 * 1000;

// Issue 17: without a policy period the temp cert keeps working; the app renews it before it
// expires, at the unlock (the temp-cert password asked once), for the same key sealed on this PC,
// with no new application. Real service process, real keychain and sealed key.
describe('renewing the temp cert on this PC', () => {
  let service: ServiceProcess;
  let desktop: Desktop;
  const saved = process.env.GONGWEN_TEMP_CERT_DAYS;
  beforeAll(async () => {
    process.env.GONGWEN_TEMP_CERT_DAYS = '10'; // the service process issues 10-day certificates
    service = await startServiceProcess();
    desktop = await startDesktop('vendor');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.GONGWEN_TEMP_CERT_DAYS;
    else process.env.GONGWEN_TEMP_CERT_DAYS = saved;
    await desktop?.close();
    await service?.stop();
  });

  it('renews at the unlock near the end, keeps the key, and what the old certificate signed still verifies', async () => {
    const client = new ServiceClient({ baseUrl: service.url });
    await client.login('vendor', 'gongwen-demo');
    const store = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff());
    await store.apply('temp-pass-1234', '出差', 'gongwen-demo');
    const first = await store.enable('vendor', 'temp-pass-1234', 'PC-01', 'gongwen-demo');
    const payload = new TextEncoder().encode('{"step":1}');
    const oldSignature = await signStep(payload, store.signer('vendor'), new Date());
    store.lock();

    // A fresh login, early in the certificate's life: no renewal.
    const early = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff());
    await early.unlock('vendor', 'temp-pass-1234');
    expect((await early.local('vendor'))!.serial).toBe(first.serial);

    // Eight days on, two are left of ten: the unlock renews it.
    const late = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff(), () => new Date(Date.now() + 8 * DAY));
    await late.unlock('vendor', 'temp-pass-1234');
    const renewed = (await late.local('vendor'))!;
    expect(renewed.serial).not.toBe(first.serial);
    expect(new Date(renewed.notAfter).getTime()).toBeGreaterThan(new Date(first.notAfter).getTime());
    expect(await late.enabledHere('vendor')).toEqual(expect.arrayContaining([first.certificate, renewed.certificate]));
    expect(Buffer.from(late.signer('vendor').certificate).toString('base64')).toBe(renewed.certificate);
    const status = await client.tempCertStatus();
    expect(status.phase).toBe('enabled');
    expect(status.certificates.map((c) => c.serial).sort()).toEqual([first.serial, renewed.serial].sort());
    expect(status.certificates.every((c) => c.revokedAt === null)).toBe(true);

    // The key was sealed again under the new serial: the next login's unlock opens it.
    const next = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff());
    await next.unlock('vendor', 'temp-pass-1234');
    expect((await next.local('vendor'))!.serial).toBe(renewed.serial);

    // The old certificate still verifies what it signed (openssl, the temp CA as trust anchor).
    const dir = mkdtempSync(join(tmpdir(), 'renewed-'));
    writeFileSync(join(dir, 'step.p7s'), oldSignature);
    writeFileSync(join(dir, 'step.payload'), payload);
    writeFileSync(join(dir, 'ca.pem'), Buffer.from(await (await fetch(`${service.url}/api/temp-ca/certificate`)).arrayBuffer()));
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-inform',
        'DER',
        '-in',
        'step.p7s',
        '-binary',
        '-content',
        'step.payload',
        '-CAfile',
        'ca.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    await client.logout();
  });
});

// Under a policy period the PC knows the end: it says so, never renews, and refuses to sign after it.
describe('a temp cert under an agency period on this PC', () => {
  let service: ServiceProcess;
  let desktop: Desktop;
  const saved = process.env.GONGWEN_POLICY;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gongwen-policy-'));
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ tempCert: { periodDays: 3 } }));
    process.env.GONGWEN_POLICY = join(dir, 'policy.json');
    service = await startServiceProcess();
    desktop = await startDesktop('vendor');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.GONGWEN_POLICY;
    else process.env.GONGWEN_POLICY = saved;
    await desktop?.close();
    await service?.stop();
  });

  it('records the end, signs until it, and after it refuses before signing (no renewal)', async () => {
    const client = new ServiceClient({ baseUrl: service.url });
    await client.login('vendor', 'gongwen-demo');
    const store = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff());
    const end = new Date(Date.now() + 2 * DAY);
    end.setUTCMilliseconds(0);
    await store.apply('temp-pass-1234', '出差', 'gongwen-demo', undefined, end.toISOString());
    const cert = await store.enable('vendor', 'temp-pass-1234', 'PC-01', 'gongwen-demo');
    expect(cert.periodEnd).toBe(end.toISOString());
    expect(new Date(cert.notAfter).getTime()).toBe(end.getTime());
    const view = await store.view('vendor');
    expect(view).toMatchObject({ state: 'enabled-here', periodEnd: end.toISOString(), policy: { approval: 'none', periodDays: 3 } });
    expect(store.signer('vendor')).toBeTruthy();
    store.lock();

    const after = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff(), () => new Date(end.getTime() + 60_000));
    await after.unlock('vendor', 'temp-pass-1234');
    expect((await after.local('vendor'))!.serial).toBe(cert.serial); // never renewed under a period
    expect(() => after.signer('vendor')).toThrow(expect.objectContaining({ code: 'TEMP_CERT_PERIOD_ENDED' }));
    await client.logout();
  });
});
