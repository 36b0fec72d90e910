import type { PendingResignStep } from '../../src-shared/api/resign.js';
import { countersignatureAttributes } from '../../src-shared/cms/countersign.js';
import { assembleSignerInfo } from '../../src-shared/cms/signer-info.js';
import { signerCertificates } from '../../src-shared/cms/signer.js';
import { GongwenError } from '../../src-shared/errors.js';
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
 * Bundles of signatures at the card thread at once: while it signs one, this thread puts the last
 * one's countersignatures together and prepares the next, so the card never waits for it.
 */
const MOST_BUNDLES_AT_CARD = 2;
/** Steps kept listed ahead of the card; below this the next page is fetched. */
const LISTED_AHEAD = 32;
/** Pending steps fetched per request; the first page is small, so the card starts sooner. */
const FIRST_PAGE = 32;
const PAGE = 250;
/** Signed chunks that may wait for the service before the card pauses. */
const MOST_CHUNKS_WAITING = 2;

/** A listed step and the signature value the card countersigns, decoded once. */
interface ToCountersign {
  step: PendingResignStep;
  signatureValue: Uint8Array;
}

/**
 * IFT940 補簽: one PIN, then every pending temp-signed step of mine countersigned with the card
 * and uploaded in chunks. What is uploaded stays done; a cancelled batch, or one stopped by a
 * pulled card, stops after uploading what it has, and a re-run fetches and signs only the rest.
 *
 * The work is driven by events, a bundle at a time: when a bundle of signatures comes back from
 * the card, its countersignatures are put together, the next bundle is prepared and handed over,
 * and full chunks go up, all in one pass, with no promise per step (a batch is short, so most of
 * this code runs before the JavaScript engine has optimised it, and every step of it costs).
 */
