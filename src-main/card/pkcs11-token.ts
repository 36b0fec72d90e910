import { X509Certificate, createHash } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type { CardDiagnostics, CardInReader, CardStatus, PinState } from '../../src-shared/common/card-status.js';
import type { LoginResult } from './card-protocol.js';
import { CKR, ckrOf } from './ckr.js';
import { SharedModule } from './shared-module.js';
import { chooseSigningCertificate, holderOf, type CertificateOnCard } from './signing-certificate.js';

export type Pkcs11Api = InstanceType<typeof pkcs11js.PKCS11>;
type Handle = Buffer;

const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
/** CK_SLOT_INFO flag (pkcs11js exports no constant for it). */
const CKF_TOKEN_PRESENT = 0x1;

interface SigningKey {
  handle: Handle;
  keyType: 'RSA' | 'EC';
  mechanism: number;
  mechanismName: string;
  /** Expected signature length, to size the output buffer. */
  signatureBytes: number;
}

interface PublicCertificate {
  info: CardStatus['certificate'];
  holder: string | null;
}

interface PresentCard extends CardInReader {
  slot: Handle;
  token: NonNullable<CardStatus['token']>;
  certificate: CardStatus['certificate'];
}

/**
 * The card as seen from the worker thread: synchronous PKCS#11 calls over pkcs11js (or a wrapper
 * of it, for fault injection in tests). One session at a time; one login per batch.
 */
export class Pkcs11Token {
  private api: Pkcs11Api | null = null;
  private problem: string | undefined;
  private session: Handle | null = null;
  private slot: Handle | null = null;
  private key: SigningKey | null = null;
  private chosenSerial: string | null = null;
  /** Each card's signing certificate by token serial: read once, not every second. */
  private readonly certificateCache = new Map<string, { value: PublicCertificate | undefined }>();

  constructor(
    readonly modulePath: string,
    private readonly makeApi: () => Pkcs11Api,
    private readonly rescanByReinitialize: boolean,
    /** The module as the other card threads of this process share it (see SharedModule). */
    private readonly shared: SharedModule = new SharedModule(),
  ) {}

  private loaded(): Pkcs11Api | null {
    if (this.api) return this.api;
    try {
      const api = this.makeApi();
      api.load(this.modulePath);
      try {
        api.C_Initialize();
      } catch (error) {
        if (ckrOf(error)?.code !== CKR.CRYPTOKI_ALREADY_INITIALIZED) throw error;
      }
      this.api = api;
      this.problem = undefined;
      return api;
    } catch (error) {
      this.problem = `${this.modulePath}: ${error instanceof Error ? error.message : String(error)}`;
      return null;
    }
  }

  /**
   * Forgets the module's state: the next call loads and initialises it again (a re-inserted card,
   * a rescan). The module is finalised only where no other card thread of this process holds a
   * session: C_Finalize would end that session too (the other thread then sees the new state at
   * its own next look).
   */
  reset(): void {
    if (this.session) this.shared.closed();
    this.session = null;
    this.key = null;
    this.slot = null;
    if (this.api) {
      try {
        if (!this.shared.othersHoldSessions()) this.api.C_Finalize();
      } catch {
        // already finalised or the module is gone: either way we start again
      }
      try {
        this.api.close();
      } catch {
        // ignore
      }
    }
    this.api = null;
  }

  /**
   * The card the clerk chose (its token serial, remembered in Settings), or null. A chosen card
   * that is not present is not replaced by another one present: the status asks again.
   */
  choose(serial: string | null): void {
    this.chosenSerial = serial;
  }

  /** Every slot with an initialised token, in slot order; unreadable certificates leave the holder unknown. */
  private present(api: Pkcs11Api): PresentCard[] {
    const cards: PresentCard[] = [];
    for (const slot of api.C_GetSlotList(true)) {
      const info = api.C_GetTokenInfo(slot);
      if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue; // a blank token (SoftHSM's free slot) is no card
      const serial = info.serialNumber.trim();
      const certificate = this.publicCertificate(api, slot, serial);
      cards.push({
        slot,
        reader: api.C_GetSlotInfo(slot).slotDescription.trim(),
        label: info.label.trim(),
        serial,
        holder: certificate?.holder ?? null,
        token: { label: info.label.trim(), serial, model: info.model.trim(), manufacturer: info.manufacturerID.trim(), pin: pinState(info.flags) },
        certificate: certificate?.info,
      });
    }
    return cards;
  }

