import { x509 } from '../../src-shared/node/pki/x509.js';

/**
 * Who a card certificate names, for "is the new card the same person's as the registered one":
 * the subject's commonName (the holder's name) and serialNumber (OID 2.5.4.5: on MOICA and GCA
 * cards the holder's identifier, e.g. the last four characters of the 身分證字號). Both must be
 * present exactly once; a certificate without them names nobody this rule can match.
 */
export interface CardPerson {
  commonName: string;
  serialNumber: string;
}

const COMMON_NAME = '2.5.4.3';
const SERIAL_NUMBER = '2.5.4.5';

export function cardPersonOf(der: Uint8Array): CardPerson | null {
  let name: x509.Name;
  try {
    name = new x509.X509Certificate(der).subjectName;
  } catch {
    return null;
  }
  const commonNames = name.getField(COMMON_NAME);
  const serialNumbers = name.getField(SERIAL_NUMBER);
  if (commonNames.length !== 1 || serialNumbers.length !== 1) return null;
  const commonName = normalise(commonNames[0]!);
  const serialNumber = normalise(serialNumbers[0]!);
  if (!commonName || !serialNumber) return null;
  return { commonName, serialNumber };
}

/**
 * The same person: equal serialNumber and equal commonName, after Unicode NFC and trimming (a
 * renewed card's issuer may encode the name as UTF8String where the old used PrintableString or
 * BMPString; the text is what counts). Nothing else of the subject is compared: a replacement
 * card may come from another generation of the CA, or another unit (O/OU) after a transfer.
 */
export function samePerson(a: CardPerson, b: CardPerson): boolean {
  return a.serialNumber === b.serialNumber && a.commonName === b.commonName;
}

function normalise(value: string): string {
  return value.normalize('NFC').trim();
}
