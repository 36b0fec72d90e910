import { describe, expect, it } from 'vitest';
import { text } from '../../src-shared/common/api/text.js';
import { DerError, readTime, readTlv, readWhole } from '../../src-shared/node/cms/der.js';
import { encodeInOneBuffer, objectIdentifier, octetString, sequence, setOf } from '../../src-shared/node/cms/der-writer.js';

describe('the DER reader refuses what is not strict DER', () => {
  const cases: [string, number[]][] = [
    ['indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ['a long form where the short form fits', [0x04, 0x81, 0x01, 0xaa]],
    ['a length past the end', [0x04, 0x05, 0x01]],
    ['a multi-octet tag', [0x1f, 0x81, 0x01, 0x00]],
    ['a truncated header', [0x30]],
    ['a length of more than four octets', [0x04, 0x85, 1, 0, 0, 0, 0]],
  ];
  it.each(cases)('%s', (_name, bytes) => {
    expect(() => readTlv(Uint8Array.from(bytes), 0)).toThrow(DerError);
  });
  it('and trailing bytes after a whole value', () => {
    expect(() => readWhole(Uint8Array.of(0x05, 0x00, 0x00), 0x05)).toThrow(/trailing/);
  });
});

describe('signing times', () => {
  const time = (tag: number, text: string) => {
    const bytes = Uint8Array.from([tag, text.length, ...Buffer.from(text, 'latin1')]);
    return readTime(bytes, readWhole(bytes, tag));
  };
  it('reads UTCTime (years 50-99 are 19xx) and GeneralizedTime, in UTC', () => {
    expect(time(0x17, '140527092400Z').toISOString()).toBe('2014-05-27T09:24:00.000Z');
    expect(time(0x17, '991231235959Z').toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(time(0x18, '20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });
  it.each([
    ['a local time', 0x17, '140527092400+0800'],
    ['no zone', 0x17, '1405270924000'],
    ['fractional seconds', 0x18, '20140527092400.5Z'],
    ['a letter among the digits', 0x17, '14052709240AZ'],
    ['31 February', 0x17, '140231092400Z'],
    ['hour 24', 0x17, '140527240000Z'],
    ['minute 60', 0x17, '140527096000Z'],
    ['a UTCTime in the GeneralizedTime form', 0x17, '20140527092400Z'],
  ])('refuses %s', (_name, tag, text) => {
    expect(() => time(tag, text)).toThrow(DerError);
  });
});

describe('the DER writer', () => {
  it('writes the shortest length, in every form the reader accepts', () => {
    const headers: Record<number, string> = { 0: '0400', 127: '047f', 128: '048180', 255: '0481ff', 256: '04820100', 65535: '0482ffff', 65536: '0483010000' };
    for (const [size, header] of Object.entries(headers)) {
      const encoded = octetString(new Uint8Array(Number(size)).fill(7));
      expect(Buffer.from(encoded.subarray(0, header.length / 2)).toString('hex')).toBe(header);
      const tlv = readWhole(encoded, 0x04); // strict: refuses a length longer than it needs
      expect(tlv.end - tlv.contentStart).toBe(Number(size));
    }
  });

  it('encodes OIDs with large arcs (the project arc under 2.25)', () => {
    expect(Buffer.from(objectIdentifier('1.2.840.113549.1.7.2')).toString('hex')).toBe('06092a864886f70d010702');
    expect(Buffer.from(objectIdentifier('2.25.1')).toString('hex')).toBe('06026901');
  });
  it('sorts SET OF elements by their encodings', () => {
    expect(Buffer.from(setOf([Uint8Array.of(0x04, 0x01, 0x02), Uint8Array.of(0x04, 0x01, 0x01)])).toString('hex')).toBe('3106040101040102');
  });
});

describe('encoding in one buffer', () => {
  const nested = () => sequence(octetString(new Uint8Array(100).fill(1)), setOf([octetString(new Uint8Array(200).fill(2)), objectIdentifier('2.25.1')]));

  it('writes the same octets as separate allocations, every element inside its buffer', () => {
    const inOne = encodeInOneBuffer(4096, nested);
    expect(Buffer.from(inOne).equals(Buffer.from(nested()))).toBe(true);
    expect(inOne.buffer.byteLength).toBe(4096);
  });

  it('gives an element that does not fit its own allocation, whole', () => {
    const spilled = encodeInOneBuffer(150, nested);
    expect(Buffer.from(spilled).equals(Buffer.from(nested()))).toBe(true);
    expect(spilled.buffer.byteLength).toBe(spilled.length);
  });

  it('never reuses a buffer: what one encoding returned stays as it was', () => {
    const first = encodeInOneBuffer(4096, () => octetString(Uint8Array.of(1, 2, 3)));
    const second = encodeInOneBuffer(4096, () => octetString(Uint8Array.of(9, 9, 9)));
    expect([...first, ...second]).toEqual([4, 3, 1, 2, 3, 4, 3, 9, 9, 9]);
    expect(first.buffer).not.toBe(second.buffer);
  });

  it('ends with its encoder, also when the encoder throws or nests another', () => {
    const outerOnly = encodeInOneBuffer(4096, () => {
      const inner = encodeInOneBuffer(4096, () => octetString(Uint8Array.of(1)));
      const outer = octetString(Uint8Array.of(2));
      expect(inner.buffer).not.toBe(outer.buffer);
      return outer;
    });
    expect(outerOnly.buffer.byteLength).toBe(4096);
    expect(() =>
      encodeInOneBuffer(4096, () => {
        throw new RangeError('encoder failed');
      }),
    ).toThrow('encoder failed');
    expect(octetString(new Uint8Array(100)).buffer.byteLength).toBe(102);
  });
});

describe('typed text', () => {
  const subject = text({ min: 1, max: 20 });
  const body = text({ max: 100, multiline: true });
  it('accepts Chinese text, and line breaks where text is long', () => {
    expect(subject.safeParse('函轉行政院公文').success).toBe(true);
    expect(body.safeParse('第一行\n第二行\t附註').success).toBe(true);
    expect(subject.safeParse('第一行\n第二行').success).toBe(false);
  });
  it('refuses control characters, unpaired surrogates and bidirectional overrides', () => {
    for (const bad of ['a\u0000b', 'a\u202Eb', 'a\uDC00b', 'a\u2066b', 'a\u007Fb']) expect(body.safeParse(bad).success).toBe(false);
    expect(body.safeParse('😀 表情').success).toBe(true); // a proper surrogate pair
  });
});
