import { randomBytes, type X509Certificate } from 'node:crypto';
import { TimeStampResp } from 'pkijs';
import { octetString, sequence, smallIntegerValue, tlv } from '../../src-shared/node/cms/der-writer.js';
import { sameBytes } from '../../src-shared/node/cms/der.js';
import { sha256, sha256AlgorithmIdentifier } from '../../src-shared/node/cms/signer-info.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { TimeStamp } from './authority.js';
import { readTimeStampToken } from './read-token.js';
import { unsignedInteger } from './token.js';
import { timeStampProof } from './verify-later.js';

export interface RemoteTsaOptions {
  /** The TSA's RFC 3161 HTTP endpoint. */
  url: string;
  /** The TSA certificates (or their issuers) trusted for its tokens. */
  trusted: readonly X509Certificate[];
  /** Tries before giving up (first try included), and the first back-off; it doubles each time. */
  attempts?: number;
  backoffMs?: number;
  /** How long one request may take. */
  timeoutMs?: number;
  /** After giving up, how long to answer "unavailable" at once without asking (default 0). */
  downForMs?: number;
}

/**
 * An external time-stamping authority over HTTP (RFC 3161 section 3.4: POST of a TimeStampReq as
 * application/timestamp-query, answered with application/timestamp-reply). Each request carries
 * a fresh 64-bit nonce and asks for the TSA's certificate; an answer counts only when it is
 * granted, echoes the nonce, is over this signature value and is signed by a trusted TSA. A TSA
 * that does not answer is tried again with back-off, then `TIME_STAMP_UNAVAILABLE`.
 *
 * Configured with GONGWEN_TSA_URL; a send it cannot serve is accepted with its token pending
 * (`fillPendingTimeStamps`). The built-in TSA is the default.
 */
export class RemoteTimeStampAuthority {
  /** The first trusted TSA certificate: what evidence names when no token has arrived yet. */
  readonly certificateDer: Uint8Array;
  readonly certificateSha256: string;
  /** Every certificate configured as trusted (kept on record at start: evidence ends its chains there). */
  readonly trustedCertificatesDer: readonly Uint8Array[];

  constructor(private readonly options: RemoteTsaOptions) {
    const first = options.trusted[0];
    if (!first) throw new Error('an external TSA needs at least one trusted certificate');
    this.certificateDer = new Uint8Array(first.raw);
    this.certificateSha256 = first.fingerprint256.replace(/:/g, '').toLowerCase();
    this.trustedCertificatesDer = options.trusted.map((c) => new Uint8Array(c.raw));
  }

  /** Until when the TSA is taken to be down: a 補簽 batch of a thousand steps does not wait a thousand times. */
  private downUntil = 0;

  /** `evenIfDown`: ask even while taken to be down (the queue of pending tokens does). */
  async timeStampSignature(signatureValue: Uint8Array, _now: Date, options: { evenIfDown?: boolean } = {}): Promise<TimeStamp> {
    if (!options.evenIfDown && Date.now() < this.downUntil)
      throw new GongwenError('TIME_STAMP_UNAVAILABLE', `${this.options.url}: down, tried again after ${new Date(this.downUntil).toISOString()}`);
    const attempts = this.options.attempts ?? 3;
    let wait = this.options.backoffMs ?? 200;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const stamp = await this.once(signatureValue);
        this.downUntil = 0; // answering again: the sends waiting out a pause need not
        return stamp;
      } catch (error) {
        // A refusal (a wrong or untrusted token) is not retried: asking again would not change it.
        // It pauses the TSA as silence does: its answers are no use to the sends behind this one.
        if (error instanceof GongwenError && error.code === 'TIME_STAMP_INVALID') {
          this.pause();
          throw error;
        }
        lastError = error;
      }
      if (attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait *= 2;
      }
    }
    this.pause();
    throw new GongwenError('TIME_STAMP_UNAVAILABLE', `${this.options.url}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  private pause(): void {
    this.downUntil = Date.now() + (this.options.downForMs ?? 0);
  }

  private async once(signatureValue: Uint8Array): Promise<TimeStamp> {
    const nonce = Uint8Array.from([0x01, ...randomBytes(7)]);
    const request = timeStampRequest(sha256(signatureValue), nonce);
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: request,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const reply = TimeStampResp.fromBER(await response.arrayBuffer());
    const status = reply.status.status as number;
    if ((status !== 0 && status !== 1) || !reply.timeStampToken) throw new GongwenError('TIME_STAMP_INVALID', `the TSA refused (status ${status})`);
    const token = new Uint8Array(reply.timeStampToken.toSchema().toBER());
    const facts = readTimeStampToken(token);
    if (!facts.nonce || !sameBytes(facts.nonce, nonce)) throw new GongwenError('TIME_STAMP_INVALID', "the reply does not echo the request's nonce");
    // The certificate that signed the token, not merely the first the reply carries (a TSA may send its chain).
    const { genTime, tsaCertificate } = await timeStampProof(token, signatureValue, this.options.trusted);
    return { token, genTime, tsaCertificateSha256: Buffer.from(sha256(tsaCertificate.raw)).toString('hex') };
  }
}

/** TimeStampReq v1: a SHA-256 imprint, the nonce, certReq TRUE (RFC 3161 2.4.1). */
export function timeStampRequest(imprint: Uint8Array, nonce: Uint8Array): Uint8Array {
  return sequence(smallIntegerValue(1), sequence(sha256AlgorithmIdentifier(), octetString(imprint)), unsignedInteger(nonce), tlv(0x01, Uint8Array.of(0xff)));
}
