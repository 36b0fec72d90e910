import { canonicalJson } from './canonical-json.js';
import type { Action } from './flow.js';

/**
 * What a signer signs at a step: the canonical (RFC 8785) JSON of this object. It names the
 * document, its content and the step, and carries the service-issued step token, so that a
 * signature can be replayed neither on another step nor on another document.
 *
 * The service never trusts the bytes a client sends: it rebuilds this object from its own state
 * plus the request, and verifies the signature against the rebuilt bytes.
 */
export interface StepPayload {
  profile: typeof STEP_PAYLOAD_PROFILE;
  documentId: string;
  documentNumber: string;
  /** SHA-256 (hex) of the document's content: subject, body and attachment digests. */
  contentSha256: string;
  /** 序 of the step being completed. */
  step: number;
  /** 異動別 */
  action: Action;
  /** Account of the current holder, who signs. */
  sender: string;
  /** Account of the next holder; null when the action closes the flow. */
  recipient: string | null;
  opinion: string;
  /**
   * ISO 8601 in UTC (`Z`), seconds required, fractional seconds allowed: equal to the CMS
   * signing-time attribute when both are taken to the second. The desktop app writes whole seconds.
   */
  signingTime: string;
  stepToken: string;
}

export const STEP_PAYLOAD_PROFILE = 'gongwen-step/1' as const;

export function canonicalStepPayload(payload: StepPayload): Uint8Array {
  const ordered: StepPayload = {
    profile: payload.profile,
    documentId: payload.documentId,
    documentNumber: payload.documentNumber,
    contentSha256: payload.contentSha256,
    step: payload.step,
    action: payload.action,
    sender: payload.sender,
    recipient: payload.recipient,
    opinion: payload.opinion,
    signingTime: payload.signingTime,
    stepToken: payload.stepToken,
  };
  return new TextEncoder().encode(canonicalJson(ordered));
}

/** Whole-second UTC time, the precision of the CMS signing-time attribute (UTCTime). */
export function signingTimeOf(instant: Date): string {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** What the client knows of the step it signs: the document as the service showed its holder. */
export interface StepToSign {
  id: string;
  number: string;
  contentSha256: string;
  currentSeq: number;
  stepToken: string | null;
}

/** The payload a holder signs to complete the current step of `doc`. */
export function payloadForStep(
  doc: StepToSign,
  act: { action: Action; sender: string; recipient: string | null; opinion: string; signingTime: string },
): StepPayload {
  if (!doc.stepToken) throw new TypeError('only the current holder, who has the step token, can sign this step');
  return {
    profile: STEP_PAYLOAD_PROFILE,
    documentId: doc.id,
    documentNumber: doc.number,
    contentSha256: doc.contentSha256,
    step: doc.currentSeq,
    action: act.action,
    sender: act.sender,
    recipient: act.recipient,
    opinion: act.opinion,
    signingTime: act.signingTime,
    stepToken: doc.stepToken,
  };
}
