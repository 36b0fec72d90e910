import { Tag, children, encodingOf, readWhole } from './der.js';
import { implicitSetOf, sequence, setOf, utf8String } from './der-writer.js';
import { oidDer } from './oids.js';
import { findAttribute, parseSignedData, type Attribute, type ParsedSignedData } from './parse.js';
import { encodeSignedData } from './sign.js';
import { assembleSignerInfo, attribute, sha256, signedAttributes, signerIdentity, type SignerIdentity } from './signer-info.js';
import { signerCertificates, type CmsSigner } from './signer.js';

export interface CountersignInput {
  /** The re-sign (補簽) note, carried as a signed attribute of the countersignature. */
  note: string;
  signingTime: Date;
  /** Which SignerInfo to countersign; a step signature has one. */
  signerIndex?: number;
  /** 代為補簽: made for another person's step, with the reason (both signed attributes). */
  onBehalf?: OnBehalfAttributes;
}

/** What an on-behalf countersignature says beyond the note: for whom, and why. */
export interface OnBehalfAttributes {
  /** The account of the step's signer. */
  signerAccount: string;
  /** 原因: why the signer could not re-sign themself. */
  reason: string;
}

/**
 * Countersigns (RFC 5652 section 11.4) a SignerInfo of a step signature: the new SignerInfo's
 * message-digest is the SHA-256 of the countersigned signature value's octets, its signed
 * attributes carry no content-type, and it lands in the countersigned SignerInfo's unsigned
 * attributes. The countersigner's certificate joins the SignedData's certificates. Everything
 * already in the signature is kept byte for byte, so the original signature still verifies.
 */
export async function countersign(cms: Uint8Array, countersigner: CmsSigner, input: CountersignInput): Promise<Uint8Array> {
  const parsed = parseSignedData(cms);
  const index = input.signerIndex ?? 0;
  const target = parsed.signerInfos[index];
  if (!target) throw new RangeError(`no SignerInfo at index ${index}`);
  const counter = await makeCountersignature(target.signature, countersigner, input);
  return attachTo(parsed, index, counter, signerCertificates(countersigner));
}

/**
 * The countersignature alone: a SignerInfo over a signature value. IFT940 makes only this on the
 * clerk's PC and uploads it; the service keeps it beside the step's signature and attaches it
 * when it exports evidence.
 */
export async function makeCountersignature(
  signatureValue: Uint8Array,
  countersigner: CmsSigner,
  input: Omit<CountersignInput, 'signerIndex'>,
): Promise<Uint8Array> {
  const prepared = new Countersigner(countersigner, input.note, input.onBehalf?.reason);
  const toSign = prepared.signedAttributes(signatureValue, input.signingTime, input.onBehalf?.signerAccount);
  return prepared.countersignature(toSign, await countersigner.sign(toSign));
}

/**
 * One card's countersignatures with one note, made in two halves: `signedAttributes` (what the
 * card signs) and `countersignature` (the SignerInfo around them and the card's signature), so a
 * 補簽 batch can hand the card many at once. What is the same for every step of a batch, the
 * card certificate's reference and the note attribute, is made once, here.
 */
export class Countersigner {
  private readonly identity: SignerIdentity;
  private readonly noteAttributes: Uint8Array[];

  /**
   * `reason`: a 代為補簽 batch; each countersignature also carries the reason and the account of
   * the step's signer (given per step to `signedAttributes`: one batch may cover several people).
   */
  constructor(
    card: Pick<CmsSigner, 'certificate' | 'keyAlgorithm'>,
    note: string,
    private readonly reason?: string,
  ) {
    this.identity = signerIdentity(card);
    this.noteAttributes = [attribute('resignNote', utf8String(note))];
    if (reason !== undefined) this.noteAttributes.push(attribute('resignReason', utf8String(reason)));
  }

  /** The signed attributes of a countersignature over `signatureValue`: what the card signs. */
  signedAttributes(signatureValue: Uint8Array, signingTime: Date, onBehalfOf?: string): Uint8Array {
    if ((this.reason === undefined) !== (onBehalfOf === undefined)) throw new RangeError('an on-behalf countersignature names both the reason and the signer');
    return signedAttributes({
      identity: this.identity,
      messageDigest: sha256(signatureValue),
      signingTime,
      withContentType: false,
      extraSignedAttributes: onBehalfOf === undefined ? this.noteAttributes : [...this.noteAttributes, attribute('resignOnBehalfOf', utf8String(onBehalfOf))],
    });
  }

  /** The countersignature (a SignerInfo) of signed attributes and the card's signature of them. */
  countersignature(signed: Uint8Array, signature: Uint8Array): Uint8Array {
    return assembleSignerInfo(this.identity, signed, signature);
  }
}

/**
 * Puts a countersignature into the first SignerInfo of a (parsed) signature, and its certificates
 * into the SignedData: the same bytes `countersign` makes.
 */
export function attachCountersignature(signature: ParsedSignedData, counter: Uint8Array, certificates: readonly Uint8Array[]): Uint8Array {
  return attachTo(signature, 0, counter, certificates);
}

function attachTo(parsed: ParsedSignedData, index: number, counter: Uint8Array, certificates: readonly Uint8Array[]): Uint8Array {
  const signerInfos = parsed.signerInfos.map((s, i) => (i === index ? addUnsignedCountersignature(s.encoding, s.unsignedAttributes, counter) : s.encoding));
  return encodeSignedData([...parsed.certificates, ...certificates], signerInfos, parsed.crls);
}

function addUnsignedCountersignature(signerInfo: Uint8Array, unsigned: readonly Attribute[], counter: Uint8Array): Uint8Array {
  const top = readWhole(signerInfo, Tag.SEQUENCE);
  const kept = children(signerInfo, top)
    .filter((field) => field.tag !== Tag.context(1))
    .map((field) => encodingOf(signerInfo, field));
  const existing = findAttribute(unsigned, oidDer.countersignature);
  const others = unsigned.filter((a) => a !== existing).map((a) => sequence(a.type, setOf(a.values)));
  const counterAttribute = sequence(oidDer.countersignature, setOf([...(existing?.values ?? []), counter]));
  return sequence(...kept, implicitSetOf(0xa1, [...others, counterAttribute]));
}
