import { X509Certificate, createHash } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { SIGNING_KEY_LABEL } from '../../native/pkcs11-modules.js';
import type { CardDiagnostics, CardStatus, PinState } from '../../src-shared/common/card-status.js';
import type { LoginResult } from './card-protocol.js';
import { CKR, ckrOf } from './ckr.js';

export type Pkcs11Api = InstanceType<typeof pkcs11js.PKCS11>;
type Handle = Buffer;

const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const SIGN_ID = Buffer.from(SIGNING_KEY_LABEL, 'ascii');
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
  private certificateCache: { serial: string; info: CardStatus['certificate'] } | null = null;

  constructor(
    readonly modulePath: string,
    private readonly makeApi: () => Pkcs11Api,
    private readonly rescanByReinitialize: boolean,
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

  /** Forgets the module's state: the next call loads and initialises it again (a re-inserted card, a rescan). */
  reset(): void {
    this.session = null;
    this.key = null;
    this.slot = null;
    if (this.api) {
      try {
        this.api.C_Finalize();
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

  status(): CardStatus {
    if (this.rescanByReinitialize && !this.session) this.reset();
    const api = this.loaded();
    if (!api) return { state: 'no-module', modulePath: this.modulePath, problem: this.problem };
    try {
      if (api.C_GetSlotList(false).length === 0) return { state: 'no-reader', modulePath: this.modulePath };
      const present = api.C_GetSlotList(true);
      const slot = present[0];
      if (!slot) return { state: 'no-card', modulePath: this.modulePath };
      const info = api.C_GetTokenInfo(slot);
      const token = {
        label: info.label.trim(),
        serial: info.serialNumber.trim(),
        model: info.model.trim(),
        manufacturer: info.manufacturerID.trim(),
        pin: pinState(info.flags),
      };
      return { state: 'ready', modulePath: this.modulePath, token, certificate: this.publicCertificate(api, slot, token.serial) };
    } catch (error) {
      if (!this.session) this.reset(); // a module that failed mid-call is re-initialised on the next look
      return { state: 'no-card', modulePath: this.modulePath, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The signing certificate, read without a login (certificates are public objects). */
  private publicCertificate(api: Pkcs11Api, slot: Handle, serial: string): CardStatus['certificate'] {
    if (this.certificateCache?.serial === serial) return this.certificateCache.info;
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const der = this.findCertificate(api, session, null);
      const info = der ? describeCertificate(der) : undefined;
      this.certificateCache = { serial, info };
      return info;
    } finally {
      api.C_CloseSession(session);
    }
  }

  pinState(): PinState | undefined {
    try {
      const api = this.loaded();
      const slot = this.slot ?? api?.C_GetSlotList(true)[0];
      return api && slot ? pinState(api.C_GetTokenInfo(slot).flags) : undefined;
    } catch {
      return undefined;
    }
  }

  login(pin: string): LoginResult {
    this.logout();
    const api = this.loaded();
    if (!api) throw Object.assign(new Error(this.problem ?? 'module not loaded'), { cardCode: 'CARD_MODULE_NOT_FOUND' });
    const slot = api.C_GetSlotList(true)[0];
    if (!slot) throw Object.assign(new Error('no token'), { cardCode: 'CARD_NOT_PRESENT' });
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      try {
        api.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        if (ckrOf(error)?.code !== CKR.USER_ALREADY_LOGGED_IN) throw error;
      }
      const key = this.findSigningKey(api, session, slot);
      const certificate = this.findCertificate(api, session, key.id);
      if (!certificate) throw Object.assign(new Error('no certificate for the signing key'), { cardCode: 'CARD_NO_SIGNING_KEY' });
      this.session = session;
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
    return {
      modulePath: this.modulePath,
      loaded: true,
      library: {
        description: info.libraryDescription.trim(),
        manufacturer: info.manufacturerID.trim(),
        cryptokiVersion: version(info.cryptokiVersion),
        libraryVersion: version(info.libraryVersion),
      },
      slots: api.C_GetSlotList(false).map((slot) => {
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
        }
        return entry;
      }),
    };
  }

  private findSigningKey(api: Pkcs11Api, session: Handle, slot: Handle): SigningKey & { id: Buffer | null } {
    const keys = findObjects(api, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_SIGN, value: true },
    ]).map((handle) => {
      const [id, label, keyType] = api.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_KEY_TYPE },
      ]);
      return {
        handle,
        id: (id?.value as Buffer | undefined) ?? null,
        label: String(label?.value ?? ''),
        keyType: ulongOf(keyType?.value as Buffer | undefined),
      };
    });
    // HiCOS cards hold a SIGN pair and a KEYX (encryption) pair: take SIGN when it is there.
    const chosen = keys.find((k) => k.label === SIGNING_KEY_LABEL || (k.id && k.id.equals(SIGN_ID))) ?? keys[0];
    if (!chosen) throw Object.assign(new Error('no private key with CKA_SIGN'), { cardCode: 'CARD_NO_SIGNING_KEY' });
    const mechanisms = new Set(api.C_GetMechanismList(slot));
    if (chosen.keyType === pkcs11js.CKK_RSA) {
      const [modulus] = api.C_GetAttributeValue(session, chosen.handle, [{ type: pkcs11js.CKA_MODULUS }]);
      const bytes = (modulus?.value as Buffer | undefined)?.length ?? 256;
      const mechanism = mechanisms.has(pkcs11js.CKM_SHA256_RSA_PKCS) ? pkcs11js.CKM_SHA256_RSA_PKCS : pkcs11js.CKM_RSA_PKCS;
      return { handle: chosen.handle, id: chosen.id, keyType: 'RSA', mechanism, mechanismName: mechanismName(mechanism), signatureBytes: bytes };
    }
    if (chosen.keyType === pkcs11js.CKK_EC) {
      const mechanism = mechanisms.has(pkcs11js.CKM_ECDSA_SHA256) ? pkcs11js.CKM_ECDSA_SHA256 : pkcs11js.CKM_ECDSA;
      return { handle: chosen.handle, id: chosen.id, keyType: 'EC', mechanism, mechanismName: mechanismName(mechanism), signatureBytes: 132 };
    }
    throw Object.assign(new Error(`unsupported key type ${chosen.keyType}`), { cardCode: 'CARD_NO_SIGNING_KEY' });
  }

  /** The certificate of the signing key: same CKA_ID, else labelled SIGN, else one for signing. */
  private findCertificate(api: Pkcs11Api, session: Handle, keyId: Buffer | null): Buffer | null {
    const certs = findObjects(api, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).map((handle) => {
      const [id, label, value] = api.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_VALUE },
      ]);
      return { id: (id?.value as Buffer | undefined) ?? null, label: String(label?.value ?? ''), der: value?.value as Buffer };
    });
    const forSigning = (der: Buffer) => {
      try {
        const usage = new X509Certificate(der).keyUsage ?? [];
        return usage.length === 0 || usage.some((u) => /digital ?signature|non ?repudiation/i.test(u));
      } catch {
        return false;
      }
    };
    const chosen =
      (keyId && certs.find((c) => c.id?.equals(keyId))) ??
      certs.find((c) => c.label === SIGNING_KEY_LABEL || c.id?.equals(SIGN_ID)) ??
      certs.find((c) => forSigning(c.der));
    return chosen?.der ?? null;
  }
}

/** A CK_ULONG attribute in the platform's byte order (little-endian on every platform we ship for). */
function ulongOf(value: Buffer | undefined): number {
  if (!value) return -1;
  return value.length === 8 ? Number(value.readBigUInt64LE()) : value.readUInt32LE();
}

function findObjects(api: Pkcs11Api, session: Handle, template: { type: number; value: number | boolean }[]): Handle[] {
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
