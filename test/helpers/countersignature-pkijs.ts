import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { objectIdentifier } from '../../src-shared/node/cms/der-writer.js';

const COUNTERSIGNATURE = '1.2.840.113549.1.9.6';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

/**
 * Verifies, with PKI.js (an implementation independent of ours), every countersignature on the
 * first SignerInfo of a CMS as RFC 5652 11.4 defines it: its message-digest is the SHA-256 of the
 * countersigned signature value, and its signature over the DER of its signed attributes verifies
 * with the key of the certificate its sid names. (PKI.js's SignedData.verify demands a
 * content-type attribute, which a countersignature must not carry, so the steps are PKI.js's own
 * parts, called one by one.) Returns one verdict per countersignature.
 */
export async function pkijsVerifiesCountersignatures(cms: Uint8Array): Promise<boolean[]> {
  const engine = pkijs.getCrypto(true);
  const info = pkijs.ContentInfo.fromBER(Uint8Array.from(cms).buffer);
  const signed = new pkijs.SignedData({ schema: info.content });
  const signer = signed.signerInfos[0]!;
  const signatureValue = signer.signature.valueBlock.valueHexView.slice();
  const counters = (signer.unsignedAttrs?.attributes ?? []).filter((a) => a.type === COUNTERSIGNATURE).flatMap((a) => a.values);
  const verdicts: boolean[] = [];
  for (const value of counters) {
    const counter = new pkijs.SignerInfo({ schema: asn1js.fromBER(value.toBER()).result });
    const sid = counter.sid as pkijs.IssuerAndSerialNumber;
    const certificate = (signed.certificates ?? []).find(
      (c): c is pkijs.Certificate => c instanceof pkijs.Certificate && c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber),
    );
    const digestAttribute = counter.signedAttrs?.attributes.find((a) => a.type === MESSAGE_DIGEST);
    if (!certificate || !digestAttribute || !counter.signedAttrs) {
      verdicts.push(false);
      continue;
    }
    const expected = new Uint8Array(createHash('sha256').update(signatureValue).digest());
    const digest = (digestAttribute.values[0] as asn1js.OctetString).valueBlock.valueHexView;
    const digestMatches = digest.length === expected.length && digest.every((b, i) => b === expected[i]);
    const signatureVerifies = await engine.verifyWithPublicKey(
      counter.signedAttrs.encodedValue,
      counter.signature,
      certificate.subjectPublicKeyInfo,
      counter.signatureAlgorithm,
      'SHA-256',
    );
    verdicts.push(digestMatches && signatureVerifies);
  }
  return verdicts;
}

/** The UTF8String values of a countersignature's signed attribute, by its OID, as PKI.js reads them. */
export function pkijsCountersignatureAttribute(cms: Uint8Array, oid: string): string[] {
  // asn1js writes an arc beyond 2^53 (the UUID under 2.25) in hex, so the OID is named as asn1js
  // reads it back from its DER.
  const type = (asn1js.fromBER(objectIdentifier(oid).slice().buffer).result as asn1js.ObjectIdentifier).getValue();
  const info = pkijs.ContentInfo.fromBER(Uint8Array.from(cms).buffer);
  const signer = new pkijs.SignedData({ schema: info.content }).signerInfos[0]!;
  const counters = (signer.unsignedAttrs?.attributes ?? []).filter((a) => a.type === COUNTERSIGNATURE).flatMap((a) => a.values);
  return counters.flatMap((value) => {
    const counter = new pkijs.SignerInfo({ schema: asn1js.fromBER(value.toBER()).result });
    return (counter.signedAttrs?.attributes ?? []).filter((a) => a.type === type).map((a) => (a.values[0] as asn1js.Utf8String).valueBlock.value);
  });
}