  /** Which present card is in use: the chosen one; else the only one; else none (the clerk must choose). */
  private settle(cards: PresentCard[]): { card: PresentCard; by: 'clerk' | 'only-card' } | { card: null; why: string } {
    if (this.chosenSerial !== null) {
      const chosen = cards.find((c) => c.serial === this.chosenSerial);
      if (chosen) return { card: chosen, by: 'clerk' };
      if (cards.length > 0) return { card: null, why: 'the card chosen before is not present, another card is: the clerk chooses again' };
      return { card: null, why: 'no card present' };
    }
    if (cards.length === 1) return { card: cards[0]!, by: 'only-card' };
    return { card: null, why: cards.length === 0 ? 'no card present' : `${cards.length} cards present and none chosen` };
  }

  status(): CardStatus {
    if (this.rescanByReinitialize && !this.session) this.reset();
    const api = this.loaded();
    if (!api) return { state: 'no-module', modulePath: this.modulePath, problem: this.problem };
    try {
      if (api.C_GetSlotList(false).length === 0) return { state: 'no-reader', modulePath: this.modulePath };
      const cards = this.present(api);
      if (cards.length === 0) return { state: 'no-card', modulePath: this.modulePath };
      const listed = cards.map(({ reader, label, serial, holder }) => ({ reader, label, serial, holder }));
      const settled = this.settle(cards);
      if (!settled.card) return { state: 'choose', modulePath: this.modulePath, cards: listed };
      const { card, by } = settled;
      return {
        state: 'ready',
        modulePath: this.modulePath,
        token: card.token,
        certificate: card.certificate,
        cards: listed,
        reader: card.reader,
        chosenBy: by,
      };
    } catch (error) {
      if (!this.session) this.reset(); // a module that failed mid-call is re-initialised on the next look
      return { state: 'no-card', modulePath: this.modulePath, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The signing certificate, read without a login (certificates are public objects). */
  private publicCertificate(api: Pkcs11Api, slot: Handle, serial: string): PublicCertificate | undefined {
    const cached = this.certificateCache.get(serial);
    if (cached) return cached.value;
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const { chosen } = chooseSigningCertificate(this.certificates(api, session));
      const value = chosen ? { info: describeCertificate(chosen.der), holder: holderOf(chosen.der) } : undefined;
      if (this.certificateCache.size > 16) this.certificateCache.clear(); // many cards come and go on a shared PC: keep it small
      this.certificateCache.set(serial, { value });
      return value;
    } finally {
      api.C_CloseSession(session);
    }
  }

  pinState(): PinState | undefined {
    try {
      const api = this.loaded();
      if (!api) return undefined;
      const slot = this.slot ?? this.settle(this.present(api)).card?.slot;
      return slot ? pinState(api.C_GetTokenInfo(slot).flags) : undefined;
    } catch {
      return undefined;
    }
  }

  login(pin: string): LoginResult {
    this.logout();
    const api = this.loaded();
    if (!api) throw Object.assign(new Error(this.problem ?? 'module not loaded'), { cardCode: 'CARD_MODULE_NOT_FOUND' });
    const cards = this.present(api);
    if (cards.length === 0) throw Object.assign(new Error('no token'), { cardCode: 'CARD_NOT_PRESENT' });
    const settled = this.settle(cards);
    if (!settled.card) throw Object.assign(new Error(settled.why), { cardCode: 'CARD_NOT_CHOSEN' });
    const slot = settled.card.slot;
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      try {
        api.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        if (ckrOf(error)?.code !== CKR.USER_ALREADY_LOGGED_IN) throw error;
      }
      const { certificate, key } = this.findSigningKey(api, session, slot);
      this.session = session;
      this.shared.opened();
      this.slot = slot;
      this.key = key;
      return { certificate: new Uint8Array(certificate), keyAlgorithm: key.keyType, mechanism: key.mechanismName };
    } catch (error) {
      try {
        api.C_CloseSession(session);
      } catch {
        // the session may already be gone with the card
      }
      throw error;
    }
  }

  sign(data: Uint8Array): Uint8Array {
    const api = this.api;
    const key = this.key;
    if (!api || !this.session || !key) throw Object.assign(new Error('not logged in'), { cardCode: 'CARD_FAILED' });
    const session = this.session;
    const input = toBeSigned(key, data);
    api.C_SignInit(session, { mechanism: key.mechanism }, key.handle);
    let signature: Buffer;
    try {
      signature = api.C_Sign(session, input, Buffer.alloc(key.signatureBytes));
    } catch (error) {
      // Some HiCOS versions want a larger buffer than the key size suggests. BUFFER_TOO_SMALL
      // leaves the operation active (PKCS#11 5.2), so the same call is made again, larger.
      const code = ckrOf(error)?.code;
      if (code !== CKR.BUFFER_TOO_SMALL) throw error;
      signature = api.C_Sign(session, input, Buffer.alloc(4096));
    }
    return key.keyType === 'EC' ? ecdsaRawToDer(signature) : new Uint8Array(signature);
  }

  logout(): void {
    const api = this.api;
    const session = this.session;
    this.session = null;
    this.key = null;
    if (!api || !session) return;
    this.shared.closed();
    try {
      api.C_Logout(session);
    } catch {
      // logged out already, or the card is gone
    }
    try {
      api.C_CloseSession(session);
    } catch {
      // ignore
    }
  }

  diagnostics(): CardDiagnostics {
    const api = this.loaded();
    if (!api) return { modulePath: this.modulePath, loaded: false, problem: this.problem, slots: [] };
    const info = api.C_GetInfo();
    const version = (v: { major: number; minor: number }) => `${v.major}.${v.minor}`;
    const slots = api.C_GetSlotList(false).map((slot) => {
      const slotInfo = api.C_GetSlotInfo(slot);
      const tokenPresent = (slotInfo.flags & CKF_TOKEN_PRESENT) !== 0;
      const entry: CardDiagnostics['slots'][number] = { id: slot.toString('hex'), description: slotInfo.slotDescription.trim(), tokenPresent };
      if (tokenPresent) {
        const t = api.C_GetTokenInfo(slot);
        entry.token = {
          label: t.label.trim(),
          serial: t.serialNumber.trim(),
          model: t.model.trim(),
          manufacturer: t.manufacturerID.trim(),
          flags: flagNames(t.flags),
        };
        entry.mechanisms = api.C_GetMechanismList(slot).map(mechanismName);
        if ((t.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0) entry.signing = this.signingDiagnostics(api, slot);
      }
      return entry;
    });
    let chosen: CardDiagnostics['chosen'];
    try {
      const settled = this.settle(this.present(api));
      chosen = settled.card ? { serial: settled.card.serial, by: settled.by } : { serial: null, why: settled.why };
    } catch (error) {
      chosen = { serial: null, why: error instanceof Error ? error.message : String(error) };
    }
    return {
      modulePath: this.modulePath,
      loaded: true,
      library: {
        description: info.libraryDescription.trim(),
        manufacturer: info.manufacturerID.trim(),
        cryptokiVersion: version(info.cryptokiVersion),
        libraryVersion: version(info.libraryVersion),
      },
      slots,
      chosen,
    };
  }

  /** Which certificate signs on the card in `slot`, and each certificate's verdict, read without a login. */
  private signingDiagnostics(api: Pkcs11Api, slot: Handle): NonNullable<CardDiagnostics['slots'][number]['signing']> {
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const { reason, verdicts } = chooseSigningCertificate(this.certificates(api, session));
      return { reason, certificates: verdicts };
    } catch (error) {
      return { reason: `the certificates could not be read: ${error instanceof Error ? error.message : String(error)}`, certificates: [] };
    } finally {
      api.C_CloseSession(session);
    }
  }

  private certificates(api: Pkcs11Api, session: Handle): CertificateOnCard[] {
    return findObjects(api, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).map((handle) => {
      const [id, label, value] = api.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_VALUE },
      ]);
      return { id: (id?.value as Buffer | undefined) ?? null, label: String(label?.value ?? ''), der: (value?.value as Buffer | undefined) ?? Buffer.alloc(0) };
    });
  }

  /**
   * The signing certificate (by key usage: signingCertificate.ts) and the private key with its
   * CKA_ID. The key is never chosen by its own label: an encryption key labelled SIGN, or with
   * CKA_SIGN set as some cards do, is not used when its certificate says encryption.
   */
  private findSigningKey(api: Pkcs11Api, session: Handle, slot: Handle): { certificate: Buffer; key: SigningKey } {
    const choice = chooseSigningCertificate(this.certificates(api, session));
    const cert = choice.chosen;
    if (!cert) throw Object.assign(new Error(choice.reason), { cardCode: 'CARD_NO_SIGNING_KEY' });
    if (!cert.id || cert.id.length === 0)
      throw Object.assign(new Error('the signing certificate has no CKA_ID to find its key by'), { cardCode: 'CARD_NO_SIGNING_KEY' });
    const [handle] = findObjects(api, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: cert.id },
    ]);
    if (!handle)
      throw Object.assign(new Error(`no private key with the signing certificate's CKA_ID ${cert.id.toString('hex')}`), { cardCode: 'CARD_NO_SIGNING_KEY' });
    const [keyType] = api.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_KEY_TYPE }]);
    const type = ulongOf(keyType?.value as Buffer | undefined);
    const mechanisms = new Set(api.C_GetMechanismList(slot));
    if (type === pkcs11js.CKK_RSA) {
      const [modulus] = api.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_MODULUS }]);
      const bytes = (modulus?.value as Buffer | undefined)?.length ?? 256;
      const mechanism = mechanisms.has(pkcs11js.CKM_SHA256_RSA_PKCS) ? pkcs11js.CKM_SHA256_RSA_PKCS : pkcs11js.CKM_RSA_PKCS;
      return { certificate: cert.der, key: { handle, keyType: 'RSA', mechanism, mechanismName: mechanismName(mechanism), signatureBytes: bytes } };
    }
    if (type === pkcs11js.CKK_EC) {
      const mechanism = mechanisms.has(pkcs11js.CKM_ECDSA_SHA256) ? pkcs11js.CKM_ECDSA_SHA256 : pkcs11js.CKM_ECDSA;
      return { certificate: cert.der, key: { handle, keyType: 'EC', mechanism, mechanismName: mechanismName(mechanism), signatureBytes: 132 } };
    }
    throw Object.assign(new Error(`unsupported key type ${type}`), { cardCode: 'CARD_NO_SIGNING_KEY' });
  }
}

