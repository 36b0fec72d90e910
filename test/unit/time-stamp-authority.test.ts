import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TimeStampAuthority } from '../../src-server/timestamp/authority.js';
import { readTimeStampToken } from '../../src-server/timestamp/read-token.js';
import { tsOid } from '../../src-server/timestamp/token.js';
import { startOpensslTsa, type OpensslTsa } from '../helpers/openssl-tsa.js';

/** Runs openssl in a fresh folder holding `files`; returns whether it succeeded and what it said. */
function openssl(args: string[], files: Record<string, Uint8Array | string>): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  try {
    return { ok: true, out: execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const verifyToken = (token: Uint8Array, digestHex: string, caPem: string) =>
  openssl(['ts', '-verify', '-token_in', '-in', 'token.der', '-digest', digestHex, '-CAfile', 'ca.pem'], { 'token.der': token, 'ca.pem': caPem });

describe('the built-in time-stamping authority', () => {
  let dataDir: string;
  let tsa: TimeStampAuthority;
  let independent: OpensslTsa;
  const signatureValue = new Uint8Array(256).map((_, i) => (i * 7) & 0xff);
  const otherSignatureValue = new Uint8Array(256).map((_, i) => (i * 11) & 0xff);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tsa-data-'));
    tsa = await TimeStampAuthority.loadOrCreate({ dataDir });
    independent = startOpensslTsa();
  });

  it('is made on first start in the data folder, key 0600, and loaded again the next time', async () => {
    expect(statSync(join(dataDir, 'tsa', 'tsa.key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'tsa')).mode & 0o777).toBe(0o700);
    const again = await TimeStampAuthority.loadOrCreate({ dataDir });
    expect(again.certificateSha256).toBe(tsa.certificateSha256);
    // Its certificate is for time-stamping only: extendedKeyUsage timeStamping, critical.
    const text = openssl(['x509', '-in', 'tsa.pem', '-noout', '-text'], { 'tsa.pem': readFileSync(join(dataDir, 'tsa', 'tsa.cert.pem')) }).out;
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping\s/);
  });

  it('refuses a start with only half of it, or an unreadable configured file', async () => {
    const half = mkdtempSync(join(tmpdir(), 'tsa-half-'));
    await TimeStampAuthority.loadOrCreate({ dataDir: half });
    writeFileSync(join(half, 'tsa', 'tsa.key.pem'), '');
    execFileSync('rm', [join(half, 'tsa', 'tsa.key.pem')]);
    await expect(TimeStampAuthority.loadOrCreate({ dataDir: half })).rejects.toThrow(/key .* is missing/);
    await expect(TimeStampAuthority.loadOrCreate({ dataDir: half, certPath: join(half, 'nope.pem'), keyPath: join(half, 'nope.key') })).rejects.toThrow(
      /GONGWEN_TSA_CERT.*no such file/,
    );
  });

  it('issues a token over a signature value that openssl ts -verify accepts, and only for that value', async () => {
    const at = new Date('2014-05-27T09:24:00.600Z');
    const stamp = await tsa.timeStampSignature(signatureValue, at);
    expect(stamp.genTime.toISOString()).toBe('2014-05-27T09:24:00.000Z');
    const checked = verifyToken(stamp.token, sha256Hex(signatureValue), tsa.certificatePem);
    expect(checked).toMatchObject({ ok: true });
    expect(checked.out).toContain('Verification: OK');
    expect(verifyToken(stamp.token, sha256Hex(otherSignatureValue), tsa.certificatePem).ok).toBe(false);
    // Not trusted by another TSA's root.
    expect(verifyToken(stamp.token, sha256Hex(signatureValue), independent.rootPem).ok).toBe(false);
    const facts = readTimeStampToken(stamp.token);
    expect(facts.genTime.toISOString()).toBe('2014-05-27T09:24:00.000Z');
    expect(Buffer.from(facts.imprint).toString('hex')).toBe(sha256Hex(signatureValue));
    const printed = openssl(['ts', '-reply', '-token_in', '-in', 't.der', '-token_out', '-text'], { 't.der': stamp.token }).out;
    expect(printed).toContain(`Policy OID: ${tsOid.gongwenTsaPolicy}`);
    expect(printed).toContain('Time stamp: May 27 09:24:00 2014 GMT');
  });

  it("makes tokens that openssl verifies as it verifies an independent openssl TSA's", async () => {
    const digest = sha256Hex(signatureValue);
    const ours = (await tsa.timeStampSignature(signatureValue, new Date())).token;
    const theirs = independent.token(digest);
    for (const [token, root] of [
      [ours, tsa.certificatePem],
      [theirs, independent.rootPem],
    ] as const) {
      expect(verifyToken(token, digest, root).ok).toBe(true);
      expect(verifyToken(token, sha256Hex(otherSignatureValue), root).ok).toBe(false);
      const facts = readTimeStampToken(token);
      expect(Buffer.from(facts.imprint).toString('hex')).toBe(digest);
      expect(facts.certificates.length).toBeGreaterThan(0);
    }
    // The openssl TSA's certificate satisfies the same rule ours does.
    expect(new X509Certificate(readTimeStampToken(theirs).certificates[0]!).keyUsage).toContain(tsOid.timeStamping);
  });
});
