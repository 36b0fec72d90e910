import { sign, type KeyObject } from 'node:crypto';
import {
  contextConstructed,
  implicitSetOf,
  objectIdentifier,
  octetString,
  sequence,
  setOf,
  smallIntegerValue,
  tlv,
} from '../../src-shared/node/cms/der-writer.js';
import { GONGWEN_ARC, oidDer } from '../../src-shared/node/cms/oids.js';
import { assembleSignerInfo, attribute, sha256, sha256AlgorithmIdentifier, type SignerIdentity } from '../../src-shared/node/cms/signer-info.js';

/** RFC 3161 and CAdES object identifiers the time-stamps use (kept here: only this folder needs them). */
export const tsOid = {
  /** id-ct-TSTInfo: the content type of a time-stamp token's SignedData. */
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  /** id-aa-signatureTimeStampToken: the unsigned attribute carrying a token over the signature value (CAdES-T). */
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  /** id-kp-timeStamping: the extended key usage a TSA certificate carries, critical (RFC 3161 2.3). */
  timeStamping: '1.3.6.1.5.5.7.3.8',
  /** The built-in TSA's policy: "GongwenDesk's own time-stamp over a signature value". */
  gongwenTsaPolicy: `${GONGWEN_ARC}.3`,
} as const;

const TST_INFO = objectIdentifier(tsOid.tstInfo);
const POLICY = objectIdentifier(tsOid.gongwenTsaPolicy);
const CONTENT_TYPE_TST_INFO = attribute('contentType', TST_INFO);
const encoder = new TextEncoder();
const ascii = (text: string) => encoder.encode(text);
const ACCURACY_ONE_SECOND = sequence(tlv(0x02, Uint8Array.of(1)));
const VERSION_1 = smallIntegerValue(1);
// The TSA's ECDSA P-256 signature is made in this thread: it takes about 25 µs of CPU, less than
// the hop to libuv's thread pool and back costs (measured 2026-12-01: 25 µs a token in this
// thread against 32 to 41 µs through the pool, the pool's job set-up counted on the event loop).

/** A DER INTEGER of an unsigned big-endian number (a serial): no leading zeros, positive. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return trimmed.length > 0 && trimmed[0]! & 0x80 ? tlv(0x02, Uint8Array.of(0), trimmed) : tlv(0x02, trimmed.length ? trimmed : Uint8Array.of(0));
}

/** GeneralizedTime in whole seconds, as RFC 3161 2.4.2 writes genTime (no fraction when it is zero). */
export function generalizedTime(instant: Date): Uint8Array {
  const iso = instant.toISOString(); // 2014-05-27T09:24:00.000Z
  return tlv(0x18, ascii(iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z'));
}

export interface TstInfoInput {
  /** SHA-256 of what is time-stamped (for CAdES-T: the SignerInfo's signature value). */
  imprint: Uint8Array;
  serial: Uint8Array;
  genTime: Date;
}

/** TSTInfo (RFC 3161 2.4.2): v1, the policy, the SHA-256 imprint, serial, genTime (no nonce: the TSA answers only the service). */
export function encodeTstInfo(input: TstInfoInput): Uint8Array {
  return sequence(
    VERSION_1,
    POLICY,
    sequence(sha256AlgorithmIdentifier(), octetString(input.imprint)),
    unsignedInteger(input.serial),
    generalizedTime(input.genTime),
    // Accuracy: one second either way, as genTime is written in whole seconds.
    ACCURACY_ONE_SECOND,
  );
}

/**
 * The TimeStampToken: a ContentInfo of SignedData v3 whose encapsulated content is the TSTInfo,
 * signed by the TSA with content-type, message-digest and ESS signing-certificate-v2 (RFC 5816),
 * the TSA's certificate included so the token checks with nothing but the TSA's trusted root.
 */
export function encodeTimeStampToken(tstInfo: Uint8Array, tsa: { identity: SignerIdentity; certificate: Uint8Array; key: KeyObject }): Uint8Array {
  const signed = setOf([CONTENT_TYPE_TST_INFO, attribute('messageDigest', octetString(sha256(tstInfo))), tsa.identity.signingCertificate]);
  const signature = new Uint8Array(sign('sha256', signed, tsa.key));
  const signerInfo = assembleSignerInfo(tsa.identity, signed, signature);
  const signedData = sequence(
    smallIntegerValue(3),
    setOf([sha256AlgorithmIdentifier()]),
    sequence(TST_INFO, contextConstructed(0, octetString(tstInfo))),
    // Always included (RFC 3161 certReq true): the token checks with nothing but the TSA's root.
    implicitSetOf(0xa0, [tsa.certificate]),
    setOf([signerInfo]),
  );
  return sequence(oidDer.signedData, contextConstructed(0, signedData));
}
