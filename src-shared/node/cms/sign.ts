import { contextConstructed, implicitSetOf, sequence, setOf, smallIntegerValue } from './der-writer.js';
import { sameBytes } from './der.js';
import { oidDer } from './oids.js';
import { makeSignerInfo, sha256, sha256AlgorithmIdentifier } from './signer-info.js';
import { signerCertificates, type CmsSigner } from './signer.js';

/**
 * Signs a step: a detached CMS SignedData (RFC 5652) over `payload`, SHA-256, with the CAdES
 * baseline-B signed attributes (content-type, message-digest, signing-time,
 * signing-certificate-v2), the signer's certificate and chain included. Returns the DER of the
 * ContentInfo, which `openssl cms -verify -binary -content payload` accepts.
 */
export async function signStep(payload: Uint8Array, signer: CmsSigner, signingTime: Date): Promise<Uint8Array> {
  const signerInfo = await makeSignerInfo({ signer, messageDigest: sha256(payload), signingTime, withContentType: true });
  return encodeSignedData(signerCertificates(signer), [signerInfo]);
}

/** ContentInfo { signedData, SignedData v1 { sha256, id-data (detached), certificates, signerInfos } }. */
export function encodeSignedData(certificates: readonly Uint8Array[], signerInfos: readonly Uint8Array[], crls: Uint8Array | null = null): Uint8Array {
  const unique = dedupe(certificates);
  const signedData = sequence(
    smallIntegerValue(1),
    setOf([sha256AlgorithmIdentifier()]),
    sequence(oidDer.data),
    unique.length ? implicitSetOf(0xa0, unique) : new Uint8Array(),
    crls ?? new Uint8Array(),
    setOf(signerInfos),
  );
  return sequence(oidDer.signedData, contextConstructed(0, signedData));
}

/** A handful of certificates: compared byte for byte, not keyed by an encoding of each. */
function dedupe(certificates: readonly Uint8Array[]): Uint8Array[] {
  return certificates.filter((c, i) => certificates.findIndex((other) => sameBytes(other, c)) === i);
}
