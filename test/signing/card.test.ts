import { execFileSync } from 'node:child_process';
import { X509Certificate, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardService } from '../../src-main/card/card-service.js';
import type { CardStatus } from '../../src-shared/common/card-status.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { testPki } from '../helpers/demo-pki.js';
import { faultWrapper, insertCardOf, virtualCardFor } from '../helpers/virtual-card.js';
import { insertVirtualCard } from '../../tools/virtual-card.js';

const cards: CardService[] = [];
function startCard(options: ConstructorParameters<typeof CardService>[0]) {
  const card = new CardService({ pollMs: 100, ...options });
  cards.push(card);
  return card;
}
afterEach(async () => {
  await Promise.all(cards.splice(0).map((c) => c.close()));
  delete process.env.GONGWEN_PKCS11_FAULTS;
  delete process.env.GONGWEN_PKCS11_FAULTS_LOG;
});

/** A file the fault wrapper writes each fault it injects to, so a test can see that it fired. */
function faultLog(): () => string[] {
  const path = join(mkdtempSync(join(tmpdir(), 'gongwen-faults-')), 'fired.log');
  process.env.GONGWEN_PKCS11_FAULTS_LOG = path;
  return () => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
}

/** The next status event of `state`; after 15 s, a failure that says what the card thread last reported. */
function nextStatus(card: CardService, state: CardStatus['state']): Promise<CardStatus> {
  return new Promise((resolve, reject) => {
    let last: CardStatus | undefined;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${state}" status within 15 s; last reported: ${JSON.stringify(last ?? card.lastStatus())}`));
    }, 15_000);
    const stop = card.onStatus((s) => {
      last = s;
      if (s.state === state) {
        clearTimeout(timer);
        stop();
        resolve(s);
      }
    });
  });
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (e: { code?: string }) => e.code,
  );

