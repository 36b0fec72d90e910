import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../src-main/card/card-service.js';
import { messageOf } from '../../src-shared/common/errors.js';
import { Outbox } from '../../src-main/outbox/outbox.js';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { faultWrapper } from '../helpers/virtual-card.js';

const send = { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' } as const;

async function tempSignedSteps(session: ClerkSession, count: number, password: string) {
  for (let i = 0; i < count; i++) {
    const created = await session.client.createDocument({ subject: `待補簽公文 ${i + 1}`, body: '內容' });
    const doc = await session.client.document(created.id);
    const outcome = await session.send(doc, send, { useTempCert: true, tempCertPassword: password });
    expect(outcome.status).toBe('delivered');
  }
}

describe('the signing core when things go wrong', () => {
  let service: ServiceProcess;
  const desktops: Desktop[] = [];
  const desktop = async (account: string, options?: Parameters<typeof startDesktop>[1]) => {
    const d = await startDesktop(account, options);
    desktops.push(d);
    return d;
  };

  beforeAll(async () => {
    service = await startServiceProcess();
  });
  afterEach(async () => {
    await Promise.all(desktops.splice(0).map((d) => d.close()));
    delete process.env.GONGWEN_PKCS11_FAULTS;
  });
  afterAll(() => service.stop());

  it('a wrong PIN signs nothing and queues nothing', async () => {
    const d = await desktop('chen.chiming');
    const session = await ClerkSession.login(d, service.url, 'chen.chiming', 'gongwen-demo');
    const doc = await session.client.document((await session.client.createDocument({ subject: 'PIN 測試', body: '' })).id);
    await expect(session.send(doc, send, { pin: '999999' })).rejects.toMatchObject({ code: 'CARD_PIN_INCORRECT' });
    expect(d.outbox.pending()).toEqual([]);
    expect((await session.client.document(doc.id)).currentSeq).toBe(1);
    await session.logout();
  });

  it('a card pulled out mid-batch keeps what was done; the batch resumed does only the rest', async () => {
    process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Sign: { ckr: 'CKR_DEVICE_REMOVED', afterCalls: 3 } });
    const d = await desktop('wang.meiling', { card: { apiWrapper: faultWrapper } });
    const session = await ClerkSession.login(d, service.url, 'wang.meiling', 'gongwen-demo');
    await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await session.tempCerts.enable('wang.meiling', 'temp-pass-1234', 'PC', 'gongwen-demo');
    await tempSignedSteps(session, 6, 'temp-pass-1234');
    await expect(session.resign({ pin: d.virtualCard.pin, note: '補簽', chunkSize: 2 })).rejects.toMatchObject({ code: 'CARD_REMOVED' });
    const left = (await session.client.pendingResign()).steps.length;
    expect(left).toBe(3); // three signatures made and uploaded before the card went

    // The card is back (a new card thread without the fault): the re-run signs only the rest.
    await d.card.close();
    delete process.env.GONGWEN_PKCS11_FAULTS;
    const back = { ...d, card: new CardService({ modulePath: d.virtualCard.modulePath, pollMs: 200 }) };
    desktops.push({ ...back, close: () => back.card.close() });
    const again = await ClerkSession.login(back, service.url, 'wang.meiling', 'gongwen-demo');
    const report = await again.resign({ pin: d.virtualCard.pin, note: '補簽', chunkSize: 2 });
    expect(report).toMatchObject({ total: 3, resigned: 3, alreadyResigned: 0 });
    expect((await again.client.pendingResign()).steps).toEqual([]);
    await again.logout();
  });

  it('a cancelled batch keeps what was done and can be finished later', async () => {
    const d = await desktop('huang.kuowei');
    const session = await ClerkSession.login(d, service.url, 'huang.kuowei', 'gongwen-demo');
    await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await session.tempCerts.enable('huang.kuowei', 'temp-pass-1234', 'PC', 'gongwen-demo');
    await tempSignedSteps(session, 4, 'temp-pass-1234');
    const cancel = new AbortController();
    await expect(
      session.resign({ pin: d.virtualCard.pin, note: '補簽', chunkSize: 2, signal: cancel.signal, onProgress: (p) => p.done === 2 && cancel.abort() }),
    ).rejects.toMatchObject({ code: 'RESIGN_CANCELLED' });
    expect((await session.client.pendingResign()).steps).toHaveLength(2);
    expect(await session.resign({ pin: d.virtualCard.pin, note: '補簽' })).toMatchObject({ total: 2, resigned: 2 });
    await session.logout();
  });

  it('signs offline with the temp cert; after a client restart the outbox delivers once the service is back', async () => {
    const d = await desktop('vendor');
    let session = await ClerkSession.login(d, service.url, 'vendor', 'gongwen-demo');
    await session.tempCerts.apply('temp-pass-1234', '出差', 'gongwen-demo');
    await session.tempCerts.enable('vendor', 'temp-pass-1234', 'PC', 'gongwen-demo');
    const doc = await session.client.document((await session.client.createDocument({ subject: '離線簽章', body: '' })).id);
    await service.kill();
    const outcome = await session.send(doc, send, { useTempCert: true });
    expect(outcome).toMatchObject({ status: 'queued', reason: 'SERVICE_UNREACHABLE' });
    session.courier.stop();

    // The app is closed and started again: a new outbox reads the journal from disk.
    await d.outbox.close();
    const reopened = { ...d, outbox: await Outbox.open(join(d.dataDir, 'outbox')) };
    expect(reopened.outbox.pending().map((e) => e.documentNumber)).toEqual([doc.number]);
    await service.restart();
    session = await ClerkSession.login(reopened, service.url, 'vendor', 'gongwen-demo');
    await session.courier.flush();
    expect(reopened.outbox.pending()).toEqual([]);
    expect((await session.client.document(doc.id)).flow[0]).toMatchObject({ tempCertUsed: true, action: '送請簽核' });
    await session.logout();
    await reopened.outbox.close();
  });

  it('the keychain unavailable: a clear error, and nothing written anywhere', async () => {
    const d = await desktop('yeh.yenchih');
    const client = new ServiceClient({ baseUrl: service.url });
    await client.login('yeh.yenchih', 'gongwen-demo');
    await client.applyForTempCert({ password: 'temp-pass-1234', reason: '出差', loginPassword: 'gongwen-demo' });
    // A process with no Secret Service to talk to (no D-Bus session), as on a PC whose keychain is broken.
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/enable-without-keychain.ts', service.url, 'yeh.yenchih', 'temp-pass-1234', d.dataDir],
      { env, encoding: 'utf8' },
    );
    const answer = JSON.parse(out.trim().split('\n').pop()!) as { code: string; message: string };
    expect(answer.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(messageOf('KEYCHAIN_UNAVAILABLE')).toMatch(/金鑰圈/);
    expect(await stat(join(d.dataDir, 'temp-cert')).catch(() => null)).toBeNull();
    expect((await client.tempCertStatus()).certificates).toEqual([]); // the service issued nothing either
    const files = await readdir(d.dataDir, { recursive: true });
    for (const f of files) expect(String(await readFile(join(d.dataDir, f)).catch(() => ''))).not.toContain('temp-pass-1234');
  });
});
