import { randomBytes } from 'node:crypto';
import type { DocumentView } from '../../src-shared/common/api/documents.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import type { Action } from '../../src-shared/common/flow.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import type { SendOutcome } from '../../src-shared/common/ipc/outputs.js';
import type { Courier } from '../outbox/courier.js';
import type { Outbox, OutboxEntry } from '../outbox/outbox.js';

export interface StepInput {
  action: Action;
  recipient: string | null;
  opinion: string;
}

/**
 * 傳送: sign the step, put it in the outbox (durable), then deliver it. When the service cannot be
 * reached the step stays queued and the courier delivers it later; the clerk's work is never lost.
 */
export async function sendStep(
  deps: { outbox: Outbox; courier: Courier },
  account: string,
  doc: DocumentView,
  input: StepInput,
  signer: CmsSigner,
  now = new Date(),
): Promise<SendOutcome> {
  const signingTime = signingTimeOf(now);
  const payload = canonicalStepPayload(
    payloadForStep(doc, { action: input.action, sender: account, recipient: input.recipient, opinion: input.opinion, signingTime }),
  );
  const cms = await signStep(payload, signer, new Date(signingTime));
  const key = randomBytes(18).toString('base64url');
  const entry: OutboxEntry = {
    key,
    account,
    documentId: doc.id,
    documentNumber: doc.number,
    request: {
      action: input.action,
      recipient: input.recipient,
      opinion: input.opinion,
      signingTime,
      stepToken: doc.stepToken!,
      signature: Buffer.from(cms).toString('base64'),
      idempotencyKey: key,
    },
    queuedAt: new Date().toISOString(),
  };
  await deps.outbox.put(entry);
  return { ...(await deps.courier.deliver(entry)), key };
}
