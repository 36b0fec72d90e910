import type { ClientErrorCode } from './errors.js';

/**
 * What the card indicator shows: no module, no reader, no card, ready with the token's label, or
 * `choose`: cards are present but which one to use is the clerk's to say (several, none chosen; or
 * the chosen one was pulled out while another is in: never silently another person's card).
 */
export type CardState = 'no-module' | 'no-reader' | 'no-card' | 'ready' | 'choose';

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

/** A card in a reader (a PKCS#11 slot with an initialised token), as the clerk chooses between them. */
export interface CardInReader {
  /** The reader: the slot's description (e.g. "EZ100PU", "SoftHSM slot ID 0x2ef63ab7"). */
  reader: string;
  /** The token label ("HiCOS PKI Smart Card"). */
  label: string;
  /** The token's serial number: how a chosen card is remembered. */
  serial: string;
  /** The subject CN of the card's signing certificate, when it can be read without a login. */
  holder: string | null;
}

export interface CardStatus {
  state: CardState;
  modulePath: string;
  /** Set when state is no-module: why it could not be loaded. */
  problem?: string;
  /** The card in use (state ready). */
  token?: { label: string; serial: string; model: string; manufacturer: string; pin: PinState };
  /** The signing certificate, when the card shows it without a login. */
  certificate?: CardCertificateInfo;
  /** Every card present, in slot order (states ready and choose). */
  cards?: CardInReader[];
  /** The reader of the card in use (state ready). */
  reader?: string;
  /** How the card in use was settled: the clerk chose it (remembered), or it is the only one present. */
  chosenBy?: 'clerk' | 'only-card';
}

export interface CardDiagnostics {
  modulePath: string;
  /** Where the module path came from, and every path of the known table tried on this OS. */
  moduleSearch?: { source: 'configured' | 'found' | 'none'; tried: { path: string; exists: boolean }[] };
  loaded: boolean;
  problem?: string;
  library?: { description: string; manufacturer: string; cryptokiVersion: string; libraryVersion: string };
  slots: {
    id: string;
    description: string;
    tokenPresent: boolean;
    token?: { label: string; serial: string; model: string; manufacturer: string; flags: string[] };
    mechanisms?: string[];
    /** Which certificate (and so which key, by CKA_ID) signs on this card, and why; each certificate's verdict. */
    signing?: {
      reason: string;
      certificates: { label: string; id: string; holder: string | null; keyUsage: string[] | string; chosen: boolean; reason: string }[];
    };
  }[];
  /** The card in use and how it was settled. */
  chosen?: { serial: string; by: 'clerk' | 'only-card' } | { serial: null; why: string };
}

/** A card failure in the project's words; `ckr` keeps the PKCS#11 name for diagnostics. */
export interface CardFailure {
  code: ClientErrorCode;
  ckr?: string;
  pin?: PinState;
  detail?: string;
}
