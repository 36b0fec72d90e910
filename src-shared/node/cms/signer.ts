/**
 * Whatever holds a private key: the smart card over PKCS#11, the temp cert's key in memory, or a
 * test key. The CMS code never sees the key, only this.
 */
export interface CmsSigner {
  /** DER of the signer's certificate. */
  certificate: Uint8Array;
  /** Further certificates to carry in the SignedData (intermediate CAs), DER. */
  chain?: readonly Uint8Array[];
  keyAlgorithm: 'RSA' | 'EC';
  /**
   * Signs `data` with SHA-256: RSASSA-PKCS1-v1_5 for RSA keys, ECDSA (DER-encoded Ecdsa-Sig-Value)
   * for EC keys. `data` is the DER of the signed attributes.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The certificates a signature by `signer` carries: its own, then the chain. */
export function signerCertificates(signer: Pick<CmsSigner, 'certificate' | 'chain'>): Uint8Array[] {
  return [signer.certificate, ...(signer.chain ?? [])];
}
