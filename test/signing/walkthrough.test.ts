import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkSession } from '../../src-main/session/clerk-session.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { startDesktop, type Desktop } from '../helpers/desktop.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';

const TEMP_PASSWORD = 'temp-cert-pw-2014';

async function newDocument(session: ClerkSession, subject: string) {
  const created = await session.client.createDocument({ subject, body: '出差期間以軟體臨時憑證傳送。' });
  return session.client.document(created.id);
}

/** Every file under the data folder, as bytes. */
async function dataFiles(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return out;
}

describe('the seed’s walkthrough, with the real service, SoftHSM card and Secret Service', () => {
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

  it('IFT930 → 傳送 with the temp cert (是), sticky until logout → IFT940 補簽 with the card → disable → delete', async () => {
    // I. (二) apply with the temp-cert password and the reason.
    let session = await ClerkSession.login(desktop, service.url, 'vendor', 'gongwen-demo');
    expect((await session.tempCerts.view('vendor')).state).toBe('none');
    await session.tempCerts.apply(TEMP_PASSWORD, '出差未攜帶憑證卡', 'gongwen-demo');
    expect((await session.tempCerts.view('vendor')).state).toBe('applied');

    // (三)(四) enable and download on this PC with the password: the key is made here and sealed in the keychain.
    const local = await session.tempCerts.enable('vendor', TEMP_PASSWORD, 'PC-資通建設科-01', 'gongwen-demo');
    expect((await session.tempCerts.view('vendor')).state).toBe('enabled-here');
    const sealed = await desktop.keychain.get(`vendor@127.0.0.1:${service.port}`);
    expect(sealed!.length).toBeLessThan(2000);
    expect(local.certificate.length).toBeGreaterThan(100);

    // (五) log in again: the temp cert is there, locked until its password is given once.
    await session.logout();
    session = await ClerkSession.login(desktop, service.url, 'vendor', 'gongwen-demo');
    expect(await session.tempCerts.view('vendor')).toMatchObject({ state: 'enabled-here', unlocked: false });

    // (六)(七) open a document, 傳送, tick 使用軟體臨時憑證: the first time asks the password.
    const doc1 = await newDocument(session, '出差期間公文一');
    await expect(session.send(doc1, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true })).rejects.toMatchObject({
      code: 'TEMP_CERT_LOCKED',
    });
    const sent1 = await session.send(
      doc1,
      { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' },
      { useTempCert: true, tempCertPassword: TEMP_PASSWORD },
    );
    expect(sent1.status).toBe('delivered');

    // (八) the flow moved on, and the flow table says 是.
    const flow1 = (await session.client.document(doc1.id)).flow;
    expect(flow1.map((r) => [r.seq, r.status, r.holderName, r.action, r.tempCertUsed])).toEqual([
      [1, '線上簽核', '公文系統廠商', '送請簽核', true],
      [2, '待核示', '葉彥志', '送請簽核', false],
    ]);

    // (九) until logout, the next send needs no tick and no password.
    expect(session.tempCertTicked).toBe(true);
    const doc2 = await newDocument(session, '出差期間公文二');
    expect((await session.send(doc2, { action: '陳核', recipient: 'yeh.yenchih', opinion: '' }, {})).status).toBe('delivered');
    expect((await session.client.document(doc2.id)).flow[0]!.tempCertUsed).toBe(true);

    // After logout the box is clear again and the card is the default.
    await session.logout();
    session = await ClerkSession.login(desktop, service.url, 'vendor', 'gongwen-demo');
    expect(session.tempCertTicked).toBe(false);
    const doc3 = await newDocument(session, '返回後公文');
    await expect(session.send(doc3, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, {})).rejects.toMatchObject({ code: 'CARD_PIN_LENGTH' });
    expect((await session.send(doc3, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { pin: desktop.virtualCard.pin })).status).toBe(
      'delivered',
    );
    expect((await session.client.document(doc3.id)).flow[0]!.tempCertUsed).toBe(false);

    // II. IFT940: a note, one PIN, every temp-signed step countersigned by the card.
    const progress: number[] = [];
    const report = await session.resign({ pin: desktop.virtualCard.pin, note: '出差返回，以實體卡補簽', onProgress: (p) => progress.push(p.done) });
    expect(report).toMatchObject({ total: 2, resigned: 2, alreadyResigned: 0, refused: [] });
    expect(progress).toEqual([1, 2]);
    expect((await session.client.pendingResign()).steps).toEqual([]);
    const resignedRow = (await session.client.document(doc1.id)).flow[0]!;
    expect(resignedRow).toMatchObject({ tempCertUsed: true, resignNote: '出差返回，以實體卡補簽' });
    // The countersignature verifies, in the evidence the service hands out.
    const evidence = await session.client.evidence(doc1.id);
    const file = (name: string) => Buffer.from(evidence.files.find((f) => f.name === name)!.contentBase64, 'base64');
    const verified = verifyStepSignature(file('step-1.p7s'), file('step-1.payload'));
    expect(verified.countersignatures.map((c) => c.note)).toEqual(['出差返回，以實體卡補簽']);
    expect(verified.countersignatures[0]!.certificate.subject).toContain('公文系統廠商');

    // (四) after re-signing, the temp cert still works on this PC.
    const doc4 = await newDocument(session, '補簽後公文');
    expect(
      (await session.send(doc4, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true, tempCertPassword: TEMP_PASSWORD })).status,
    ).toBe('delivered');

    // (五) 臨時憑證停用: revoked and wiped from this PC; using it again starts at "enable and download".
    await session.tempCerts.disable('vendor');
    expect((await session.tempCerts.view('vendor')).state).toBe('disabled');
    expect(await desktop.keychain.get(`vendor@127.0.0.1:${service.port}`)).toBeNull();
    const doc5 = await newDocument(session, '停用後公文');
    await expect(
      session.send(doc5, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true, tempCertPassword: TEMP_PASSWORD }),
    ).rejects.toMatchObject({ code: 'TEMP_CERT_NOT_ENABLED' });
    await session.tempCerts.enable('vendor', TEMP_PASSWORD, 'PC-資通建設科-01', 'gongwen-demo');
    expect((await session.send(doc5, { action: '送請簽核', recipient: 'yeh.yenchih', opinion: '' }, { useTempCert: true })).status).toBe('delivered');

    // I. (十) 刪除憑證: the application is withdrawn; enabling needs a new application.
    await session.tempCerts.delete('vendor', 'gongwen-demo');
    expect((await session.tempCerts.view('vendor')).state).toBe('none');
    await expect(session.tempCerts.enable('vendor', TEMP_PASSWORD, 'PC', 'gongwen-demo')).rejects.toMatchObject({ code: 'TEMP_CERT_NOT_APPLIED' });
    await session.tempCerts.apply('new-password-2025', '更換密碼', 'gongwen-demo');
    await session.tempCerts.enable('vendor', 'new-password-2025', 'PC', 'gongwen-demo');
    await session.logout();

    // Nothing secret was written in plain text under the data folder: no password, no PIN, no key.
    const files = await dataFiles(desktop.dataDir);
    for (const secret of [TEMP_PASSWORD, 'new-password-2025', desktop.virtualCard.pin, 'gongwen-demo', 'PRIVATE KEY']) {
      expect(files.some((f) => f.includes(secret))).toBe(false);
    }
  });
});
