import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { TempCertStore } from '../../src-main/temp-cert/temp-cert-store.js';
import { UnlockBackoff } from '../../src-main/temp-cert/unlock-backoff.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

// Someone at an unlocked session guessing the temp-cert password: the sealed key is opened on the
// PC, so only the PC can slow the guesses. Real service, real keychain and sealed key; the clock of
// the back-off is the test's, so nothing here waits.

describe('unlocking the temp cert on this PC', () => {
  let service: ServiceProcess;
  let desktop: Desktop;
  beforeAll(async () => {
    service = await startServiceProcess();
    desktop = await startDesktop('vendor');
  });
  afterAll(async () => {
    await desktop.close();
    await service.stop();
  });

  it('after three wrong passwords, waits before the next try (even the right one), and the right one clears the count', async () => {
    const client = new ServiceClient({ baseUrl: service.url });
    await client.login('vendor', 'gongwen-demo');
    let now = 1_000_000;
    const store = new TempCertStore(desktop.dataDir, desktop.keychain, client, new UnlockBackoff(() => now));
    await store.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await store.enable('vendor', 'temp-pass-1234', 'PC', 'gongwen-demo');
    store.lock();

    for (let i = 0; i < 3; i++) await expect(store.unlock('vendor', `wrong-${i}`)).rejects.toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
    await expect(store.unlock('vendor', 'temp-pass-1234')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(store.isUnlocked('vendor')).toBe(false);
    now += 2_000;
    await expect(store.unlock('vendor', 'wrong-3')).rejects.toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
    now += 2_000; // the wait doubled: 4 s now
    await expect(store.unlock('vendor', 'temp-pass-1234')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    now += 2_000;
    await store.unlock('vendor', 'temp-pass-1234');
    expect(store.isUnlocked('vendor')).toBe(true);
    store.lock();
    await expect(store.unlock('vendor', 'wrong-again')).rejects.toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
    await store.unlock('vendor', 'temp-pass-1234'); // counted afresh after the right one
    await client.logout();
  });
});
