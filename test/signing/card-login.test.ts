import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import type { CardStatus } from '../../src-shared/common/card-status.js';
import type { CardRecord } from '../../src-shared/common/api/cards.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { createContext } from '../../src-server/service.js';
import { insertVirtualCard, removeVirtualCard, type VirtualCard } from '../../tools/virtual-card.js';
import { makeCardIssuer, type CardIssuer, type IssuedCard } from '../helpers/card-generations.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/http-service.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

/**
 * 憑證卡登入 and 註冊新憑證卡 through the main process's own code (IPC dispatch, ClerkSession,
 * CardService's worker) with SoftHSM as the card, against the service over real HTTP, so the card
 * statement names the host the client really addressed.
 */
describe('card login and card replacement with a SoftHSM card', () => {
  let service: ServiceProcess;
  let app: DesktopApp;
  let reader: VirtualCard;
  let issuer: CardIssuer;
  let chenOld: IssuedCard;
  let chenNew: IssuedCard;

  /** Resolves at the next status of `state` the app's card thread reports. */
  const nextStatus = (state: CardStatus['state']) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${state} status within 15 s`)), 15_000);
      const stop = app.core.card.onStatus((s) => {
        if (s.state === state) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });
  /** Pulls the card in the reader and puts `card` in, as a clerk swapping cards would. */
  async function swapCard(card: { certPem: string; keyPem: string }) {
    const out = nextStatus('no-card');
    removeVirtualCard(reader);
    await out;
    const ready = nextStatus('ready');
    reader = insertVirtualCard(reader, card);
    await ready;
  }

  beforeAll(async () => {
    issuer = await makeCardIssuer();
    chenOld = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    chenNew = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    service = await startServiceProcess('sqlite', { extraCardRootsPem: issuer.rootPem });
    // The administrator registered chen's current card at the command line (register-card does this).
    const ctx = await createContext({
      dataDir: service.env.GONGWEN_DATA_DIR!,
      tempCaCertPath: service.env.GONGWEN_TEMP_CA_CERT,
      tempCaKeyPath: service.env.GONGWEN_TEMP_CA_KEY,
    });
    await registerCardCertificate(ctx, 'chen.chiming', chenOld.der);
    await ctx.storage.close();
    reader = await virtualCardFor('chen.chiming'); // the demo card, registered to chen by the seed
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-card-login-'));
    app = await DesktopApp.start({
      dataDir,
      defaultServiceUrl: service.url,
      defaultModulePath: reader.modulePath,
      adminConfig: join(dataDir, 'none.json'),
      card: { pollMs: 200 },
    });
  });
  afterAll(async () => {
    await app?.close();
    await service?.stop();
  });

  it('logs in with the card and its PIN: a card session, nothing secret in the answer', async () => {
    const r = await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: reader.pin });
    expect(r).toMatchObject({ ok: true, value: { user: { account: 'chen.chiming', name: '陳志明' }, loginMethod: 'card' } });
    expect(JSON.stringify(r)).not.toContain('"pin"');
    // The session is the service's like any other: the inbox opens.
    expect(await dispatchIpc(app, 'documents:list', {})).toMatchObject({ ok: true });
  });

  it('a wrong PIN logs nobody in, and says so in the clerk’s words', async () => {
    const r = await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: '999999' });
    expect(r).toMatchObject({ ok: false, error: { code: 'CARD_PIN_INCORRECT', message: '憑證卡密碼（PIN 碼）錯誤，請重新輸入。' } });
    expect(await dispatchIpc(app, 'session:state', {})).toMatchObject({ ok: true, value: { user: null, loginMethod: null } });
  });

  it('refuses the card for an account it is not registered to', async () => {
    const r = await dispatchIpc(app, 'session:cardLogin', { account: 'wang.meiling', pin: reader.pin });
    expect(r).toMatchObject({ ok: false, error: { code: 'CARD_OF_ANOTHER_USER' } });
  });

  it('registers a replacement card from the settings, logs in with it and retires the old one', async () => {
    await swapCard(chenOld);
    expect(await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: reader.pin })).toMatchObject({ ok: true });
    await swapCard(chenNew);
    const registered = await dispatchIpc(app, 'cards:register', { pin: reader.pin });
    expect(registered).toMatchObject({ ok: true, value: { alreadyRegistered: false, card: { holder: '陳志明', serialNumber: '0001A123', state: 'active' } } });
    const cards = (registered as { ok: true; value: { cards: CardRecord[] } }).value.cards;
    expect(cards).toHaveLength(3); // the demo card, the old one and the new one
    const newSha = (registered as { ok: true; value: { card: CardRecord } }).value.card.sha256;
    const old = cards.find((c) => c.serialNumber === '0001A123' && c.sha256 !== newSha)!;
    const afterRetire = await dispatchIpc(app, 'cards:retire', { sha256: old.sha256 });
    expect(afterRetire).toMatchObject({ ok: true });
    expect((afterRetire as { ok: true; value: CardRecord[] }).value.find((c) => c.sha256 === old.sha256)?.state).toBe('retired');

    expect(await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: reader.pin })).toMatchObject({
      ok: true,
      value: { loginMethod: 'card' },
    });
    await swapCard(chenOld);
    expect(await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: reader.pin })).toMatchObject({
      ok: false,
      error: { code: 'CARD_RETIRED' },
    });
  });

  it('refuses to register a card naming someone else, and without a session', async () => {
    await swapCard(await issuer.issue({ name: '陳志明', serialNumber: '0009Z999' }));
    expect(await dispatchIpc(app, 'session:login', { account: 'chen.chiming', password: 'gongwen-demo' })).toMatchObject({ ok: true });
    expect(await dispatchIpc(app, 'cards:register', { pin: reader.pin })).toMatchObject({ ok: false, error: { code: 'CARD_NOT_SAME_PERSON' } });
    await dispatchIpc(app, 'session:logout', {});
    expect(await dispatchIpc(app, 'cards:register', { pin: reader.pin })).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await dispatchIpc(app, 'session:cardLogin', { account: 'chen.chiming', pin: '12' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });
});
