import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSealKey, seal, unseal } from '../../src-server/keys/seal.js';
import { writeSealKeyFile } from '../helpers/seal-key.js';

/** The seal under which the temp CA's and TSA's keys sit in the database (AES-256-GCM, src-server/keys/seal.ts). */
describe('the seal key and the seal', () => {
  const secret = new Uint8Array(randomBytes(138)); // about a PKCS#8 P-256 key

  it('opens only with the same key and the same associated data', async () => {
    const key = await readSealKey(writeSealKeyFile());
    const sealed = seal(key, secret, 'sealed_service_keys/temp-ca/abc');
    expect(Buffer.from(sealed).includes(Buffer.from(secret.subarray(0, 16)))).toBe(false);
    expect(unseal(key, sealed, 'sealed_service_keys/temp-ca/abc')).toEqual(Buffer.from(secret));
    // Another purpose or certificate (a row copied onto another), another key, one octet changed: no.
    expect(unseal(key, sealed, 'sealed_service_keys/tsa/abc')).toBeNull();
    expect(unseal(key, sealed, 'sealed_service_keys/temp-ca/abd')).toBeNull();
    expect(unseal(await readSealKey(writeSealKeyFile()), sealed, 'sealed_service_keys/temp-ca/abc')).toBeNull();
    for (const at of [0, 1, 13, 29, sealed.length - 1]) {
      const altered = Uint8Array.from(sealed);
      altered[at]! ^= 0x01;
      expect(unseal(key, altered, 'sealed_service_keys/temp-ca/abc')).toBeNull();
    }
    expect(unseal(key, sealed.subarray(0, 29), 'sealed_service_keys/temp-ca/abc')).toBeNull();
    // A fresh IV each time: the same key sealed twice does not look the same.
    expect(Buffer.from(seal(key, secret, 'x')).equals(Buffer.from(seal(key, secret, 'x')))).toBe(false);
  });

  it('names a key by an id that is the same for the same key and differs for another', async () => {
    const path = writeSealKeyFile();
    const [one, again, other] = [await readSealKey(path), await readSealKey(path), await readSealKey(writeSealKeyFile())];
    expect(one.id).toMatch(/^[0-9a-f]{16}$/);
    expect(again.id).toBe(one.id);
    expect(other.id).not.toBe(one.id);
  });

  it('refuses a file that is missing, readable by others, or not 32 bytes in base64, naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-'));
    await expect(readSealKey(join(dir, 'none.key'))).rejects.toThrow(/Cannot read the seal key .* \(GONGWEN_SEAL_KEY_FILE\): no such file/);
    const open = join(dir, 'open.key');
    writeFileSync(open, randomBytes(32).toString('base64'));
    chmodSync(open, 0o640);
    await expect(readSealKey(open)).rejects.toThrow(/may be read by other users \(mode 640\)/);
    for (const text of ['', 'short', randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), randomBytes(32).toString('hex')]) {
      const bad = join(dir, 'bad.key');
      writeFileSync(bad, text, { mode: 0o600 });
      await expect(readSealKey(bad)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/32 random bytes in base64/) });
    }
  });
});
