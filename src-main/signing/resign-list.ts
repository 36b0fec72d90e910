import type { X509Certificate } from 'node:crypto';
import type { OnBehalfPendingStep, PendingResignStep } from '../../src-shared/common/api/resign.js';
import { sameBytes } from '../../src-shared/node/cms/der.js';
import { verifyStepSignature } from '../../src-shared/node/cms/verify.js';
import { GongwenError, messageOf } from '../../src-shared/common/errors.js';
import type { OnBehalfListed, ResignListed } from '../../src-shared/common/ipc/outputs.js';
import { toCountersign, type ToCountersign } from './resign-batch.js';

/** A listed step as this PC checked it, and, unless refused, what the card countersigns for it. */
export interface CheckedResignStep {
  listed: ResignListed;
  toCountersign?: ToCountersign;
}

/** Whose the clerk is, and the temp certificates (base64 DER) enabled on this PC for them. */
export interface ResignCheckContext {
  account: string;
  enabledHere: readonly string[];
}

/**
 * Checks one step of the service's pending list before the card may countersign it. The service
 * runs the temp CA, so a lying service could issue a temp certificate in the clerk's name, sign a
 * payload with it and list that: its card countersignature would turn a forged approval into
 * card-backed evidence. The temp key never leaves the PC it was made on, so:
 * - the signature must verify over the listed payload, the payload must be this step of this
 *   document sent by this clerk, and the signature value the card is to countersign must be the
 *   signature's own;
 * - made with a temp certificate enabled on this PC: `this-pc`;
 * - made with a certificate naming this clerk that this PC never enabled: `other-pc`, shown apart
 *   with what was signed, countersigned only when the clerk confirms it;
 * - anything else is refused, with the reason.
 */
export function checkPendingStep(step: PendingResignStep, context: ResignCheckContext): CheckedResignStep {
  const { signatureValue: _value, signature: _signature, payload: _payload, ...shown } = step;
  try {
    const { verified, signed } = verifiedListedStep(step, context.account, 'the clerk’s');
    const certificate = Buffer.from(verified.signer.certificateDer).toString('base64');
    const signedWith = context.enabledHere.includes(certificate) ? 'this-pc' : accountOf(verified.signer.certificate) === context.account ? 'other-pc' : null;
    if (!signedWith) throw new GongwenError('RESIGN_SIGNATURE_FOREIGN', 'signed with a certificate neither enabled here nor naming the clerk');
    const { action, recipient, opinion, signingTime } = signed;
    return { listed: { ...shown, signedWith, signed: { action, recipient, opinion, signingTime } }, toCountersign: toCountersign(step) };
  } catch (error) {
    const code = error instanceof GongwenError ? error.code : 'RESIGN_PAYLOAD_MISMATCH';
    return { listed: { ...shown, signedWith: 'refused', refusal: { code, message: messageOf(code) } } };
  }
}

/**
 * What both lists check of a listed step before a card countersigns it: the signature verifies
 * over the listed payload, the payload is this step of this document sent by `sender`, and the
 * value to countersign is the signature's own.
 */
function verifiedListedStep(step: PendingResignStep, sender: string, whose: string) {
  const payload = decode(step.payload);
  const verified = verifyStepSignature(decode(step.signature), payload);
  const signed = signedPayload(payload);
  if (signed.documentId !== step.documentId || signed.documentNumber !== step.documentNumber || signed.step !== step.seq || signed.sender !== sender)
    throw new GongwenError('RESIGN_PAYLOAD_MISMATCH', `the payload is another step’s, or not ${whose}`);
  if (!sameBytes(verified.parsed.signerInfos[0]!.signature, decode(step.signatureValue)))
    throw new GongwenError('RESIGN_PAYLOAD_MISMATCH', 'the listed signature value is not the signature’s');
  return { verified, signed };
}

/** The steps the card countersigns: those signed here, and those signed on another PC the clerk confirmed. */
export function toSign(checked: readonly CheckedResignStep[], confirmedOtherPc: ReadonlySet<string>): ToCountersign[] {
  return checked
    .filter((c) => c.listed.signedWith === 'this-pc' || (c.listed.signedWith === 'other-pc' && confirmedOtherPc.has(c.listed.stepId)))
    .map((c) => c.toCountersign!);
}

interface SignedPayload {
  documentId: string;
  documentNumber: string;
  step: number;
  sender: string;
  action: string;
  recipient: string | null;
  opinion: string;
  signingTime: string;
}

function signedPayload(payload: Uint8Array): SignedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new GongwenError('RESIGN_PAYLOAD_MISMATCH', 'the payload is not a step payload');
  }
  const p = parsed as Partial<Record<keyof SignedPayload, unknown>> | null;
  const text = (v: unknown) => typeof v === 'string';
  if (
    !p ||
    !text(p.documentId) ||
    !text(p.documentNumber) ||
    typeof p.step !== 'number' ||
    !text(p.sender) ||
    !text(p.action) ||
    !(p.recipient === null || text(p.recipient)) ||
    !text(p.opinion) ||
    !text(p.signingTime)
  ) {
    throw new GongwenError('RESIGN_PAYLOAD_MISMATCH', 'the payload is not a step payload');
  }
  return p as SignedPayload;
}

/** The account a temp certificate names (UID in its subject), as the temp CA writes it. */
function accountOf(certificate: X509Certificate): string | null {
  return /(?:^|\n)UID=([^\n]+)/.exec(certificate.subject)?.[1] ?? null;
}

function decode(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/** A 代為補簽 step as this PC checked it, and, unless refused, what the card countersigns for it. */
export interface CheckedOnBehalfStep {
  listed: OnBehalfListed;
  toCountersign?: ToCountersign;
}

/**
 * Checks one step of the 代為補簽 list before the re-signer's card may countersign it. The
 * re-signer never held the signer's temp key, so what can be checked here is that the signature
 * verifies over the listed payload, that the payload is this step of this document sent by the
 * listed signer, with a certificate naming them, and that the value to countersign is the
 * signature's own. What was signed is shown beside it: the re-signer backs it with their card.
 */
export function checkOnBehalfStep(step: OnBehalfPendingStep): CheckedOnBehalfStep {
  const { signatureValue: _value, signature: _signature, payload: _payload, ...shown } = step;
  try {
    const { verified, signed } = verifiedListedStep(step, step.holderAccount, 'the listed signer’s');
    if (accountOf(verified.signer.certificate) !== step.holderAccount)
      throw new GongwenError('RESIGN_SIGNATURE_FOREIGN', 'signed with a certificate that does not name the listed signer');
    const { action, recipient, opinion, signingTime } = signed;
    return {
      listed: { ...shown, checked: 'listed', signed: { action, recipient, opinion, signingTime } },
      toCountersign: { ...toCountersign(step), onBehalfOf: step.holderAccount },
    };
  } catch (error) {
    const code = error instanceof GongwenError ? error.code : 'RESIGN_PAYLOAD_MISMATCH';
    return { listed: { ...shown, checked: 'refused', refusal: { code, message: messageOf(code) } } };
  }
}
