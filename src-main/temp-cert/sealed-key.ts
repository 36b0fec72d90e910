import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * The temp cert's private key as it rests in the keychain: PKCS#8 encrypted with AES-256-GCM under
 * a key derived from the temp-cert password by scrypt. About 200 bytes, far under the 2,560 that
 * Windows allows. The account and certificate serial are bound in as associated data, so a blob
 * cannot be moved to another identity.
 *
 *   [0] version 1 · [1] log2 N · [2] r · [3] p · [4..20) salt · [20..32) IV · [32..48) tag · [48..) ciphertext
 */
const VERSION = 1;
export const SCRYPT: ScryptParams = { log2N: 17, r: 8, p: 1 };
const SCRYPT_MAXMEM = 512 * 1024 * 1024;

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Uint8Array, log2N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { N: 2 ** log2N, r, p, maxmem: SCRYPT_MAXMEM }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function sealKey(pkcs8: Uint8Array, password: string, binding: string, params = SCRYPT): Promise<Uint8Array> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await derive(password, salt, params.log2N, params.r, params.p);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
    return new Uint8Array(Buffer.concat([Buffer.of(VERSION, params.log2N, params.r, params.p), salt, iv, cipher.getAuthTag(), ciphertext]));
  } finally {
    key.fill(0);
  }
}

/** Opens a sealed key; a wrong password reads TEMP_CERT_PASSWORD_WRONG, a damaged blob TEMP_CERT_DAMAGED. */
export async function openSealedKey(sealed: Uint8Array, password: string, binding: string): Promise<Buffer> {
  if (sealed.length < 49 || sealed[0] !== VERSION) throw new GongwenError('TEMP_CERT_DAMAGED');
  const [log2N, r, p] = [sealed[1]!, sealed[2]!, sealed[3]!];
  if (log2N < 14 || log2N > 20 || r < 1 || r > 32 || p < 1 || p > 4) throw new GongwenError('TEMP_CERT_DAMAGED');
  // Within the ranges each, yet together more memory than scrypt may take: a damaged header too.
  if (128 * 2 ** log2N * r > SCRYPT_MAXMEM) throw new GongwenError('TEMP_CERT_DAMAGED');
  const salt = sealed.subarray(4, 20);
  const iv = sealed.subarray(20, 32);
  const tag = sealed.subarray(32, 48);
  // scrypt refusing the header's parameters (ERR_CRYPTO_INVALID_SCRYPT_PARAMS) is damage, not an unexpected error.
  const key = await derive(password, salt, log2N, r, p).catch(() => {
    throw new GongwenError('TEMP_CERT_DAMAGED');
  });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(48)), decipher.final()]);
  } catch {
    throw new GongwenError('TEMP_CERT_PASSWORD_WRONG');
  } finally {
    key.fill(0);
  }
}
