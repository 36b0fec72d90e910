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
/** Signatures kept queued to the card thread at once. */
const SIGNING_WINDOW = 32;

export async function runResignBatch(options: ResignBatchOptions): Promise<ResignReport> {
  const { client, card, note } = options;
  const chunkSize = options.chunkSize ?? 50;
  // The list and the login are fetched side by side; a batch with nothing to do logs out at once.
  const [listed, opened] = await Promise.allSettled([client.pendingResign(), card.openSession(options.pin)]);
  if (listed.status === 'rejected' || opened.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close().catch(() => {});
    throw listed.status === 'rejected' ? listed.reason : (opened as PromiseRejectedResult).reason;
  }
  const session = opened.value;
  const pending = listed.value.steps;
  const report: ResignReport = { total: pending.length, resigned: 0, alreadyResigned: 0, refused: [] };
  if (pending.length === 0) {
    await session.close().catch(() => {});
    return report;
  }

  let done = 0;
  let stop: unknown = null;
  const ready: { stepId: string; signature: string }[] = [];
  // Uploads run one after another, each overlapping the card's work on the steps after it.
  let uploads: Promise<void> = Promise.resolve();
  const flush = () => {
    const items = ready.splice(0);
    if (items.length > 0) uploads = uploads.then(() => uploadChunk(items));
  };
  const uploadChunk = async (items: { stepId: string; signature: string }[]) => {
    const { results } = await client.resign({ note, items });
    for (const r of results) {
      if (r.outcome === 'resigned') report.resigned++;
      else if (r.outcome === 'already-resigned') report.alreadyResigned++;
      else report.refused.push({ stepId: r.stepId, documentNumber: pending.find((p) => p.stepId === r.stepId)?.documentNumber ?? '', code: r.code ?? 'INTERNAL' });
    }
  };
  const signOne = async (step: PendingResignStep) => {
    const cms = await countersign(new Uint8Array(Buffer.from(step.signature, 'base64')), session.signer, { note, signingTime: new Date(signingTimeOf(new Date())) });
    // Cancelled while this one was at the card: the clerk has been told the batch stopped, so it stops here.
    if (options.signal?.aborted) {
      stop ??= new GongwenError('RESIGN_CANCELLED', `${done} of ${pending.length}`);
      return;
    }
    ready.push({ stepId: step.stepId, signature: Buffer.from(cms).toString('base64') });
    done++;
    options.onProgress?.({ done, total: pending.length, current: { documentNumber: step.documentNumber, seq: step.seq } });
    if (ready.length >= chunkSize) flush();
  };
  try {
    // A window of signatures is kept queued to the card thread, so the card never waits for this
    // thread to build the next CMS, nor for the network.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(SIGNING_WINDOW, pending.length) }, async () => {
        while (stop === null && next < pending.length) {
          if (options.signal?.aborted) {
            stop = new GongwenError('RESIGN_CANCELLED', `${done} of ${pending.length}`);
            break;
          }
          const step = pending[next++]!;
          try {
            await signOne(step);
          } catch (error) {
            stop ??= error;
          }
        }
      }),
    );
    flush(); // what was signed is uploaded, also when the batch stops early
    await uploads;
    if (stop !== null) throw stop;
  } finally {
    await uploads.catch(() => {});
    await session.close().catch(() => {});
  }
  return report;
}

export function isResignStop(error: unknown): error is GongwenError {
  return error instanceof GongwenError && (['RESIGN_CANCELLED', 'CARD_REMOVED'] as ErrorCode[]).includes(error.code);
}
