import type { PendingResignStep, ResignRequest } from '../../src-shared/common/api/resign.js';
import { makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { signerCertificates, type CmsSigner } from '../../src-shared/node/cms/signer.js';
import { findUserByAccount } from '../../src-server/accounts/users.js';
import type { Clerk, TestService } from './service.js';

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

/** Makes `account` the head of `unit` (the right to re-sign on behalf of its members, and on paper). */
export async function setUnitHead(service: TestService, account: string, unit = 'ict'): Promise<void> {
  const headId = (await findUserByAccount(service.ctx.storage.db, account))!.id;
  await service.ctx.storage.write((trx) => trx.updateTable('units').set({ head_user_id: headId }).where('id', '=', unit).execute());
}

/** A document `clerk` sent to `head` with the temp cert and `head` decided (決行) with the card: its first step awaits 補簽. */
export async function tempSignedAndDecided(clerk: Clerk, head: Clerk, temp: CmsSigner, subject: string) {
  const doc = await clerk.createDocument(subject);
  await clerk.act(doc.id, '送請簽核', head.account, temp);
  await head.act(doc.id, '決行', clerk.account, await head.card());
  return doc;
}
