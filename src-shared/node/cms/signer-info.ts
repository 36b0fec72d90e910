import { createHash } from 'node:crypto';
import { certificateReference, type CertificateReference } from './certificate-fields.js';
import { contextConstructed, nullValue, octetString, sequence, setOf, smallIntegerValue, time } from './der-writer.js';
import { oidDer, type OidName } from './oids.js';
import type { CmsSigner } from './signer.js';

export function attribute(type: OidName, ...values: Uint8Array[]): Uint8Array {
  return sequence(oidDer[type], setOf(values));
}

// Encoded once: every SignerInfo carries them, and nothing writes into an encoding once made.
const SHA256_ALGORITHM = sequence(oidDer.sha256);
const SIGNATURE_ALGORITHMS = { RSA: sequence(oidDer.sha256WithRSAEncryption, nullValue()), EC: sequence(oidDer.ecdsaWithSHA256) } as const;

export const sha256AlgorithmIdentifier = () => SHA256_ALGORITHM;

/**
 * signing-certificate-v2 (RFC 5035, CAdES): binds the signature to the exact certificate, so a
 * certificate with the same key cannot be swapped in. The hash algorithm is the default, SHA-256.
 */
export function signingCertificateV2(certificateDer: Uint8Array): Uint8Array {
  return signingCertificateV2Of(certificateReference(certificateDer));
}

function signingCertificateV2Of(ref: CertificateReference): Uint8Array {
  const generalNames = sequence(contextConstructed(4, ref.issuer));
  const essCertIdV2 = sequence(octetString(ref.sha256), sequence(generalNames, ref.serial));
  return attribute('signingCertificateV2', sequence(sequence(essCertIdV2)));
}

/**
 * What every SignerInfo by one certificate says of it: its issuer and serial (the SignerInfo's
 * sid) and its signing-certificate-v2 attribute. Read from the certificate by `signerIdentity`;
 * one who signs many times with one certificate (a 補簽 batch) keeps it.
 */
export interface SignerIdentity {
  reference: CertificateReference;
  /** The signing-certificate-v2 attribute, encoded. */
  signingCertificate: Uint8Array;
  keyAlgorithm: CmsSigner['keyAlgorithm'];
}

export function signerIdentity(signer: Pick<CmsSigner, 'certificate' | 'keyAlgorithm'>): SignerIdentity {
  const reference = certificateReference(signer.certificate);
  return { reference, signingCertificate: signingCertificateV2Of(reference), keyAlgorithm: signer.keyAlgorithm };
}

export interface SignedAttributesInput {
  /** The signer's certificate, named by signing-certificate-v2. */
  identity: SignerIdentity;
  /** SHA-256 of what is signed: the payload, or for a countersignature the countersigned signature value. */
  messageDigest: Uint8Array;
  signingTime: Date;
  /** content-type is present in a SignerInfo over content and absent in a countersignature (RFC 5652 11.4). */
  withContentType: boolean;
  extraSignedAttributes?: readonly Uint8Array[];
}

export interface SignerInfoInput extends Omit<SignedAttributesInput, 'identity'> {
  signer: CmsSigner;
}

/** Builds and signs one SignerInfo (version 1, issuerAndSerialNumber) in the profile. */
export async function makeSignerInfo(input: SignerInfoInput): Promise<Uint8Array> {
  const { signer } = input;
  const identity = signerIdentity(signer);
  const toSign = signedAttributes({ ...input, identity });
  return assembleSignerInfo(identity, toSign, await signer.sign(toSign));
}

/**
 * What the signer signs: the signed attributes as a DER SET OF (tag 0x31, RFC 5652 section 5.4).
 * A SignerInfo is made in two halves, these and `assembleSignerInfo`, so that a batch can hand the
 * card many at once and put each SignerInfo together when its signature comes back.
 */
export function signedAttributes(input: SignedAttributesInput): Uint8Array {
  return setOf([
    ...(input.withContentType ? [attribute('contentType', oidDer.data)] : []),
    attribute('signingTime', time(input.signingTime)),
    attribute('messageDigest', octetString(input.messageDigest)),
    input.identity.signingCertificate,
    ...(input.extraSignedAttributes ?? []),
  ]);
}

/** The SignerInfo around signed attributes and their signature by the key of the identity's certificate. */
export function assembleSignerInfo(identity: SignerIdentity, signed: Uint8Array, signature: Uint8Array): Uint8Array {
  const ref = identity.reference;
  // Carried as [0] IMPLICIT: the same sorted encoding under the other tag.
  const carried = Uint8Array.from(signed);
  carried[0] = 0xa0;
  return sequence(
    smallIntegerValue(1),
    sequence(ref.issuer, ref.serial),
    SHA256_ALGORITHM,
    carried,
    SIGNATURE_ALGORITHMS[identity.keyAlgorithm],
    octetString(signature),
  );
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
