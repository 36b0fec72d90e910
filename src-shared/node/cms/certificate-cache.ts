import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { certificateReference, type CertificateReference } from './certificate-fields.js';

/** A certificate parsed once: the service sees the same few signer certificates over and over. */
export interface KnownCertificate {
  x509: X509Certificate;
  publicKey: KeyObject;
  reference: CertificateReference;
  sha256Hex: string;
}

const MAX_ENTRIES = 2048;
const known = new Map<string, KnownCertificate>();

/**
 * Parses a DER certificate, or returns the earlier parse of the same bytes. Parsing (X509Certificate,
 * its public key) costs several times a signature verification. Two layers: the same Uint8Array
 * object again is answered from a WeakMap without hashing, and other arrays by the SHA-256 of
 * their bytes (least recently used first out). The digest layer never serves a different
 * certificate for other bytes; the object layer would, if a caller changed an array's bytes after
 * passing it here, because it keys on the object, not its contents. So certificate bytes handed to
 * this must not be written to afterwards.
 */
export function knownCertificate(der: Uint8Array): KnownCertificate {
  // The same bytes object again (a 補簽 chunk carries the card's certificates once for all its
  // steps): not even hashed. Correct only while nobody writes into those bytes (see above).
  let entry = byObject.get(der);
  if (!entry) byObject.set(der, (entry = byDigest(der)));
  return entry;
}

const byObject = new WeakMap<Uint8Array, KnownCertificate>();

function byDigest(der: Uint8Array): KnownCertificate {
  const digest = createHash('sha256').update(der).digest();
  const key = digest.toString('base64');
  const hit = known.get(key);
  if (hit) {
    known.delete(key);
    known.set(key, hit);
    return hit;
  }
  const x509 = new X509Certificate(der);
  const entry: KnownCertificate = {
    x509,
    publicKey: x509.publicKey,
    reference: { ...certificateReference(der), sha256: new Uint8Array(digest) },
    sha256Hex: digest.toString('hex'),
  };
  known.set(key, entry);
  if (known.size > MAX_ENTRIES) known.delete(known.keys().next().value!);
  return entry;
}