export async function runResignBatch(options: ResignBatchOptions): Promise<ResignReport> {
  const { client, card, note } = options;
  const chunkSize = options.chunkSize ?? 50;
  // The first page and the login are fetched side by side; the rest of the list comes a page at
  // a time as the card works, so a batch of thousands holds only a page or two in memory.
  const [listed, opened] = await Promise.allSettled([client.pendingResign({ limit: FIRST_PAGE }), card.openSession(options.pin)]);
  if (listed.status === 'rejected' || opened.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close().catch(() => {});
    throw listed.status === 'rejected' ? listed.reason : (opened as PromiseRejectedResult).reason;
  }
  const session = opened.value;
  const total = listed.value.total;
  const report: ResignReport = { total, resigned: 0, alreadyResigned: 0, refused: [] };
  // The card countersigns each step's signature value; the service checks the countersignature
  // against the signature it holds and keeps it beside it, so neither the whole signature nor the
  // card's certificate travels once per step.
  const waiting = (steps: PendingResignStep[]): ToCountersign[] => steps.map((step) => ({ step, signatureValue: new Uint8Array(Buffer.from(step.signatureValue, 'base64')) }));
  const queue = waiting(listed.value.steps);
  const certificates = signerCertificates(session.signer).map((c) => Buffer.from(c).toString('base64'));
  let cursor = listed.value.next;
  let fetching = false;

  let done = 0;
  let stop: unknown = null;
  const cancelled = () => new GongwenError('RESIGN_CANCELLED', `${done} of ${total}`);
  const numbers = new Map<string, string>();
  const ready: { stepId: string; countersignature: string }[] = [];
  // Uploads run one after another, each overlapping the card's work on the steps after it.
  let uploads: Promise<void> = Promise.resolve();
  // At most this many chunks wait for the service: when it is slower than the card, the card
  // waits, so a batch of thousands holds a few chunks, not a growing backlog.
  const waitingChunks: Promise<void>[] = [];
  const flush = () => {
    const items = ready.splice(0);
    if (items.length === 0) return;
    uploads = uploads.then(() => uploadChunk(items));
    const settled = uploads.then(
      () => {},
      (error: unknown) => {
        stop ??= error; // the service is gone or refuses: the card stops too
      },
    );
    waitingChunks.push(settled);
    void settled.then(() => {
      waitingChunks.splice(waitingChunks.indexOf(settled), 1);
      flushTail();
      pump();
    });
  };
  // Once what is left would not fill a chunk, waiting for a full one would leave the batch waiting
  // for the last upload: instead each upload takes what was signed while the one before it was
  // under way, so the last upload holds only the last few signatures and nothing queues behind it.
  const atTail = () => !cursor && !fetching && queue.length + stepsAtCard <= chunkSize;
  let tailFlushing = false;
  const flushTail = () => {
    if (tailFlushing || !atTail() || waitingChunks.length > 0 || stop !== null) return;
    tailFlushing = true;
    // After this turn: a bundle of signatures from the card is answered in one turn, and goes up together.
    setImmediate(() => {
      tailFlushing = false;
      if (waitingChunks.length === 0) flush();
    });
  };
  const uploadChunk = async (items: { stepId: string; countersignature: string }[]) => {
    const { results } = await client.resign({ note, certificates, items });
    for (const r of results) {
      if (r.outcome === 'resigned') report.resigned++;
      else if (r.outcome === 'already-resigned') report.alreadyResigned++;
      else report.refused.push({ stepId: r.stepId, documentNumber: numbers.get(r.stepId) ?? '', code: r.code ?? 'INTERNAL' });
      numbers.delete(r.stepId);
    }
  };

  const fetchMore = () => {
    fetching = true;
    void client
      .pendingResign({ limit: PAGE, after: cursor })
      .then((page) => {
        for (const entry of waiting(page.steps)) queue.push(entry);
        cursor = page.next;
      })
      .catch((error: unknown) => {
        stop ??= error;
      })
      .finally(() => {
        fetching = false;
        pump();
      });
  };

  let bundlesAtCard = 0;
  let stepsAtCard = 0;
  let signed!: () => void;
  const allSigned = new Promise<void>((resolve) => (signed = resolve));
  const answered = (bundle: ToCountersign[], toSign: Uint8Array[], signatures: readonly Uint8Array[]) => {
    // Cancelled while these were at the card: the clerk has been told the batch stopped, so it stops here.
    if (options.signal?.aborted) {
      stop ??= cancelled();
      return;
    }
    for (let i = 0; i < signatures.length; i++) {
      const { step } = bundle[i]!;
      ready.push({ stepId: step.stepId, countersignature: Buffer.from(assembleSignerInfo(session, toSign[i]!, signatures[i]!)).toString('base64') });
      numbers.set(step.stepId, step.documentNumber);
      done++;
      options.onProgress?.({ done, total, current: { documentNumber: step.documentNumber, seq: step.seq } });
      if (ready.length >= chunkSize) flush();
    }
    flushTail();
  };
  const toCard = (bundle: ToCountersign[]) => {
    const signingTime = new Date(signingTimeOf(new Date()));
    const toSign = bundle.map((b) => countersignatureAttributes(b.signatureValue, session.certificate, { note, signingTime }));
    bundlesAtCard++;
    stepsAtCard += bundle.length;
    let back = false;
    const returned = () => {
      if (back) return;
      back = true;
      bundlesAtCard--;
      stepsAtCard -= bundle.length;
    };
    void session
      .signBundle(toSign)
      .then(({ signatures, failure }) => {
        returned(); // first: what is left to sign decides whether the tail is reached
        answered(bundle, toSign, signatures);
        if (failure) stop ??= failure;
      })
      .catch((error: unknown) => {
        stop ??= error;
      })
      .finally(() => {
        returned();
        pump();
      });
  };
  // Hands the card as much as it may hold, fetches the next page when the list runs short, and
  // tells when all is signed (or the batch stopped and nothing is at the card any more).
  const pump = () => {
    try {
      if (stop === null && options.signal?.aborted) stop = cancelled();
      while (stop === null && bundlesAtCard < MOST_BUNDLES_AT_CARD && waitingChunks.length <= MOST_CHUNKS_WAITING && queue.length > 0) {
        toCard(queue.splice(0, session.bundleSize()));
      }
      if (stop === null && queue.length < LISTED_AHEAD && cursor && !fetching) fetchMore();
    } catch (error) {
      stop ??= error; // whatever went wrong here stops the batch; it must not leave it waiting
    }
    if (bundlesAtCard === 0 && !fetching && (stop !== null || (queue.length === 0 && !cursor))) signed();
  };

  try {
    pump();
    await allSigned;
    flush(); // what was signed is uploaded, also when the batch stops early
    await uploads;
    if (stop !== null) throw stop;
  } finally {
    await uploads.catch(() => {});
    await session.close().catch(() => {});
  }
  return report;
}
