import type { PendingResignStep, ResignRequest } from '../../src-shared/common/api/resign.js';
import { makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { signerCertificates, type CmsSigner } from '../../src-shared/node/cms/signer.js';

/** A 補簽 request as IFT940 makes it: each step's signature value countersigned by `card`, the card's certificates once. */
export async function resignRequest(
  steps: readonly Pick<PendingResignStep, 'stepId' | 'signatureValue'>[],
  card: CmsSigner,
  note: string,
  signedNote = note,
): Promise<ResignRequest> {
  const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const items = await Promise.all(
    steps.map(async (s) => ({
      stepId: s.stepId,
      countersignature: Buffer.from(
        await makeCountersignature(new Uint8Array(Buffer.from(s.signatureValue, 'base64')), card, { note: signedNote, signingTime }),
      ).toString('base64'),
    })),
  );
  return { note, certificates: signerCertificates(card).map((c) => Buffer.from(c).toString('base64')), items };
}

/**
 * A 代為補簽 request as IFT940 makes it: each step countersigned by the re-signer's `card`, with the
 * note, the reason and the step's signer's account as signed attributes.
 */
export async function onBehalfRequest(
  steps: readonly (Pick<PendingResignStep, 'stepId' | 'signatureValue'> & { holderAccount: string })[],
  card: CmsSigner,
  note: string,
  reason: string,
  signed: { reason?: string; signerAccount?: string } = {},
): Promise<ResignRequest & { reason: string }> {
  const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const items = await Promise.all(
    steps.map(async (s) => ({
      stepId: s.stepId,
      countersignature: Buffer.from(
        await makeCountersignature(new Uint8Array(Buffer.from(s.signatureValue, 'base64')), card, {
          note,
          signingTime,
          onBehalf: { reason: signed.reason ?? reason, signerAccount: signed.signerAccount ?? s.holderAccount },
        }),
      ).toString('base64'),
    })),
  );
  return { note, reason, certificates: signerCertificates(card).map((c) => Buffer.from(c).toString('base64')), items };
}
