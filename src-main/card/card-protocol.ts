import type { CardFailure, CardStatus } from '../../src-shared/card-status.js';

/** Messages from the main thread to the card worker. */
export type CardRequest =
  | { op: 'status' }
  | { op: 'diagnostics' }
  | { op: 'login'; pin: Uint8Array }
  | { op: 'sign'; data: Uint8Array }
  | { op: 'logout' };

export type CardReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; failure: CardFailure };

export type CardEvent = { event: 'status'; status: CardStatus };

export interface LoginResult {
  certificate: Uint8Array;
  keyAlgorithm: 'RSA' | 'EC';
  mechanism: string;
}
