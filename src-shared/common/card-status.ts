import type { ClientErrorCode } from './errors.js';

/** What the card indicator shows: no module, no reader, no card, or ready with the token's label. */
export type CardState = 'no-module' | 'no-reader' | 'no-card' | 'ready';

export interface PinState {
  /** An incorrect PIN was entered since the last successful login (CKF_USER_PIN_COUNT_LOW). */
  countLow: boolean;
  /** One more wrong PIN locks the card (CKF_USER_PIN_FINAL_TRY). */
  finalTry: boolean;
  locked: boolean;
}

export interface CardCertificateInfo {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

export interface CardStatus {
  state: CardState;
  modulePath: string;
  /** Set when state is no-module: why it could not be loaded. */
  problem?: string;
  token?: { label: string; serial: string; model: string; manufacturer: string; pin: PinState };
  /** The signing certificate, when the card shows it without a login. */
  certificate?: CardCertificateInfo;
}

export interface CardDiagnostics {
  modulePath: string;
  loaded: boolean;
  problem?: string;
  library?: { description: string; manufacturer: string; cryptokiVersion: string; libraryVersion: string };
  slots: {
    id: string;
    description: string;
    tokenPresent: boolean;
    token?: { label: string; serial: string; model: string; manufacturer: string; flags: string[] };
    mechanisms?: string[];
  }[];
}

/** A card failure in the project's words; `ckr` keeps the PKCS#11 name for diagnostics. */
export interface CardFailure {
  code: ClientErrorCode;
  ckr?: string;
  pin?: PinState;
  detail?: string;
}
