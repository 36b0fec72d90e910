import { rocYearOf } from './roc-date.js';

/**
 * 公文文號: ten digits that begin with the ROC year of issue (1033151119 was issued in 103, i.e.
 * 2014). Years 100 and later take three digits; the remaining seven are the agency's sequence.
 */
export const DOCUMENT_NUMBER_PATTERN = /^1\d{9}$/;

export function isDocumentNumber(text: string): boolean {
  return DOCUMENT_NUMBER_PATTERN.test(text);
}

export function rocYearOfDocumentNumber(documentNumber: string): number {
  return Number(documentNumber.slice(0, 3));
}

/**
 * The service numbers documents from 0000001 up; sequences from IMPORT_SEQUENCE_FLOOR up are
 * reserved for documents brought in with a number of their own (paper documents being imported),
 * so such a number can never be one the counter will give later.
 */
export const LAST_AUTOMATIC_SEQUENCE = 8_999_999;
export const IMPORT_SEQUENCE_FLOOR = 9_000_000;

export function sequenceOfDocumentNumber(documentNumber: string): number {
  return Number(documentNumber.slice(3));
}

/** The next number in the given year's sequence, e.g. (115, 42) → 1150000042. */
export function makeDocumentNumber(rocYear: number, sequence: number): string {
  if (rocYear < 100 || rocYear > 999) throw new RangeError(`ROC year out of range: ${rocYear}`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 9_999_999) throw new RangeError(`sequence out of range: ${sequence}`);
  return `${rocYear}${String(sequence).padStart(7, '0')}`;
}

export function currentRocYear(now: Date = new Date()): number {
  return rocYearOf(now);
}
