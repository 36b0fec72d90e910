/**
 * The DER encoder for the signature profile: tag-length-value concatenation, nothing more. Raw
 * certificate and name encodings are passed through untouched, which is what a signature over
 * them needs (a re-encoding library can change bytes it does not understand).
 */
/** How many octets the DER length of `length` takes (X.690 8.1.3: short form below 128). */
function lengthOctetCount(length: number): number {
  if (length < 0x80) return 1;
  let count = 1;
  for (let n = length; n > 0; n = Math.floor(n / 256)) count++;
  return count;
}

/** Writes the DER length of `length`, `octets` long (from `lengthOctetCount`), at `pos` in `out`. */
function writeLength(out: Uint8Array, pos: number, length: number, octets: number): void {
  if (octets === 1) {
    out[pos] = length;
    return;
  }
  out[pos] = 0x80 | (octets - 1);
  for (let i = octets - 1, n = length; i >= 1; i--, n = Math.floor(n / 256)) out[pos + i] = n & 0xff;
}

/**
 * Where the elements being encoded take their memory: null, each its own Uint8Array; inside
 * `encodeInOneBuffer`, slices of one buffer made for that encoding.
 */
let arena: { bytes: Uint8Array; used: number } | null = null;

function allocate(size: number): Uint8Array {
  if (arena === null || arena.used + size > arena.bytes.length) return new Uint8Array(size);
  const out = arena.bytes.subarray(arena.used, arena.used + size);
  arena.used += size;
  return out;
}

/**
 * Runs a synchronous encoder with every element it makes (`tlv` and all built on it) cut from one
 * buffer of `capacity` octets; an element that no longer fits gets its own. Why: V8 gives each
 * Uint8Array over 64 octets a separate zeroed allocation outside its heap, which the garbage
 * collector then tracks, about 3 µs each (measured 2026-12-01); a time-stamp token nests a dozen
 * such elements and is made at every send. Each call has its own buffer and never reuses it, so
 * nothing returned can change afterwards; the result's `.buffer` is that whole buffer (the
 * element's intermediates, public encodings all), so copy it before handing it to another thread.
 */
export function encodeInOneBuffer(capacity: number, encode: () => Uint8Array): Uint8Array {
  const outer = arena;
  arena = { bytes: new Uint8Array(capacity), used: 0 };
  try {
    return encode();
  } finally {
    arena = outer;
  }
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  // One allocation per element: a countersignature is a dozen levels deep, made thousands of times a batch.
  let length = 0;
  for (const part of content) length += part.length;
  const octets = lengthOctetCount(length);
  const out = allocate(1 + octets + length);
  out[0] = tag;
  writeLength(out, 1, length, octets);
  let pos = 1 + octets;
  for (const part of content) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

export const sequence = (...content: Uint8Array[]) => tlv(0x30, ...content);

/** DER SET OF: the elements sorted by their encodings (X.690 11.6). */
export function setOf(elements: readonly Uint8Array[]): Uint8Array {
  return implicitSetOf(0x31, elements);
}

/** A SET OF under an IMPLICIT tag, as CMS writes certificates [0] and attributes [0] and [1]. */
export function implicitSetOf(tag: number, elements: readonly Uint8Array[]): Uint8Array {
  // Most sets here hold one element (an attribute's value): nothing to sort, nothing to copy.
  return tlv(tag, ...(elements.length < 2 ? elements : [...elements].sort(compareBytes)));
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
const encoder = new TextEncoder();
export const utf8String = (text: string) => tlv(0x0c, encoder.encode(text));
export const nullValue = () => Uint8Array.of(0x05, 0x00);
export const contextConstructed = (n: number, ...content: Uint8Array[]) => tlv(0xa0 | n, ...content);

export function smallIntegerValue(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 127) throw new RangeError('only small integers are encoded here');
  return Uint8Array.of(0x02, 0x01, value);
}

export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new RangeError(`not an OID: ${dotted}`);
  const out: number[] = [];
  const encodeArc = (arc: bigint) => {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) groups.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...groups);
  };
  encodeArc(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) encodeArc(arc);
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime for 1950 to 2049 as RFC 5652 requires, GeneralizedTime outside that. */
export function time(instant: Date): Uint8Array {
  const iso = instant.toISOString(); // 2014-05-27T09:24:00.000Z
  const year = instant.getUTCFullYear();
  const rest = iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  const ascii = (s: string) => encoder.encode(s);
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(String(year).slice(2) + rest)) : tlv(0x18, ascii(String(year) + rest));
}
