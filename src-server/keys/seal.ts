import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { OperatorError } from '../operations/operator-error.js';

/**
 * The seal key: 32 random bytes from a file the configuration names (GONGWEN_SEAL_KEY_FILE), never
 * from the database it protects. A file rather than an environment variable: a variable is seen by
 * every process the service starts, in /proc/<pid>/environ and in `systemctl show`; a file can be
 * a systemd credential (LoadCredential=) readable by the service's user only.
 */
export interface SealKey {
  /** Where it was read from (named in refusals; the key itself never is). */
  path: string;
  /** Names the key without revealing it (HKDF output, not the key). */
  id: string;
  readonly aesKey: Buffer;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export async function readSealKey(path: string): Promise<SealKey> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OperatorError(
      `Cannot read the seal key ${path} (GONGWEN_SEAL_KEY_FILE): ${code === 'ENOENT' ? 'no such file' : code}. Give every instance the same seal key file; nothing was made without it.`,
    );
  }
  if ((mode & 0o077) !== 0)
    throw new OperatorError(
      `The seal key ${path} (GONGWEN_SEAL_KEY_FILE) may be read by other users (mode ${(mode & 0o777).toString(8)}): make it readable by the service's user only (chmod 600).`,
    );
  const trimmed = text.trim();
  const raw = /^[A-Za-z0-9+/]{43}=$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (raw.length !== 32)
    throw new OperatorError(`The seal key ${path} (GONGWEN_SEAL_KEY_FILE) must hold 32 random bytes in base64, as \`openssl rand -base64 32\` prints them.`, 2);
  // Two keys from one: what encrypts and what names it, so the name says nothing of the other.
  const aesKey = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'gongwen sealed_service_keys aes-256-gcm', 32));
  const id = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'gongwen sealed_service_keys key id', 8)).toString('hex');
  raw.fill(0);
  return { path, id, aesKey };
}

/** AES-256-GCM with a fresh IV; `associated` (the table, the purpose, the certificate) is bound, not stored. */
export function seal(key: SealKey, plaintext: Uint8Array, associated: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.aesKey, iv);
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]));
}

/** The plaintext, or null when the sealed bytes do not open under this key and these associated data. */
export function unseal(key: SealKey, sealed: Uint8Array, associated: string): Buffer | null {
  const bytes = Buffer.from(sealed);
  if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.aesKey, bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
