import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DesktopApp } from '../../src-main/app/desktop-app.js';
import { CardService } from '../../src-main/card/card-service.js';
import { dispatchIpc } from '../../src-main/ipc/dispatch.js';
import type { CardStatus } from '../../src-shared/common/card-status.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { insertVirtualCard, pullOutCard, type VirtualCard } from '../../tools/virtual-card.js';
import { testPki } from '../helpers/demo-pki.js';
import { virtualCardFor } from '../helpers/virtual-card.js';

// Two readers, as SoftHSM plays them: one token folder (one SOFTHSM2_CONF) holding two tokens is
// a module with two slots, each with a card in it. Pulling one out is moving its token's folder
// away (tools/virtual-card.ts, pullOutCard); the card thread sees it at its next
// rescan, as it sees a HiCOS card pulled from a reader.

const cards: CardService[] = [];
const apps: DesktopApp[] = [];
function startCard(options: ConstructorParameters<typeof CardService>[0]) {
  const card = new CardService({ pollMs: 100, ...options });
  cards.push(card);
  return card;
}
afterEach(async () => {
  await Promise.all(cards.splice(0).map((c) => c.close()));
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** The next status for which `wanted` holds (the current one included); after 15 s, a failure naming the last one seen. */
function statusWhere(card: CardService, what: string, wanted: (s: CardStatus) => boolean): Promise<CardStatus> {
  return new Promise((resolve, reject) => {
    let last: CardStatus | undefined;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no status where ${what} within 15 s; last reported: ${JSON.stringify(last ?? card.lastStatus())}`));
    }, 15_000);
    const check = (s: CardStatus) => {
      last = s;
      if (!wanted(s)) return;
      clearTimeout(timer);
      stop();
      resolve(s);
    };
    const stop = card.onStatus(check);
    void card.status().then(check, () => {});
  });
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (e: { code?: string }) => e.code,
  );

const cnOf = (pem: string) => /CN=([^\n,]+)/.exec(new X509Certificate(pem).subject)![1]!;
const payload = new TextEncoder().encode('{"step":1}');

/** A reader folder with the cards of `accounts` in it, each its own token (slot). */
async function twoReaders(...accounts: string[]): Promise<{ reader: VirtualCard; serials: Record<string, string>; holders: Record<string, string> }> {
  const reader = await virtualCardFor(accounts[0]!, { inserted: false });
  const pki = await testPki();
  const holders: Record<string, string> = {};
  for (const account of accounts) {
    insertVirtualCard(reader, pki.cards[account]!);
    holders[account] = cnOf(pki.cards[account]!.certPem);
  }
  // The serial of each card, read through the module as the app reads it.
  // Closed before the test's own: SoftHSM is loaded once per process, and a second card thread
  // re-initialising it to rescan would end the first one's sessions (one card thread per app).
  const probe = new CardService({ modulePath: reader.modulePath, pollMs: 100 });
  const status = await statusWhere(probe, `${accounts.length} cards listed`, (s) => s.cards?.length === accounts.length).finally(() => probe.close());
  const serials: Record<string, string> = {};
  for (const account of accounts) serials[account] = status.cards!.find((c) => c.holder === holders[account])!.serial;
  return { reader, serials, holders };
}

async function signerOf(card: CardService, pin: string): Promise<string> {
  const session = await card.openSession(pin);
  try {
    const cms = await signStep(payload, session.signer, new Date());
    return verifyStepSignature(cms, payload).signer.certificate.subject;
  } finally {
    await session.close();
  }
}

describe('several readers, each with a card (two SoftHSM tokens at once)', () => {
  it('lists every card by reader, label and holder; with none chosen it asks, and signs with none until the clerk chooses', async () => {
    const { reader, serials, holders } = await twoReaders('yeh.yenchih', 'chen.chiming');
    const card = startCard({ modulePath: reader.modulePath });
    const status = await statusWhere(card, 'two cards', (s) => s.cards?.length === 2);
    expect(status.state).toBe('choose');
    expect(status.token).toBeUndefined(); // no card is "the" card yet
    expect(status.cards!.map((c) => c.holder).sort()).toEqual([holders['yeh.yenchih'], holders['chen.chiming']].sort());
    for (const c of status.cards!) {
      expect(c.label).toBe('HiCOS PKI Smart Card');
      expect(c.reader).toMatch(/^SoftHSM slot ID 0x[0-9a-f]+$/); // the slot's description: the reader
    }
    expect(new Set(status.cards!.map((c) => c.reader)).size).toBe(2);
    expect(await codeOf(card.openSession(reader.pin))).toBe('CARD_NOT_CHOSEN');

    const chosen = await card.choose(serials['chen.chiming']!);
    expect(chosen).toMatchObject({ state: 'ready', chosenBy: 'clerk', token: { serial: serials['chen.chiming'] } });
    expect(chosen.certificate?.subject).toContain(holders['chen.chiming']);
    expect(await signerOf(card, reader.pin)).toContain(holders['chen.chiming']);
    await card.choose(serials['yeh.yenchih']!);
    expect(await signerOf(card, reader.pin)).toContain(holders['yeh.yenchih']);
  });

  it('remembers the choice in Settings: the app started again on this PC uses the same card without asking', async () => {
    const { reader, serials, holders } = await twoReaders('yeh.yenchih', 'chen.chiming');
    const dataDir = await mkdtemp(join(tmpdir(), 'gongwen-readers-'));
    const start = async () => {
      const app = await DesktopApp.start({ dataDir, adminConfig: join(dataDir, 'no-admin.json'), defaultModulePath: reader.modulePath, card: { pollMs: 100 } });
      apps.push(app);
      return app;
    };
    const first = await start();
    expect(await statusWhere(first.core.card, 'two cards', (s) => s.cards?.length === 2)).toMatchObject({ state: 'choose' });
    // A serial of no card present is refused, and nothing is remembered.
    expect(await dispatchIpc(first, 'card:choose', { serial: 'ffffffffffffffff' })).toMatchObject({ ok: false, error: { code: 'CARD_NOT_IN_READER' } });
    expect(first.settings.get().cardSerial).toBeUndefined();
    expect(await dispatchIpc(first, 'card:choose', { serial: 'x'.repeat(65) })).toMatchObject({ ok: false });
    expect(await dispatchIpc(first, 'card:choose', { serial: serials['chen.chiming']! })).toMatchObject({ ok: true, value: { state: 'ready' } });
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ cardSerial: serials['chen.chiming'] });
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const again = await start();
    const status = await statusWhere(again.core.card, 'a card ready', (s) => s.state === 'ready');
    expect(status).toMatchObject({ chosenBy: 'clerk', token: { serial: serials['chen.chiming'] } });
    expect(await signerOf(again.core.card, reader.pin)).toContain(holders['chen.chiming']);
  });

  it('the chosen card pulled out while another is in: asks again, never signs with the other person’s card; back in, it is used again', async () => {
    const { reader, serials, holders } = await twoReaders('yeh.yenchih', 'chen.chiming');
    const card = startCard({ modulePath: reader.modulePath, chosenSerial: serials['yeh.yenchih']! });
    expect(await statusWhere(card, 'ready', (s) => s.state === 'ready')).toMatchObject({ token: { serial: serials['yeh.yenchih'] }, chosenBy: 'clerk' });

    const pulled = pullOutCard(reader, serials['yeh.yenchih']!);
    const asked = await statusWhere(card, 'one card left', (s) => s.cards?.length === 1);
    expect(asked.state).toBe('choose'); // not "ready" with 陳's card, though it is the only one in
    expect(asked.cards![0]!.holder).toBe(holders['chen.chiming']);
    expect(await codeOf(card.openSession(reader.pin))).toBe('CARD_NOT_CHOSEN');

    pulled.putBack(); // the same card (same token serial) back in a reader
    const back = await statusWhere(card, 'two cards', (s) => s.cards?.length === 2);
    expect(back).toMatchObject({ state: 'ready', chosenBy: 'clerk', token: { serial: serials['yeh.yenchih'] } });
    expect(await signerOf(card, reader.pin)).toContain(holders['yeh.yenchih']);

    // A new card of the same holder (a replacement: a new token serial) is another card: asked again.
    pullOutCard(reader, serials['yeh.yenchih']!);
    await statusWhere(card, 'one card left', (s) => s.cards?.length === 1);
    insertVirtualCard(reader, (await testPki()).cards['yeh.yenchih']!);
    const replaced = await statusWhere(card, 'two cards', (s) => s.cards?.length === 2);
    expect(replaced.state).toBe('choose');
    await card.choose(replaced.cards!.find((c) => c.holder === holders['yeh.yenchih'])!.serial);
    expect(await signerOf(card, reader.pin)).toContain(holders['yeh.yenchih']);
  });

  it('another card pulled out leaves the chosen one in use', async () => {
    const { reader, serials, holders } = await twoReaders('yeh.yenchih', 'chen.chiming');
    const card = startCard({ modulePath: reader.modulePath, chosenSerial: serials['yeh.yenchih']! });
    await statusWhere(card, 'ready', (s) => s.state === 'ready');
    pullOutCard(reader, serials['chen.chiming']!);
    const after = await statusWhere(card, 'one card left', (s) => s.cards?.length === 1);
    expect(after).toMatchObject({ state: 'ready', chosenBy: 'clerk', token: { serial: serials['yeh.yenchih'] } });
    expect(await signerOf(card, reader.pin)).toContain(holders['yeh.yenchih']);
  });

  it('with exactly one card present and none chosen, it is used without asking; a second card inserted makes the clerk choose', async () => {
    const reader = await virtualCardFor('yeh.yenchih');
    const card = startCard({ modulePath: reader.modulePath });
    const only = await statusWhere(card, 'ready', (s) => s.state === 'ready');
    expect(only).toMatchObject({ chosenBy: 'only-card' });
    expect(only.cards).toHaveLength(1);
    expect(await signerOf(card, reader.pin)).toContain('葉彥志');

    insertVirtualCard(reader, (await testPki()).cards['chen.chiming']!);
    expect(await statusWhere(card, 'two cards', (s) => s.cards?.length === 2)).toMatchObject({ state: 'choose' });
  });
});

describe('which key on the card signs', () => {
  it('the signing key by its certificate’s key usage, whatever the labels: the encryption key labelled SIGN (with CKA_SIGN) is not used', async () => {
    const reader = await virtualCardFor('yeh.yenchih', { inserted: false });
    const keys = (await testPki()).cards['yeh.yenchih']!;
    // The encryption pair (keyEncipherment) gets the label and CKA_ID the old label rule took, and CKA_SIGN.
    insertVirtualCard(reader, { ...keys, labels: { sign: 'KEYX', keyx: 'SIGN' }, keyxMaySign: true });
    const card = startCard({ modulePath: reader.modulePath });
    const session = await card.openSession(reader.pin);
    try {
      expect(new X509Certificate(session.certificate).fingerprint256).toBe(new X509Certificate(keys.certPem).fingerprint256);
      const cms = await signStep(payload, session.signer, new Date());
      expect(verifyStepSignature(cms, payload).signer.certificate.subject).toContain('葉彥志');
    } finally {
      await session.close();
    }
    // The status (read without a login) shows the signing certificate too.
    expect((await card.status()).certificate?.serial).toBe(new X509Certificate(keys.certPem).serialNumber);
  });

  it('the diagnostics say which certificate signs and why, and why the other does not', async () => {
    const reader = await virtualCardFor('yeh.yenchih', { inserted: false });
    insertVirtualCard(reader, { ...(await testPki()).cards['yeh.yenchih']!, labels: { sign: 'KEYX', keyx: 'SIGN' }, keyxMaySign: true });
    const card = startCard({ modulePath: reader.modulePath });
    const diagnostics = await card.diagnostics();
    const slot = diagnostics.slots.find((s) => s.signing)!;
    expect(slot.signing!.reason).toMatch(/^"KEYX" has key usage nonRepudiation, subject CN 葉彥志/);
    expect(slot.signing!.certificates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: 'KEYX', chosen: true, keyUsage: ['digitalSignature', 'nonRepudiation'] }),
        expect.objectContaining({ label: 'SIGN', chosen: false, reason: 'key usage keyEncipherment, dataEncipherment does not allow signing' }),
      ]),
    );
    expect(diagnostics.chosen).toMatchObject({ by: 'only-card' });
    expect(diagnostics.moduleSearch).toMatchObject({ source: 'configured' });
    expect(diagnostics.moduleSearch!.tried).toEqual(expect.arrayContaining([{ path: '/usr/lib/softhsm/libsofthsm2.so', exists: true }]));
  });

  it('a card with only an encryption certificate has no signing key: refused with CARD_NO_SIGNING_KEY', async () => {
    const reader = await virtualCardFor('yeh.yenchih', { inserted: false });
    const keys = (await testPki()).cards['yeh.yenchih']!;
    // Only the KEYX pair, written as the signing one (label SIGN, CKA_SIGN).
    insertVirtualCard(reader, { certPem: keys.keyxCertPem, keyPem: keys.keyxKeyPem });
    const card = startCard({ modulePath: reader.modulePath });
    expect(await codeOf(card.openSession(reader.pin))).toBe('CARD_NO_SIGNING_KEY');
  });
});
