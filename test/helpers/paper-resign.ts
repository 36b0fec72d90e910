import { createHash } from 'node:crypto';
import { paperResignRecordBytes } from '../../src-shared/common/api/resign.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';

/** A small scan as a scanner makes it: the first bytes of a PDF. */
export const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * The 紙本補簽 request as the unit head's app makes it: the record over the scan's hash, naming
 * the step, signed by `card` at `signedAt` (whole seconds; now unless given).
 */
export async function paperRequest(
  recordedBy: string,
  card: CmsSigner,
  step: { stepId: string; documentId: string; documentNumber: string; seq: number },
  reason: string,
  options: { scan?: Uint8Array; signer?: string; signedAt?: Date } = {},
) {
  const scan = options.scan ?? PDF;
  const signingTime = signingTimeOf(options.signedAt ?? new Date());
  const record = paperResignRecordBytes({
    kind: 'paper-resign',
    documentId: step.documentId,
    documentNumber: step.documentNumber,
    step: step.seq,
    signer: options.signer ?? 'vendor',
    recordedBy,
    scanSha256: createHash('sha256').update(scan).digest('hex'),
    reason,
    signingTime,
  });
  const signature = await signStep(record, card, new Date(signingTime));
  return { stepId: step.stepId, reason, scan: Buffer.from(scan).toString('base64'), signature: Buffer.from(signature).toString('base64'), signingTime };
}
