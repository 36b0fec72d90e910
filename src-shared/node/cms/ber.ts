import { DerError } from './der.js';

/**
 * BER on the wire, DER kept (RFC 5652 allows BER outside the signed attributes): `openssl cms
 * -sign -stream` and Bouncy Castle's `getEncoded()` write indefinite lengths. This re-encodes
 * what BER may vary in, and nothing else: indefinite and non-minimal lengths become minimal
 * definite ones, a constructed OCTET STRING becomes one primitive. Element order, integers, object
 * identifiers and every other octet stay as they were sent, so an input already in DER comes back
 * as the same array, and `assertStrictDer` still judges the result. The signed attributes are
 * verified over their re-encoding, the DER RFC 5652 §5.4 says the signature covers.
 */

/** Deeper than any CMS the profile reads; the count bounds the work on hostile input. */
const MAX_DEPTH = 32;
const MAX_VALUES = 20_000;

type Node = { tag: number; content: Uint8Array } | { tag: number; children: Node[] };

const OCTET_STRING = 0x04;
const CONSTRUCTED_OCTET_STRING = 0x24;

export function berToDer(bytes: Uint8Array): Uint8Array {
  const state = { values: 0, changed: false };
  const { node, end } = readNode(bytes, 0, bytes.length, 0, state);
  if (end !== bytes.length) throw new DerError('trailing bytes after the value');
  return state.changed ? encode(node) : bytes;
}

function readNode(bytes: Uint8Array, offset: number, limit: number, depth: number, state: { values: number; changed: boolean }): { node: Node; end: number } {
  if (++state.values > MAX_VALUES) throw new DerError('too many values');
  if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-octet tags are not used here');
  if (tag === 0x00) throw new DerError('end-of-contents where a value belongs');
  const constructed = (tag & 0x20) !== 0;
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length: number | null;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive value');
    length = null;
    state.changed = true;
  } else {
    const count = first & 0x7f;
    if (count > 8 || first === 0xff) throw new DerError('length too large');
    if (pos + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
    if (length > limit) throw new DerError('content runs past its container');
    // Long form where the short one fits, or leading zero octets: BER, not DER.
    if (length < 0x80 || bytes[pos - count] === 0) state.changed = true;
  }
  if (!constructed) {
    const end = pos + length!;
    if (end > limit) throw new DerError('content runs past its container');
    return { node: { tag, content: bytes.subarray(pos, end) }, end };
  }
  const children: Node[] = [];
  let end: number;
  if (length === null) {
    for (;;) {
      if (pos + 2 > limit) throw new DerError('end-of-contents missing');
      if (bytes[pos] === 0x00) {
        if (bytes[pos + 1] !== 0x00) throw new DerError('malformed end-of-contents');
        end = pos + 2;
        break;
      }
      const child = readNode(bytes, pos, limit, depth + 1, state);
      children.push(child.node);
      pos = child.end;
    }
  } else {
    end = pos + length;
    if (end > limit) throw new DerError('content runs past its container');
    while (pos < end) {
      const child = readNode(bytes, pos, end, depth + 1, state);
      children.push(child.node);
      pos = child.end;
    }
  }
  if (tag === CONSTRUCTED_OCTET_STRING) {
    state.changed = true;
    return { node: { tag: OCTET_STRING, content: octetsOf(children) }, end };
  }
  return { node: { tag, children }, end };
}

/** The segments of a constructed OCTET STRING, joined (X.690 8.7.3: each is an OCTET STRING). */
function octetsOf(segments: Node[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const segment of segments) {
    if (segment.tag !== OCTET_STRING || !('content' in segment)) throw new DerError('a segment of an OCTET STRING is not an OCTET STRING');
    parts.push(segment.content);
  }
  return join(parts);
}

function encode(node: Node): Uint8Array {
  const content = 'content' in node ? node.content : join(node.children.map(encode));
  const length = content.length;
  const header: number[] = [node.tag];
  if (length < 0x80) header.push(length);
  else {
    const octets: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
    header.push(0x80 | octets.length, ...octets);
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}
