import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentInfo, SignedData, TimeStampResp, type Certificate } from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTsa } from '../../src-server/timestamp/authority.js';
import { readTimeStampToken } from '../../src-server/timestamp/read-token.js';
import { RemoteTimeStampAuthority, timeStampRequest } from '../../src-server/timestamp/remote.js';
import { serveOpensslTsa, startOpensslTsa, type OpensslTsa } from '../helpers/openssl-tsa.js';

const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());

describe('an external TSA over HTTP (openssl ts -reply behind a handler)', () => {
  let tsa: OpensslTsa;
  let served: Awaited<ReturnType<typeof serveOpensslTsa>>;
  let trusted: X509Certificate[];
  const signatureValue = new Uint8Array(256).map((_, i) => i);
  const remote = (options: Partial<ConstructorParameters<typeof RemoteTimeStampAuthority>[0]> = {}) =>
    new RemoteTimeStampAuthority({ url: served.url, trusted, backoffMs: 10, ...options });

  beforeAll(async () => {
    tsa = startOpensslTsa();
    served = await serveOpensslTsa(tsa);
    trusted = [new X509Certificate(tsa.rootPem)];
  });
  afterAll(() => served.close());

  it('gets a token over the signature value, with a nonce, that openssl ts -verify accepts', async () => {
    served.answer = 'ok';
    const stamp = await remote().timeStampSignature(signatureValue, new Date());
    expect(readTimeStampToken(stamp.token).nonce).not.toBeNull();
    // The reply carries the TSA's chain: what is named is the certificate that signed, wherever it
    // stands among them (here after the root; the order is outside what the TSA signs).
    served.answer = (request) => rootFirst(tsa.reply(request));
    const chained = await remote().timeStampSignature(signatureValue, new Date());
    expect(new X509Certificate(readTimeStampToken(chained.token).certificates[0]!).subject).toContain('OpenSSL Test TSA Root');
    const signerDer = new X509Certificate(readFileSync(join(tsa.dir, 'tsa.pem'))).raw;
    expect(chained.tsaCertificateSha256).toBe(createHash('sha256').update(signerDer).digest('hex'));
    const dir = mkdtempSync(join(tmpdir(), 'remote-tsa-'));
    writeFileSync(join(dir, 't.der'), stamp.token);
    writeFileSync(join(dir, 'ca.pem'), tsa.rootPem);
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', 't.der', '-digest', Buffer.from(sha256(signatureValue)).toString('hex'), '-CAfile', 'ca.pem'],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('Verification: OK');
  });

  it("refuses a token from a TSA not trusted, over another value, or replayed without this request's nonce", async () => {
    served.answer = 'ok';
    const other = await makeTsa('CN=Another TSA');
    await expect(remote({ trusted: [new X509Certificate(other.certPem)] }).timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({
      code: 'TIME_STAMP_INVALID',
      detail: expect.stringMatching(/untrusted TSA/),
    });
    // A TSA that answers for another signature value, echoing the nonce.
    served.answer = (request) => {
      const nonce = readNonce(request);
      return tsa.reply(timeStampRequest(sha256(new Uint8Array(256)), nonce));
    };
    await expect(remote().timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({
      code: 'TIME_STAMP_INVALID',
      detail: 'the token is over another signature value',
    });
    // A reply made for an earlier request (its own nonce).
    const earlier = tsa.reply(timeStampRequest(sha256(signatureValue), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
    served.answer = () => earlier;
    await expect(remote().timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({
      code: 'TIME_STAMP_INVALID',
      detail: expect.stringMatching(/nonce/),
    });
  });

  it('tries again with back-off when the TSA is down, then says it is unavailable', async () => {
    served.answer = 'down';
    const before = served.requests;
    await expect(remote({ attempts: 3 }).timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({ code: 'TIME_STAMP_UNAVAILABLE' });
    expect(served.requests - before).toBe(3);
    // Down once, then back: the second try gets the token.
    let calls = 0;
    served.answer = (request) => (++calls === 1 ? new Uint8Array() : tsa.reply(request));
    const stamp = await remote({ attempts: 3 }).timeStampSignature(signatureValue, new Date());
    expect(Buffer.from(readTimeStampToken(stamp.token).imprint).equals(Buffer.from(sha256(signatureValue)))).toBe(true);
  });

  it('pauses after the TSA fails, down or answering wrongly: sends skip it, the queue still asks, and an answer ends the pause', async () => {
    const paused = remote({ attempts: 1, downForMs: 60_000 });
    for (const failure of ['down', 'wrong'] as const) {
      served.answer = failure === 'down' ? 'down' : (request) => tsa.reply(timeStampRequest(sha256(new Uint8Array(256)), readNonce(request)));
      await expect(paused.timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({
        code: failure === 'down' ? 'TIME_STAMP_UNAVAILABLE' : 'TIME_STAMP_INVALID',
      });
      // Paused: answered at once, nothing asked of the TSA.
      const before = served.requests;
      await expect(paused.timeStampSignature(signatureValue, new Date())).rejects.toMatchObject({
        code: 'TIME_STAMP_UNAVAILABLE',
        detail: expect.stringMatching(/down, tried again after/),
      });
      expect(served.requests).toBe(before);
      // The queue of pending tokens asks all the same; a good answer ends the pause for everyone.
      served.answer = 'ok';
      await paused.timeStampSignature(signatureValue, new Date(), { evenIfDown: true });
      const stamp = await paused.timeStampSignature(signatureValue, new Date());
      expect(served.requests).toBe(before + 2);
      expect(Buffer.from(readTimeStampToken(stamp.token).imprint).equals(Buffer.from(sha256(signatureValue)))).toBe(true);
    }
  });
});

/** The nonce's content octets from a TimeStampReq made by `timeStampRequest` (after the imprint). */
function readNonce(request: Uint8Array): Uint8Array {
  // SEQUENCE { INTEGER 1, SEQUENCE imprint (2 + 15 + 34 octets), INTEGER nonce, BOOLEAN }
  const imprintEnd = 2 + 3 + 2 + request[6]!;
  const length = request[imprintEnd + 1]!;
  return request.subarray(imprintEnd + 2, imprintEnd + 2 + length);
}

/** A TimeStampResp whose token lists the TSA's root before the TSA's own certificate. */
function rootFirst(reply: Uint8Array): Uint8Array {
  const response = TimeStampResp.fromBER(reply.slice().buffer);
  const signed = new SignedData({ schema: response.timeStampToken!.content });
  const isRoot = (c: unknown) => (c as Certificate).subject.typesAndValues.some((t) => String(t.value.valueBlock.value).endsWith('Root'));
  signed.certificates = [...signed.certificates!.filter(isRoot), ...signed.certificates!.filter((c) => !isRoot(c))];
  response.timeStampToken = new ContentInfo({ contentType: response.timeStampToken!.contentType, content: signed.toSchema(true) });
  return new Uint8Array(response.toSchema().toBER());
}