describe('the smart card over PKCS#11 (SoftHSM virtual card)', () => {
  it('reports the card as ready with its label and signing certificate, and signs with the SIGN key, not KEYX', async () => {
    const virtual = await virtualCardFor('yeh.yenchih');
    const card = startCard({ modulePath: virtual.modulePath });
    const status = await card.status();
    expect(status).toMatchObject({ state: 'ready', token: { label: 'HiCOS PKI Smart Card', pin: { locked: false } } });
    expect(status.certificate?.subject).toContain('葉彥志');

    const session = await card.openSession(virtual.pin);
    const expected = (await testPki()).cards['yeh.yenchih']!;
    expect(new X509Certificate(session.certificate).fingerprint256).toBe(new X509Certificate(expected.certPem).fingerprint256);
    const payload = new TextEncoder().encode('{"step":1}');
    const cms = await signStep(payload, session.signer, new Date('2026-11-27T00:00:00Z'));
    expect(verifyStepSignature(cms, payload).signer.certificate.subject).toContain('葉彥志');
    expect(session.mechanism).toBe('CKM_SHA256_RSA_PKCS'); // the card hashes: no fallback on a token that can
    await session.close();
  });

  it('sees a card inserted and pulled out without a restart', async () => {
    const reader = await virtualCardFor('vendor', { inserted: false });
    const card = startCard({ modulePath: reader.modulePath });
    expect((await card.status()).state).toBe('no-card');
    const inserted = nextStatus(card, 'ready');
    const virtual = await insertCardOf(reader, 'vendor');
    expect((await inserted).token?.label).toBe('HiCOS PKI Smart Card');
    const session = await card.openSession(virtual.pin);
    await session.close();
    const removed = nextStatus(card, 'no-card');
    (await import('../../tools/virtual-card.js')).removeVirtualCard(virtual);
    await removed;
    const again = nextStatus(card, 'ready');
    await insertCardOf(reader, 'vendor');
    await again;
    const second = await card.openSession(virtual.pin);
    expect(second.certificate.length).toBeGreaterThan(0);
    await second.close();
  });

  it('says a wrong PIN is wrong, and the token then reports the PIN count low', async () => {
    const virtual = await virtualCardFor('vendor');
    const card = startCard({ modulePath: virtual.modulePath });
    const failure = await card.openSession('000000').catch((e: unknown) => e as { code: string; pin?: { countLow: boolean }; message: string });
    expect(failure).toMatchObject({ code: 'CARD_PIN_INCORRECT', pin: { countLow: true } });
    expect((await card.status()).token?.pin.countLow).toBe(true);
    const session = await card.openSession(virtual.pin); // the right PIN still works
    await session.close();
  });

  it('names the module path when the module cannot be loaded', async () => {
    const card = startCard({ modulePath: '/nowhere/HiCOSPKCS11.so' });
    const status = await card.status();
    expect(status.state).toBe('no-module');
    expect(status.problem).toContain('/nowhere/HiCOSPKCS11.so');
    expect(await codeOf(card.openSession('123456'))).toBe('CARD_MODULE_NOT_FOUND');
    expect((await card.diagnostics()).loaded).toBe(false);
  });

  it('gives diagnostics: library, slots, token flags and mechanisms', async () => {
    const virtual = await virtualCardFor('vendor');
    const card = startCard({ modulePath: virtual.modulePath });
    const d = await card.diagnostics();
    expect(d.library?.manufacturer).toMatch(/SoftHSM/);
    const slot = d.slots.find((s) => s.tokenPresent)!;
    expect(slot.token).toMatchObject({ label: 'HiCOS PKI Smart Card' });
    expect(slot.token!.flags).toContain('CKF_TOKEN_INITIALIZED');
    expect(slot.mechanisms).toContain('CKM_SHA256_RSA_PKCS');
  });

  it('keeps the calling thread free while the card works', async () => {
    const virtual = await virtualCardFor('vendor');
    const card = startCard({ modulePath: virtual.modulePath });
    const session = await card.openSession(virtual.pin);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all(Array.from({ length: 300 }, (_, i) => session.signer.sign(new Uint8Array([i]))));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0); // timers ran while 300 signatures were made
    await session.close();
  });

  it('signs dozens asked for at once, each request answered with the signature over its own data', async () => {
    const virtual = await virtualCardFor('vendor');
    const card = startCard({ modulePath: virtual.modulePath });
    const session = await card.openSession(virtual.pin);
    const publicKey = new X509Certificate(session.certificate).publicKey;
    // Asked one by one, or handed over as a bundle (sized by the card's speed): the answers must not be shuffled.
    for (const wave of [1, 50, 7]) {
      const data = Array.from({ length: wave }, (_, i) => new TextEncoder().encode(`step ${wave}-${i}`));
      const signatures = await Promise.all(data.map((d) => session.signer.sign(d)));
      signatures.forEach((signature, i) => expect(verify('sha256', data[i]!, publicKey, signature)).toBe(true));
      const bundled = await session.signBundle(data);
      expect(bundled.failure).toBeUndefined();
      bundled.signatures.forEach((signature, i) => expect(verify('sha256', data[i]!, publicKey, signature)).toBe(true));
      expect(bundled.signatures).toHaveLength(wave);
    }
    await session.close();
  });

  describe('faults SoftHSM cannot produce (injected around the real module)', () => {
    it('warns of the final try, and reports a locked PIN', async () => {
      const virtual = await virtualCardFor('vendor');
      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({
        C_Login: { ckr: 'CKR_PIN_INCORRECT' },
        tokenFlags: ['CKF_USER_PIN_FINAL_TRY', 'CKF_USER_PIN_COUNT_LOW'],
      });
      const finalTry = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      const failure = await finalTry.openSession('000000').catch((e: unknown) => e as { code: string; pin: unknown });
      expect(failure).toMatchObject({ code: 'CARD_PIN_FINAL_TRY', pin: { finalTry: true } });

      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Login: { ckr: 'CKR_PIN_LOCKED' }, tokenFlags: ['CKF_USER_PIN_LOCKED'] });
      const locked = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      expect(await codeOf(locked.openSession(virtual.pin))).toBe('CARD_PIN_LOCKED');
      expect((await locked.status()).token?.pin.locked).toBe(true);
    });

    it('reports a card pulled out mid-batch, and signs again once it is back', async () => {
      const virtual = await virtualCardFor('vendor');
      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Sign: { ckr: 'CKR_DEVICE_REMOVED', afterCalls: 3, times: 1 } });
      const card = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      const session = await card.openSession(virtual.pin);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await codeOf(session.signer.sign(new Uint8Array([i]))));
      expect(results.slice(0, 4)).toEqual(['no error', 'no error', 'no error', 'CARD_REMOVED']);
      expect(results[4]).toBe('CARD_FAILED'); // the session went with the card: log in again
      const again = await card.openSession(virtual.pin);
      expect(await codeOf(again.signer.sign(new Uint8Array([9])))).toBe('no error');
      await again.close();
    });

    it('keeps the signatures made before a card is pulled out in the middle of a bundle, and fails every one after', async () => {
      const virtual = await virtualCardFor('vendor');
      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Sign: { ckr: 'CKR_DEVICE_REMOVED', afterCalls: 20, times: 1 } });
      const card = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      const session = await card.openSession(virtual.pin);
      const publicKey = new X509Certificate(session.certificate).publicKey;
      await session.signer.sign(new Uint8Array([0]));
      const data = Array.from({ length: 40 }, (_, i) => new Uint8Array([1, i]));
      const { signatures, failure } = await session.signBundle(data);
      expect(signatures.map((signature, i) => verify('sha256', data[i]!, publicKey, signature))).toEqual(Array(19).fill(true));
      expect(failure?.code).toBe('CARD_REMOVED');
      // The rest of that bundle were never tried; later requests find the session gone with the card.
      expect(['CARD_REMOVED', 'CARD_FAILED']).toContain(
        await session.signer.sign(new Uint8Array([2])).then(
          () => 'signed',
          (e: { code?: string }) => e.code,
        ),
      );
    });
  });

  it('after stopSigning, bundles waiting at the card thread are answered unsigned; the signature under way ends', async () => {
    const virtual = await virtualCardFor('vendor');
    const calls = join(mkdtempSync(join(tmpdir(), 'gongwen-calls-')), 'calls');
    // As slow as a HiCOS card, so the three bundles wait at the card thread behind the first signature.
    process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ slow: { C_Sign: 1000 }, callLog: calls });
    const card = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
    const session = await card.openSession(virtual.pin);
    const bundles = [1, 2, 3].map((i) => session.signBundle([new Uint8Array([i])]));
    session.stopSigning();
    const answers = await Promise.all(bundles);
    const signed = answers.reduce((n, a) => n + a.signatures.length, 0);
    expect(signed).toBeLessThanOrEqual(1); // at most the one under way when the stop came
    expect(answers.at(-1)).toEqual({ signatures: [], stopped: true });
    expect(answers.every((a) => a.failure === undefined)).toBe(true);
    const signCalls = (existsSync(calls) ? readFileSync(calls, 'utf8') : '').split('\n').filter((l) => l.startsWith('C_Sign '));
    expect(signCalls).toHaveLength(signed);
    await session.close();
  });

  describe('mechanisms and key types', () => {
    const payload = new TextEncoder().encode('{"step":2}');

    it('signs with CKM_RSA_PKCS over a DigestInfo where the token lacks CKM_SHA256_RSA_PKCS', async () => {
      const virtual = await virtualCardFor('vendor');
      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ hideMechanisms: ['CKM_SHA256_RSA_PKCS'] });
      const card = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      const session = await card.openSession(virtual.pin);
      expect(session.mechanism).toBe('CKM_RSA_PKCS'); // the fallback was used, not the hashing mechanism
      expect(verifyStepSignature(await signStep(payload, session.signer, new Date()), payload).signer.certificate.subject).toContain('公文系統廠商');
      await session.close();
    });

    it('asks again with a larger buffer when the token answers CKR_BUFFER_TOO_SMALL (some HiCOS versions)', async () => {
      const virtual = await virtualCardFor('vendor');
      process.env.GONGWEN_PKCS11_FAULTS = JSON.stringify({ C_Sign: { ckr: 'CKR_BUFFER_TOO_SMALL', times: 1 } });
      const fired = faultLog();
      const card = startCard({ modulePath: virtual.modulePath, apiWrapper: faultWrapper });
      const session = await card.openSession(virtual.pin);
      expect(verifyStepSignature(await signStep(payload, session.signer, new Date()), payload).signer.certificate.subject).toContain('公文系統廠商');
      expect(fired()).toEqual(['C_Sign CKR_BUFFER_TOO_SMALL']); // the token did answer "too small" once, and the signature came after
      await session.close();
    });

    it('signs with an ECDSA P-256 card key too', async () => {
      const reader = await virtualCardFor('vendor', { inserted: false });
      // An end-entity certificate for signing, as a card's is (a CA certificate's keyCertSign does not sign documents).
      const dir = mkdtempSync(join(tmpdir(), 'gongwen-ec-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-subj',
          '/CN=EC card holder/O=GongwenDesk Test',
          '-days',
          '30',
          '-addext',
          'keyUsage=critical,digitalSignature,nonRepudiation',
        ],
        { stdio: 'ignore' },
      );
      const ec = { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
      const virtual = insertVirtualCard(reader, { certPem: ec.certPem, keyPem: ec.keyPem });
      const card = startCard({ modulePath: virtual.modulePath });
      const session = await card.openSession(virtual.pin);
      expect(session.keyAlgorithm).toBe('EC');
      expect(verifyStepSignature(await signStep(payload, session.signer, new Date()), payload).signer.certificate.subject).toContain('EC card holder');
      await session.close();
    });
  });
});

