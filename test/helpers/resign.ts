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
