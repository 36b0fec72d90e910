import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, afterEach, vi } from 'vitest';
import { latestEvery } from '../../src-main/ipc/latest-every.js';
import { ecdsaRawToDer } from '../../src-main/card/pkcs11-token.js';
import { checkServiceUrl, isLoopback } from '../../src-main/service-client/service-url.js';
import { openSealedKey, sealKey } from '../../src-main/temp-cert/sealed-key.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { sign, verify } from 'node:crypto';

describe('the service URL', () => {
  it('must be https, except on this computer', () => {
    expect(checkServiceUrl('https://doc.agency.gov.tw/').host).toBe('doc.agency.gov.tw');
    expect(checkServiceUrl('http://127.0.0.1:8380').port).toBe('8380');
    expect(checkServiceUrl('http://localhost:8380').hostname).toBe('localhost');
    expect(checkServiceUrl('http://[::1]:8380').hostname).toBe('[::1]');
    for (const bad of ['http://doc.agency.gov.tw', 'http://10.0.0.5', 'ftp://127.0.0.1', 'not a url', 'http://127.0.0.1.evil.tw']) {
      expect(() => checkServiceUrl(bad)).toThrow(expect.objectContaining({ code: 'SERVICE_URL_INSECURE' }));
    }
    expect(isLoopback('127.8.9.10')).toBe(true);
  });

  it('that is missing says so, not "must use https"', () => {
    for (const missing of ['', '   ']) {
      expect(() => checkServiceUrl(missing)).toThrow(expect.objectContaining({ code: 'SERVICE_URL_MISSING' }));
    }
  });

  it('unreachable or slow services read SERVICE_UNREACHABLE, after the retries a safe request gets', async () => {
    const client = new ServiceClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500, retries: 1 });
    await expect(client.me()).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
  });
});

describe('the sealed temp-cert key', () => {
  const params = { log2N: 14, r: 8, p: 1 }; // the smallest work factor it accepts, to keep the test quick
  const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' });

  it('opens with the right password and binding only', async () => {
    const sealed = await sealKey(pkcs8, 'correct horse', 'vendor:40ab', params);
    expect(sealed.length).toBeLessThan(300);
    expect(Buffer.from(await openSealedKey(sealed, 'correct horse', 'vendor:40ab')).equals(pkcs8)).toBe(true);
    await expect(openSealedKey(sealed, 'wrong horse', 'vendor:40ab')).rejects.toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
    await expect(openSealedKey(sealed, 'correct horse', 'someone-else:40ab')).rejects.toMatchObject({ code: 'TEMP_CERT_PASSWORD_WRONG' });
  });

  it('calls a damaged blob damaged, and refuses absurd work factors', async () => {
    await expect(openSealedKey(new Uint8Array(10), 'x', 'y')).rejects.toMatchObject({ code: 'TEMP_CERT_DAMAGED' });
    const sealed = await sealKey(pkcs8, 'pw', 'b', params);
    sealed[1] = 40; // N = 2^40 would take the machine down
    await expect(openSealedKey(sealed, 'pw', 'b')).rejects.toMatchObject({ code: 'TEMP_CERT_DAMAGED' });
  });

  it('calls a header whose work factors are each in range but together too much damaged, not INTERNAL', async () => {
    const sealed = await sealKey(pkcs8, 'pw', 'b', params);
    sealed.set([20, 32, 4], 1); // N = 2^20 with r = 32 wants 4 GiB: scrypt refuses the parameters
    await expect(openSealedKey(sealed, 'pw', 'b')).rejects.toMatchObject({ code: 'TEMP_CERT_DAMAGED' });
  });
});

describe('ECDSA from PKCS#11 (r‖s) to CMS (DER)', () => {
  it('verifies after conversion, also when r or s has a leading zero or high bit', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`message ${i}`);
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, ecdsaRawToDer(raw))).toBe(true);
    }
  });
});

describe('progress told to the window at most once per interval', () => {
  afterEach(() => vi.useRealTimers());

  it('passes the first at once, then the latest of each interval, and the last on flush', () => {
    vi.useFakeTimers();
    const told: number[] = [];
    const progress = latestEvery(50, (n: number) => told.push(n));
    for (let n = 1; n <= 100; n++) progress.push(n); // a fast card: all within one interval
    expect(told).toEqual([1]);
    vi.advanceTimersByTime(50);
    expect(told).toEqual([1, 100]);
    vi.advanceTimersByTime(200); // nothing new: nothing told
    progress.push(101);
    expect(told).toEqual([1, 100, 101]);
    progress.push(102);
    progress.flush(); // the batch ended: the last value is not left waiting for the timer
    expect(told).toEqual([1, 100, 101, 102]);
    vi.advanceTimersByTime(100);
    expect(told).toEqual([1, 100, 101, 102]);
  });
});
