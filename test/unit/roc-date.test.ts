import { describe, expect, it } from 'vitest';
import { isDocumentNumber, makeDocumentNumber, rocYearOfDocumentNumber } from '../../src-shared/common/document-number.js';
import { formatProcessingTime, formatRocDate, formatRocDateTime, parseRocDateTime } from '../../src-shared/common/roc-date.js';

describe('ROC dates, as the flow table writes them', () => {
  it('writes Taiwan time with the ROC year', () => {
    expect(formatRocDateTime('2014-05-27T09:24:00Z')).toBe('103/05/27 17:24');
    expect(formatRocDateTime(new Date('2024-12-31T16:05:00Z'))).toBe('114/01/01 00:05'); // past midnight in Taipei
    expect(formatRocDate('2011-01-01T00:00:00+08:00')).toBe('100/01/01');
    expect(formatRocDateTime(null)).toBe('');
  });

  it('reads them back, and refuses dates that do not exist', () => {
    expect(parseRocDateTime('103/05/27 17:24')?.toISOString()).toBe('2014-05-27T09:24:00.000Z');
    expect(parseRocDateTime('113/02/30 10:00')).toBeNull();
    expect(parseRocDateTime('2014-05-27')).toBeNull();
  });

  it('writes 公文處理時間 as hours and minutes, 00:00 while a step is open', () => {
    expect(formatProcessingTime('2014-05-27T09:24:00Z', '2014-05-27T09:24:40Z')).toBe('00:00');
    expect(formatProcessingTime('2014-05-27T09:24:00Z', '2014-05-28T11:31:00Z')).toBe('26:07');
    expect(formatProcessingTime('2014-05-27T09:24:00Z', null)).toBe('00:00');
  });
});

describe('document numbers (公文文號)', () => {
  it('are ten digits that begin with the ROC year', () => {
    expect(isDocumentNumber('1033151119')).toBe(true);
    expect(rocYearOfDocumentNumber('1033151119')).toBe(103);
    expect(isDocumentNumber('103315111')).toBe(false);
    expect(isDocumentNumber('0033151119')).toBe(false);
    expect(makeDocumentNumber(115, 42)).toBe('1150000042');
    expect(() => makeDocumentNumber(115, 10_000_000)).toThrow(RangeError);
  });
});
