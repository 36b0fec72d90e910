import { ContentInfo, SignedData, TSTInfo } from 'pkijs';
import { tsOid } from './token.js';

const SHA256 = '2.16.840.1.101.3.4.2.1';

/** What the service reads back from a time-stamp token (its own or another TSA's). */
export interface TokenFacts {
  genTime: Date;
  /** The hashed message of the message imprint, and its algorithm's OID. */
  imprint: Uint8Array;
  hashAlgorithm: string;
  /** Hex of the serial number. */
  serial: string;
  /** Content octets of the nonce INTEGER, if the token has one. */
  nonce: Uint8Array | null;
  /** DER of the certificates the token carries. */
  certificates: Uint8Array[];
}

/** Reads a TimeStampToken (ContentInfo of SignedData over TSTInfo); throws on anything else. */
export function readTimeStampToken(token: Uint8Array): TokenFacts {
  const signed = new SignedData({ schema: ContentInfo.fromBER(token).content });
  if (signed.encapContentInfo.eContentType !== tsOid.tstInfo || !signed.encapContentInfo.eContent) throw new Error('not a time-stamp token');
  const info = TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue());
  return {
    genTime: info.genTime,
    imprint: new Uint8Array(info.messageImprint.hashedMessage.valueBlock.valueHexView),
    hashAlgorithm: info.messageImprint.hashAlgorithm.algorithmId,
    serial: Buffer.from(info.serialNumber.valueBlock.valueHexView).toString('hex'),
    nonce: info.nonce ? new Uint8Array(info.nonce.valueBlock.valueHexView) : null,
    certificates: (signed.certificates ?? []).map((c) => new Uint8Array(c.toSchema().toBER())),
  };
}

export const isSha256 = (facts: TokenFacts) => facts.hashAlgorithm === SHA256;
