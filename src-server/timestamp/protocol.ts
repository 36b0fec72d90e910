import { TimeStampReq } from 'pkijs';
import type { TimeStampAuthority } from './authority.js';
import { encodeGrantedResponse, encodeRejection, tsOid } from './token.js';

const SHA256 = '2.16.840.1.101.3.4.2.1';
// PKIFailureInfo bits (RFC 3161 2.4.2).
const BAD_ALG = 0;
const BAD_DATA_FORMAT = 5;
const UNACCEPTED_POLICY = 15;

/**
 * Answers an RFC 3161 TimeStampReq (DER, as posted with application/timestamp-query) with a
 * TimeStampResp: granted with a token over the request's SHA-256 imprint (its nonce echoed, the
 * certificate included when asked), or a rejection saying why. Other parties (a second
 * GongwenDesk instance, `openssl ts -query`) can use the built-in TSA through this.
 */
export function answerTimeStampRequest(tsa: TimeStampAuthority, request: Uint8Array, now: Date): Uint8Array {
  let parsed: TimeStampReq;
  try {
    parsed = TimeStampReq.fromBER(request);
  } catch {
    return encodeRejection(BAD_DATA_FORMAT, 'not a TimeStampReq');
  }
  if (parsed.messageImprint.hashAlgorithm.algorithmId !== SHA256) return encodeRejection(BAD_ALG, 'only SHA-256 imprints are time-stamped');
  const imprint = new Uint8Array(parsed.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.length !== 32) return encodeRejection(BAD_DATA_FORMAT, 'a SHA-256 imprint is 32 octets');
  if (parsed.reqPolicy !== undefined && parsed.reqPolicy !== tsOid.gongwenTsaPolicy)
    return encodeRejection(UNACCEPTED_POLICY, `this TSA's policy is ${tsOid.gongwenTsaPolicy}`);
  const nonce = parsed.nonce ? new Uint8Array(parsed.nonce.valueBlock.valueHexView) : undefined;
  const stamp = tsa.timeStampImprint(imprint, now, nonce, parsed.certReq === true);
  return encodeGrantedResponse(stamp.token);
}