describe('card sessions do not cancel each other', () => {
  const sign = (session: { signer: { sign(d: Uint8Array): Promise<Uint8Array> } }) => codeOf(session.signer.sign(new TextEncoder().encode('{"step":2}')));

  it('a second session (a send during a 補簽 batch) is refused with CARD_BUSY and leaves the first signing', async () => {
    const virtual = await virtualCardFor('yeh.yenchih');
    const card = startCard({ modulePath: virtual.modulePath });
    const batch = await card.openSession(virtual.pin);
    const refused = await card.openSession(virtual.pin).then(
      () => null,
      (e: { code?: string; message?: string }) => e,
    );
    expect(refused).toMatchObject({ code: 'CARD_BUSY' });
    expect(await sign(batch)).toBe('no error');
    // A wrong PIN typed in another dialog neither stops the batch nor costs a PIN try.
    expect(await codeOf(card.openSession('000000'))).toBe('CARD_BUSY');
    expect(await sign(batch)).toBe('no error');
    expect((await card.status()).token?.pin).toMatchObject({ countLow: false, finalTry: false, locked: false });
    await batch.close();
  });

  it('a second card thread in the process (another desktop) looking for cards leaves this session signing', async () => {
    const virtual = await virtualCardFor('yeh.yenchih');
    const batch = startCard({ modulePath: virtual.modulePath });
    const other = startCard({ modulePath: virtual.modulePath });
    const session = await batch.openSession(virtual.pin);
    expect(await sign(session)).toBe('no error');
    // SoftHSM sees new tokens only when re-initialised, and its C_Finalize would end every session
    // of the process: the idle thread's look must not end the batch's session.
    expect((await other.status()).state).toBe('ready');
    expect(await sign(session)).toBe('no error');
    await session.close();
    const again = await other.openSession(virtual.pin);
    expect(await sign(again)).toBe('no error');
    await again.close();
  });

  it('each close ends its own session: an old session closed twice does not log out the next one', async () => {
    const virtual = await virtualCardFor('yeh.yenchih');
    const card = startCard({ modulePath: virtual.modulePath });
    const first = await card.openSession(virtual.pin);
    await first.close();
    expect(await sign(first)).toBe('CARD_FAILED'); // a closed session signs nothing
    const second = await card.openSession(virtual.pin);
    await first.close(); // late, repeated: must not touch the second
    expect(await sign(second)).toBe('no error');
    expect(await sign(first)).toBe('CARD_FAILED');
    await second.close();
    const third = await card.openSession(virtual.pin);
    expect(await sign(third)).toBe('no error');
    await third.close();
  });
});
