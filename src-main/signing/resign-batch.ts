import type { PendingResignStep } from '../../src-shared/api/resign.js';
import { countersign } from '../../src-shared/cms/countersign.js';
import { GongwenError, type ErrorCode } from '../../src-shared/errors.js';
import { signingTimeOf } from '../../src-shared/step-payload.js';
import type { ResignProgress, ResignReport } from '../../src-shared/ipc/outputs.js';
import type { CardService } from '../card/card-service.js';
import type { ServiceClient } from '../service-client/service-client.js';

export interface ResignBatchOptions {
  client: ServiceClient;
  card: CardService;
  pin: string;
  /** 補簽註記, signed into every countersignature. */
  note: string;
  onProgress?: (progress: ResignProgress) => void;
  signal?: AbortSignal;
  /** Steps per upload. */
  chunkSize?: number;
}

/**
 * IFT940 補簽: one PIN, then every pending temp-signed step of mine countersigned with the card
 * and uploaded in chunks. What is uploaded stays done; a cancelled batch, or one stopped by a
 * pulled card, stops after uploading what it has, and a re-run fetches and signs only the rest.
 */
export async function runResignBatch(options: ResignBatchOptions): Promise<ResignReport> {
  const { client, card, note } = options;
  const chunkSize = options.chunkSize ?? 50;
  const pending = (await client.pendingResign()).steps;
  const report: ResignReport = { total: pending.length, resigned: 0, alreadyResigned: 0, refused: [] };
  if (pending.length === 0) return report;

  const session = await card.openSession(options.pin);
  let done = 0;
  // The upload of one chunk overlaps the card's signing of the next: the card never waits for the
  // network, which keeps a batch near the card's own speed.
  let upload: Promise<void> = Promise.resolve();
  const uploadChunk = async (items: { stepId: string; signature: string }[]) => {
    const { results } = await client.resign({ note, items });
    for (const r of results) {
      if (r.outcome === 'resigned') report.resigned++;
      else if (r.outcome === 'already-resigned') report.alreadyResigned++;
      else report.refused.push({ stepId: r.stepId, documentNumber: pending.find((p) => p.stepId === r.stepId)?.documentNumber ?? '', code: r.code ?? 'INTERNAL' });
    }
  };
  try {
    for (let start = 0; start < pending.length; start += chunkSize) {
      if (options.signal?.aborted) throw new GongwenError('RESIGN_CANCELLED', `${done} of ${pending.length}`);
      const chunk = pending.slice(start, start + chunkSize);
      const items: { stepId: string; signature: string }[] = [];
      let cardFailure: unknown = null;
      // All of a chunk's signatures are queued to the card thread at once.
      await Promise.all(
        chunk.map(async (step: PendingResignStep) => {
          try {
            const cms = await countersign(new Uint8Array(Buffer.from(step.signature, 'base64')), session.signer, { note, signingTime: new Date(signingTimeOf(new Date())) });
            items.push({ stepId: step.stepId, signature: Buffer.from(cms).toString('base64') });
            done++;
            options.onProgress?.({ done, total: pending.length, current: { documentNumber: step.documentNumber, seq: step.seq } });
          } catch (error) {
            cardFailure ??= error;
          }
        }),
      );
      await upload;
      upload = items.length > 0 ? uploadChunk(items) : Promise.resolve();
      if (cardFailure) {
        await upload; // what was signed is kept before the batch stops
        throw cardFailure;
      }
    }
    await upload;
  } finally {
    await upload.catch(() => {});
    await session.close().catch(() => {});
  }
  return report;
}

export function isResignStop(error: unknown): error is GongwenError {
  return error instanceof GongwenError && (['RESIGN_CANCELLED', 'CARD_REMOVED'] as ErrorCode[]).includes(error.code);
}
