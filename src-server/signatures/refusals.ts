import type { ServiceErrorCode } from '../../src-shared/common/errors.js';

/**
 * What checking a signature or countersignature may refuse with: its CMS form and profile, the
 * signer's certificate and path (a retired card, a temp cert past its period), the signing time
 * and its time-stamp. Every route that takes one
 * lists these in the OpenAPI document.
 */
export const SIGNATURE_REFUSALS: readonly ServiceErrorCode[] = [
  'SIGNATURE_MALFORMED',
  'SIGNATURE_PROFILE',
  'WEAK_ALGORITHM',
  'SIGNATURE_INVALID',
  'SIGNING_TIME_INVALID',
  'SIGNING_TIME_AFTER_TIME_STAMP',
  'TIME_STAMP_INVALID',
  'TIME_STAMP_UNAVAILABLE',
  'SIGNER_NOT_USER',
  'CERT_UNKNOWN',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_EXPIRED',
  'CERT_NOT_REGISTERED',
  'CERT_MALFORMED',
  'CERT_CHAIN_EXPIRED',
  'CERT_CHAIN_NOT_CA',
  'CERT_CHAIN_PATH_LENGTH',
  'CERT_CRITICAL_EXTENSION',
  'CERT_WEAK_ALGORITHM',
  'CERT_NOT_FOR_SIGNING',
  'CERT_IS_CA',
  'CARD_RETIRED',
  'TEMP_CERT_PERIOD_ENDED',
];
