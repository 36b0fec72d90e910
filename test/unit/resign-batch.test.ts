import { describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/api/resign.js';
import type { ResignRequest, ResignResponse } from '../../src-shared/api/resign.js';
import type { CmsSigner } from '../../src-shared/cms/signer.js';
import type { BundleSigned, CardService, CardSession } from '../../src-main/card/card-service.js';
import type { ServiceClient } from '../../src-main/service-client/service-client.js';
import { runResignBatch } from '../../src-main/signing/resign-batch.js';
import { cardSigner } from '../helpers/demo-pki.js';

// The batch's own logic, with a card and a service that are fakes: what the virtual card and the
// real service cannot show (a card as slow as a HiCOS one, a card certificate the CMS code
// cannot read). The real card and service run it in test/signing.

function pendingSteps(n: number): PendingResignStep[] {
  return Array.from({ length: n }, (_, i) => ({ stepId: `step-${i}`, documentId: `doc-${i}`, documentNumber: `11500000${i}`, subject: '出差期間公文', seq: 1, changeType: '送請簽核', sentAt: '2026-11-27T01:00:00.000Z', signatureValue: Buffer.alloc(256, i).toString('base64') }));
}

/** A service holding `steps` that re-signs whatever is uploaded, a page at a time. */
function fakeService(steps: PendingResignStep[]) {
  const uploaded: string[] = [];
  const client = {
    pendingResign: async ({ limit = 1000, after }: { limit?: number; after?: string }) => {
      const from = after ? Number(after) : 0;
      const page = steps.slice(from, from + limit);
      return { steps: page, total: steps.length, ...(from + limit < steps.length ? { next: String(from + limit) } : {}) };
    },
    resign: async (request: ResignRequest): Promise<ResignResponse> => {
      uploaded.push(...request.items.map((i) => i.stepId));
      return { results: request.items.map((i) => ({ stepId: i.stepId, outcome: 'resigned' as const })) };
    },
  };
  return { client: client as unknown as ServiceClient, uploaded };
}

/** A card that signs one signature a bundle, slowly, and counts how many it was given at once. */
function slowCard(signer: CmsSigner, certificate = signer.certificate, bundleSize = () => 1) {
  const seen = { mostAtCard: 0, atCard: 0, closed: false };
  const session: CardSession = {
    certificate,
    keyAlgorithm: signer.keyAlgorithm,
    signer: { ...signer, certificate },
    bundleSize,
    signBundle: async (data): Promise<BundleSigned> => {
      seen.atCard += data.length;
      seen.mostAtCard = Math.max(seen.mostAtCard, seen.atCard);
      await new Promise((r) => setTimeout(r, 2));
      const signatures = await Promise.all(data.map((d) => signer.sign(d)));
      seen.atCard -= data.length;
      return { signatures };
    },
    close: async () => {
      seen.closed = true;
    },
  };
  return { card: { openSession: async () => session } as unknown as CardService, seen };
}

describe('the 補簽 batch', () => {
  it('gives a slow card two signatures at a time, not a queue a cancel could not stop, and uploads every step once', async () => {
    const steps = pendingSteps(40);
    const { client, uploaded } = fakeService(steps);
    const { card, seen } = slowCard(await cardSigner('vendor'));
    const report = await runResignBatch({ client, card, pin: '000000', note: '補簽', chunkSize: 10 });
    expect(report).toMatchObject({ total: 40, resigned: 40, refused: [] });
    expect([...uploaded].sort()).toEqual(steps.map((s) => s.stepId).sort());
    expect(seen.mostAtCard).toBe(2);
    expect(seen.closed).toBe(true);
  });

  it('stops, and does not wait for ever, when a countersignature cannot be made', async () => {
    const { client, uploaded } = fakeService(pendingSteps(5));
    // The card's certificate is not one the CMS code can read: the signed attributes cannot be made.
    const { card, seen } = slowCard(await cardSigner('vendor'), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    await expect(runResignBatch({ client, card, pin: '000000', note: '補簽' })).rejects.toThrow();
    expect(uploaded).toEqual([]);
    expect(seen.closed).toBe(true);
  });

  it('stops after uploading what it signed, and does not wait for ever, when handing the card its next bundle fails', async () => {
    const { client, uploaded } = fakeService(pendingSteps(5));
    let asked = 0;
    const { card, seen } = slowCard(await cardSigner('vendor'), undefined, () => {
      if (++asked > 2) throw new Error('the card session is gone');
      return 1;
    });
    await expect(runResignBatch({ client, card, pin: '000000', note: '補簽' })).rejects.toThrow('the card session is gone');
    expect(uploaded).toEqual(['step-0', 'step-1']);
    expect(seen.closed).toBe(true);
  });
});
