import { Tag, children, encodingOf, readWhole, sameBytes } from '../../src-shared/node/cms/der.js';
import { implicitSetOf, objectIdentifier, sequence, setOf } from '../../src-shared/node/cms/der-writer.js';
import type { Attribute } from '../../src-shared/node/cms/parse.js';
import { tsOid } from './token.js';

const SIGNATURE_TIME_STAMP = objectIdentifier(tsOid.signatureTimeStampToken);

/**
 * A SignerInfo with its time-stamp token added as the unsigned attribute signature-time-stamp
 * (id-aa-signatureTimeStampToken, RFC 3161 appendix A, CAdES-T). Unsigned attributes are not
 * covered by the signature, so the SignerInfo still verifies; every other field is kept byte for
 * byte. Evidence only: the service stores signatures and tokens apart. A SignerInfo that already
 * carries this very token (a signature stored with its evidence attributes) is left as it is.
 */
export function withSignatureTimeStamp(signerInfo: Uint8Array, unsigned: readonly Attribute[], token: Uint8Array): Uint8Array {
  if (unsigned.some((a) => sameBytes(a.type, SIGNATURE_TIME_STAMP) && a.values.some((v) => sameBytes(v, token)))) return signerInfo;
  const top = readWhole(signerInfo, Tag.SEQUENCE);
  const kept = children(signerInfo, top)
    .filter((field) => field.tag !== Tag.context(1))
    .map((field) => encodingOf(signerInfo, field));
  const others = unsigned.map((a) => sequence(a.type, setOf(a.values)));
  return sequence(...kept, implicitSetOf(0xa1, [...others, sequence(SIGNATURE_TIME_STAMP, setOf([token]))]));
}
