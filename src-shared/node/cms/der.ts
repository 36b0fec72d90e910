/**
 * A minimal DER reader for the few structures a step signature holds. The service parses CMS from
 * untrusted clients on every send: walking the bytes where they lie, without building an object
 * tree, keeps that fast and keeps the code an attacker can reach small enough to read and fuzz.
 * Anything that is not strict DER (indefinite lengths, long-form where short fits, trailing bytes)
 * is refused here; BER a client sends is re-encoded to DER first (`ber.ts`).
 */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Tlv {
  /** The identifier octet (we only meet single-octet tags). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export const Tag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [n] constructed, context-specific */
  context: (n: number) => 0xa0 | n,
  /** [n] primitive, context-specific */
  contextPrimitive: (n: number) => 0x80 | n,
} as const;

/**
 * The same bytes as a plain Uint8Array, not a Node Buffer (what SQLite, PostgreSQL and most of
 * Node's APIs hand out). Every entry into the reader takes this view (no copy), so the reader only
 * ever sees one kind of array; docs/benchmarks.md says what that was measured to save.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The deepest nesting `children` accepts when its caller passes `depth`. No caller does today:
 * the CMS parser walks a fixed shape, one `children` call per level it knows, so how deep it
 * reads is bounded by its code, not by this limit. A reader that recurses into structure it does
 * not know must pass depth + 1 to be refused past it.
 */
const MAX_DEPTH = 32;

export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-octet tags are not used here');
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('length too large');
    if (pos + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
    if (length < 0x80 || (count > 1 && bytes[pos - count] === 0)) throw new DerError('non-minimal length');
  }
  const end = pos + length;
  if (end > limit) throw new DerError('content runs past its container');
  return { tag, start: offset, contentStart: pos, end };
}

/** The TLV at `offset`, which must carry `tag`. */
export function expect(bytes: Uint8Array, offset: number, tag: number, limit = bytes.length): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The children of a constructed TLV, in order. */
export function children(bytes: Uint8Array, parent: Tlv, depth = 0): Tlv[] {
  if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
  if ((parent.tag & 0x20) === 0) throw new DerError('not a constructed value');
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(bytes, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Parses a whole buffer that must be exactly one TLV. */
export function readWhole(bytes: Uint8Array, tag: number): Tlv {
  const tlv = expect(bytes, 0, tag);
  if (tlv.end !== bytes.length) throw new DerError('trailing bytes after the value');
  return tlv;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

export function encodingOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads a small non-negative INTEGER (CMS versions). */
export function smallInteger(bytes: Uint8Array, tlv: Tlv): number {
  if (tlv.tag !== Tag.INTEGER) throw new DerError('expected INTEGER');
  const len = tlv.end - tlv.contentStart;
  if (len < 1 || len > 4) throw new DerError('integer out of range');
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = value * 256 + bytes[i]!;
  return value;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), the forms RFC 5280 allows. */
export function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  const length = tlv.end - tlv.contentStart;
  // Read digit by digit where the bytes lie: every signature carries a signing time and every
  // certificate two, and a decoder and a regular expression cost more than the rest of the read.
  let at = tlv.contentStart;
  const digits = (count: number): number => {
    let value = 0;
    for (const end = at + count; at < end; at++) {
      const digit = bytes[at]! - 0x30;
      if (digit < 0 || digit > 9) throw new DerError('not a UTCTime or GeneralizedTime in UTC');
      value = value * 10 + digit;
    }
    return value;
  };
  let year: number;
  if (tlv.tag === Tag.UTC_TIME && length === 13) {
    const yy = digits(2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === Tag.GENERALIZED_TIME && length === 15) {
    year = digits(4);
  } else {
    throw new DerError('not a UTCTime or GeneralizedTime in UTC');
  }
  const month = digits(2);
  const day = digits(2);
  const hour = digits(2);
  const minute = digits(2);
  const second = digits(2);
  if (bytes[at] !== 0x5a) throw new DerError('not a UTCTime or GeneralizedTime in UTC');
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) throw new DerError('not a calendar date');
  return date;
}

/** How many TLVs a whole signature may hold: a step signature with its chain has a few hundred. */
const MAX_TLVS = 20_000;

/**
 * Every byte of `bytes` must be strict DER: each constructed value splits exactly into its
 * children, all the way down; primitive values of the universal types whose form DER fixes are in
 * that form (INTEGER minimal, BOOLEAN 00 or FF, NULL empty, OBJECT IDENTIFIER minimal arcs, BIT
 * STRING with at most 7 unused bits); strings are never constructed. What the parser does not
 * need it skips, but a signature stored for others to check must hold nothing openssl or any
 * other reader would choke on.
 */
export function assertStrictDer(bytes: Uint8Array): void {
  const top = readTlv(bytes, 0);
  if (top.end !== bytes.length) throw new DerError('trailing bytes after the value');
  let count = 0;
  const walk = (tlv: Tlv, depth: number) => {
    if (++count > MAX_TLVS) throw new DerError('too many values');
    if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
    const { tag, contentStart, end } = tlv;
    const constructed = (tag & 0x20) !== 0;
    const universal = (tag & 0xc0) === 0;
    if (constructed) {
      if (universal && tag !== Tag.SEQUENCE && tag !== Tag.SET) throw new DerError('a constructed string is not DER');
      for (const child of children(bytes, tlv, depth)) walk(child, depth + 1);
      return;
    }
    if (!universal) return;
    const length = end - contentStart;
    switch (tag) {
      case 0x01: // BOOLEAN
        if (length !== 1 || (bytes[contentStart] !== 0 && bytes[contentStart] !== 0xff)) throw new DerError('BOOLEAN is not DER');
        return;
      case Tag.INTEGER:
      case 0x0a: // ENUMERATED
        if (length === 0) throw new DerError('empty INTEGER');
        if (
          length > 1 &&
          ((bytes[contentStart] === 0 && bytes[contentStart + 1]! < 0x80) || (bytes[contentStart] === 0xff && bytes[contentStart + 1]! >= 0x80))
        )
          throw new DerError('non-minimal INTEGER');
        return;
      case Tag.NULL:
        if (length !== 0) throw new DerError('NULL with content');
        return;
      case Tag.OID:
        if (length === 0 || (bytes[end - 1]! & 0x80) !== 0) throw new DerError('malformed OBJECT IDENTIFIER');
        for (let i = contentStart; i < end; i++)
          if (bytes[i] === 0x80 && (i === contentStart || (bytes[i - 1]! & 0x80) === 0)) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
        return;
      case Tag.BIT_STRING:
        if (length === 0 || bytes[contentStart]! > 7 || (length === 1 && bytes[contentStart] !== 0)) throw new DerError('malformed BIT STRING');
        return;
      case 0x00:
        throw new DerError('end-of-contents is not DER');
    }
  };
  walk(top, 0);
}
