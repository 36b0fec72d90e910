import { parseSignedData } from '../../src-shared/node/cms/parse.js';

/**
 * What IFT940's lists (mine, and on behalf) give of a temp-signed step's signature, base64: the
 * signature value a countersignature covers; the whole SignerInfo, for a client whose CMS library
 * countersigns a SignerInfo (issue 15); and the signature with the payload it signs, which the
 * client verifies before its card countersigns anything (docs/security.md).
 */
export function pendingSignatureFields(step: { signature_value: Uint8Array | null; signature: Uint8Array | null; payload: Uint8Array | null }) {
  const signature = step.signature!;
  return {
    signatureValue: Buffer.from(step.signature_value!).toString('base64'),
    // The stored signature is DER as the verifier read it, so its SignerInfo is DER too.
    signerInfo: Buffer.from(parseSignedData(signature).signerInfos[0]!.encoding).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
    payload: Buffer.from(step.payload!).toString('base64'),
  };
}