/** A CK_ULONG attribute in the platform's byte order (little-endian on every platform we ship for). */
function ulongOf(value: Buffer | undefined): number {
  if (!value) return -1;
  return value.length === 8 ? Number(value.readBigUInt64LE()) : value.readUInt32LE();
}

function findObjects(api: Pkcs11Api, session: Handle, template: { type: number; value: number | boolean | Buffer }[]): Handle[] {
  api.C_FindObjectsInit(session, template);
  try {
    return api.C_FindObjects(session, 32);
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

function toBeSigned(key: SigningKey, data: Uint8Array): Buffer {
  if (key.mechanism === pkcs11js.CKM_SHA256_RSA_PKCS || key.mechanism === pkcs11js.CKM_ECDSA_SHA256) return Buffer.from(data);
  const digest = createHash('sha256').update(data).digest();
  return key.keyType === 'RSA' ? Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]) : digest;
}

/** PKCS#11 returns ECDSA as r‖s; CMS wants Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    const body = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : Buffer.from(trimmed);
    return Buffer.concat([Buffer.of(0x02, body.length), body]);
  };
  const content = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  const length = content.length < 0x80 ? Buffer.of(content.length) : Buffer.of(0x81, content.length);
  return new Uint8Array(Buffer.concat([Buffer.of(0x30), length, content]));
}

function pinState(flags: number): PinState {
  return {
    countLow: (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    finalTry: (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
    locked: (flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
  };
}

function describeCertificate(der: Buffer): CardStatus['certificate'] {
  if (der.length === 0) return undefined;
  try {
    const c = new X509Certificate(der);
    return {
      subject: c.subject,
      issuer: c.issuer,
      serial: c.serialNumber,
      notBefore: new Date(c.validFrom).toISOString(),
      notAfter: new Date(c.validTo).toISOString(),
    };
  } catch {
    return undefined;
  }
}

const constantNames = (prefix: string) =>
  new Map(
    Object.entries(pkcs11js)
      .filter(([name, value]) => name.startsWith(prefix) && typeof value === 'number')
      .map(([name, value]) => [value as number, name]),
  );
let mechanismNames: Map<number, string> | undefined;
function mechanismName(mechanism: number): string {
  mechanismNames ??= constantNames('CKM_');
  return mechanismNames.get(mechanism) ?? `0x${mechanism.toString(16)}`;
}

const TOKEN_FLAGS: [string, number][] = [
  'CKF_LOGIN_REQUIRED',
  'CKF_USER_PIN_INITIALIZED',
  'CKF_TOKEN_INITIALIZED',
  'CKF_PROTECTED_AUTHENTICATION_PATH',
  'CKF_USER_PIN_COUNT_LOW',
  'CKF_USER_PIN_FINAL_TRY',
  'CKF_USER_PIN_LOCKED',
  'CKF_USER_PIN_TO_BE_CHANGED',
].map((n) => [n, (pkcs11js as unknown as Record<string, number>)[n]!]);
function flagNames(flags: number): string[] {
  return TOKEN_FLAGS.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
}
