import type { CardFailure, PinState } from '../../src-shared/common/card-status.js';

/** CKR values the card code tells apart (PKCS#11 v2.40 section 11.1). */
export const CKR = {
  GENERAL_ERROR: 0x05,
  FUNCTION_FAILED: 0x06,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  OPERATION_NOT_INITIALIZED: 0x91,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  BUFFER_TOO_SMALL: 0x150,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

const REMOVED = new Set<number>([CKR.DEVICE_REMOVED, CKR.TOKEN_NOT_PRESENT, CKR.SESSION_CLOSED, CKR.SESSION_HANDLE_INVALID, CKR.TOKEN_NOT_RECOGNIZED]);

/** pkcs11js throws Pkcs11Error with `code` (the CKR value) and `message` (its name). */
export function ckrOf(error: unknown): { code: number; name: string } | null {
  const e = error as { code?: unknown; message?: unknown } | null;
  return typeof e?.code === 'number' && typeof e.message === 'string' && e.message.startsWith('CKR_') ? { code: e.code, name: e.message.split(':')[0]! } : null;
}

/**
 * A PKCS#11 error in the project's words. A wrong PIN reads differently when the token says the
 * next wrong PIN locks it; the token's PIN flags travel with the failure for the PIN dialog.
 */
export function cardFailureOf(error: unknown, pin?: PinState): CardFailure {
  const ckr = ckrOf(error);
  if (!ckr) return { code: 'CARD_FAILED', detail: error instanceof Error ? error.message : String(error) };
  const base = { ckr: ckr.name, ...(pin ? { pin } : {}) };
  switch (ckr.code) {
    case CKR.PIN_INCORRECT:
      if (pin?.locked) return { code: 'CARD_PIN_LOCKED', ...base };
      return { code: pin?.finalTry ? 'CARD_PIN_FINAL_TRY' : 'CARD_PIN_INCORRECT', ...base };
    case CKR.PIN_LOCKED:
      return { code: 'CARD_PIN_LOCKED', ...base };
    case CKR.PIN_LEN_RANGE:
    case CKR.PIN_INVALID:
      return { code: 'CARD_PIN_LENGTH', ...base };
  }
  if (REMOVED.has(ckr.code)) return { code: 'CARD_REMOVED', ...base };
  return { code: 'CARD_FAILED', ...base };
}

export function isRemoval(error: unknown): boolean {
  const ckr = ckrOf(error);
  return ckr !== null && REMOVED.has(ckr.code);
}
