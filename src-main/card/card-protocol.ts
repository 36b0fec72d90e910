import type { CardFailure, CardStatus } from '../../src-shared/common/card-status.js';

/**
 * Messages from the main thread to the card worker. `session` names the card session a request
 * belongs to: one at a time; a sign or logout of another (an old, closed one) touches nothing.
 */
export type CardRequest =
  | { op: 'status' }
  | { op: 'diagnostics' }
  /** The card the clerk chose (token serial), or null for none: the status says which is in use. */
  | { op: 'choose'; serial: string | null }
  /** `stop`: one Int32 the main thread sets to stop the session's signing (read before each C_Sign). */
  | { op: 'login'; session: number; pin: Uint8Array; stop: SharedArrayBuffer }
  | { op: 'sign'; session: number; data: Uint8Array[] }
  | { op: 'logout'; session: number }
  /** The thread is being closed: log out and let the module go (see CardService.close). */
  | { op: 'release' };

export type CardReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; failure: CardFailure };

export type CardEvent = { event: 'status'; status: CardStatus };

export interface LoginResult {
  certificate: Uint8Array;
  keyAlgorithm: 'RSA' | 'EC';
  mechanism: string;
}

/**
 * The answer to a `sign` request: the signatures in the order asked, made until the first failure,
 * which stops the rest (they are of the same session, and a pulled card fails them all alike).
 */
export interface SignResult {
  signatures: Uint8Array[];
  failure?: CardFailure;
  /** The session's signing was stopped (the batch's cancel) before the rest: they were never signed. */
  stopped?: true;
  /** How long the card took for each, on average: the main thread sizes the next bundles by it. */
  millisecondsEach: number;
}
