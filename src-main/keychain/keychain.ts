import { AsyncEntry } from '@napi-rs/keyring';
import { GongwenError } from '../../src-shared/common/errors.js';

/** A small secret per name in the OS keychain. */
export interface SecretStore {
  get(name: string): Promise<Uint8Array | null>;
  set(name: string, secret: Uint8Array): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Throws KEYCHAIN_UNAVAILABLE when nothing could be stored. */
  assertAvailable(): Promise<void>;
}

/** Windows Credential Manager holds at most 2,560 bytes per secret; we stay well under. */
export const MAX_SECRET_BYTES = 2000;

/**
 * The OS keychain through @napi-rs/keyring: Windows Credential Manager, macOS Keychain, and on
 * Linux the Secret Service only (pinned: the library would otherwise fall back to the kernel
 * keyring, which forgets everything at reboot). When the keychain cannot be used this says so;
 * there is no fallback to a file.
 */
export class OsKeychain implements SecretStore {
  constructor(private readonly service = 'GongwenDesk temporary certificate') {}

  private entry(name: string): AsyncEntry {
    try {
      return new AsyncEntry(this.service, name, { linux: { store: 'secret-service' } });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async get(name: string): Promise<Uint8Array | null> {
    try {
      const secret = await this.entry(name).getSecret();
      return secret ? Uint8Array.from(secret) : null;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async set(name: string, secret: Uint8Array): Promise<void> {
    if (secret.length > MAX_SECRET_BYTES) throw new RangeError(`a keychain secret is at most ${MAX_SECRET_BYTES} bytes`);
    try {
      await this.entry(name).setSecret(secret);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      return await this.entry(name).deleteCredential();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async assertAvailable(): Promise<void> {
    // Reading a name that is never written proves the store answers without writing anything.
    await this.get('__gongwendesk_probe__');
  }
}

function unavailable(error: unknown): GongwenError {
  if (error instanceof GongwenError) return error;
  return new GongwenError('KEYCHAIN_UNAVAILABLE', error instanceof Error ? error.message : String(error));
}
