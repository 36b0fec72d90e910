import type { PendingResignList, PendingResignStep } from '../../src-shared/common/api/resign.js';
import { Countersigner } from '../../src-shared/node/cms/countersign.js';
import { signerCertificates } from '../../src-shared/node/cms/signer.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { ResignProgress, ResignReport } from '../../src-shared/common/ipc/outputs.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';
import type { BundleSigned } from '../card/card-service.js';
import { BatchStop } from './batch-stop.js';
import type { ResignCard, ResignCardSession, ResignService } from './resign-ports.js';

/** A step the batch countersigns: its signature value, and what the report and the progress name it by. */
export interface ToCountersign {
  stepId: string;
  documentNumber: string;
  seq: number;
  /** The step's signature value: what the card's countersignature covers. */
  signatureValue: Uint8Array;
  /** 代為補簽: the account of the step's signer, signed into its countersignature. */
  onBehalfOf?: string;
}

/** A page of the list to re-sign; `total` counts the whole list. */
export interface ResignPage {
  steps: readonly ToCountersign[];
  total: number;
}

export interface ResignBatchOptions {
  client: ResignService;
  card: ResignCard;
  pin: string;
  /** 補簽註記, signed into every countersignature. */
  note: string;
  /**
   * 代為補簽: the reason (原因), signed into every countersignature with each step's signer
   * (`ToCountersign.onBehalfOf`); the batch uploads to the on-behalf route. The same pipeline.
   */
  reason?: string;
  onProgress?: (progress: ResignProgress) => void;
  /** The clerk's cancel. */
  signal?: AbortSignal;
  /** Steps per upload. */
  chunkSize?: number;
  /**
   * The steps to countersign, a page at a time: in the app, the list the clerk was shown, checked
   * on this PC (`ClerkSession.resign`); `uncheckedServicePages` only where nothing is to be checked.
   */
  pages: AsyncIterable<ResignPage>;
}

/**
 * The bounds between the stages, said once here and once in docs/architecture.md:
 * - the card holds at most MOST_BUNDLES_AT_CARD bundles, the one it signs and the next, ready when
 *   it is done (a HiCOS card, bundles of one, goes on to the next signature without waiting for
 *   this thread); every stop stops the card at once (`stopSigning`, read by the card thread before
 *   each signature), so a cancel stops it within the signature under way and a bundle waiting at
 *   the card is never signed;
 * - at most MOST_CHUNKS_WAITING chunks wait for the service: the signatures at the card, or signed
 *   and not yet answered by the service, never number more than MOST_CHUNKS_WAITING × chunkSize
 *   (the chunk being uploaded and the one filling behind it); the card waits for that room.
 */
export const MOST_BUNDLES_AT_CARD = 2;
export const MOST_CHUNKS_WAITING = 2;

/** Pending steps fetched per request; the first page is small, so the card starts sooner. */
const FIRST_PAGE = 32;
const PAGE = 250;

/**
 * IFT940 補簽: one PIN, then every listed step countersigned with the card and uploaded in chunks,
 * in three stages: the list (`pages`, a page at a time), the card (`signStage`) and the uploader
 * (`uploadStage`), joined by `UploadQueue`. One stop path (`BatchStop`): after the clerk's cancel,
 * a pulled card, a page that fails to load or a failed upload, the card gets nothing more, what it
 * signed is uploaded (after a cancel, only what it signed before it), and the batch ends with the
 * reason. What is uploaded stays done; a re-run signs only the rest.
 */
export async function runResignBatch(options: ResignBatchOptions): Promise<ResignReport> {
  const { client, note, reason } = options;
  const stop = new BatchStop(options.signal);
  const pages = options.pages[Symbol.asyncIterator]();
  // The first page and the login side by side: the card starts as soon as both are there.
  const [first, opened] = await Promise.allSettled([pages.next(), options.card.openSession(options.pin)]);
  if (first.status === 'rejected' || opened.status === 'rejected') {
    stop.dispose();
    if (opened.status === 'fulfilled') await opened.value.close().catch(() => {});
    if (first.status === 'fulfilled') await pages.return?.().catch(() => {});
    throw first.status === 'rejected' ? first.reason : (opened as PromiseRejectedResult).reason;
  }
  const session = opened.value;
  // Whatever stops the batch stops the card at once, bundles waiting at its thread included.
  const stopCard = () => session.stopSigning();
  if (stop.stopped) stopCard();
  else stop.signal.addEventListener('abort', stopCard, { once: true });
  const report: ResignReport = { total: first.value.done ? 0 : first.value.value.total, resigned: 0, alreadyResigned: 0, refused: [] };
  let done = 0;
  const queue = new UploadQueue(options.chunkSize ?? 50, stop);
  try {
    const countersigner = countersignerFor(session, note, reason);
    // The card's certificates go once a chunk; each step carries only its countersignature.
    const certificates = signerCertificates(session.signer).map(base64);
    const uploading = uploadStage(queue, stop, async (items) => {
      const body = { note, certificates, items: items.map(({ stepId, countersignature }) => ({ stepId, countersignature })) };
      const { results } = reason === undefined ? await client.resign(body) : await onBehalfUpload(client)({ ...body, reason });
      tally(report, results, items);
    });
    const onSigned = (step: ToCountersign) => {
      done++;
      options.onProgress?.({ done, total: report.total, current: { documentNumber: step.documentNumber, seq: step.seq } });
    };
    try {
      await signStage(withFirstPage(first.value, pages), session, countersigner, queue, stop, onSigned);
    } catch (error) {
      stop.stop(error); // a page that failed to load, a card that cannot be handed a bundle
    } finally {
      queue.close();
    }
    await uploading;
  } catch (error) {
    stop.stop(error);
  } finally {
    stop.dispose();
    await session.close().catch(() => {});
  }
  if (stop.cancelled) throw new GongwenError('RESIGN_CANCELLED', `${done} of ${report.total}`);
  if (stop.stopped) throw stop.reason;
  return report;
}

/**
 * The service's pending list as it comes, a page at a time, the next page fetched while the card
 * signs this one. Unchecked: a lying service could list what it likes (docs/security.md), so the
 * app never signs this; tests and the benchmarks of the batch alone do.
 */
export async function* uncheckedServicePages(service: ResignService): AsyncGenerator<ResignPage> {
  let next: Promise<PendingResignList> | null = service.pendingResign({ limit: FIRST_PAGE });
  while (next) {
    const page: PendingResignList = await next;
    next = page.next ? service.pendingResign({ limit: PAGE, after: page.next }) : null;
    next?.catch(() => {}); // one page ahead; if the batch stops before it is read, its failure is nobody's
    yield { total: page.total, steps: page.steps.map(toCountersign) };
  }
}

export function toCountersign(step: Pick<PendingResignStep, 'stepId' | 'documentNumber' | 'seq' | 'signatureValue'>): ToCountersign {
  return {
    stepId: step.stepId,
    documentNumber: step.documentNumber,
    seq: step.seq,
    signatureValue: new Uint8Array(Buffer.from(step.signatureValue, 'base64')),
  };
}

/** A countersignature made, waiting for the upload. */
interface Countersigned {
  stepId: string;
  documentNumber: string;
  /** base64 DER of the SignerInfo */
  countersignature: string;
}

/**
 * The queue between the card and the uploader. Its room is counted from the card's side: a bundle
 * is reserved before it goes to the card, and given back when the service has answered for it (or
 * it was not signed), so at most MOST_CHUNKS_WAITING chunks' worth is ever signed ahead.
 */
class UploadQueue {
  private readonly ready: Countersigned[] = [];
  /** Signatures at the card, or signed and not yet answered by the service. */
  private outstanding = 0;
  private closed = false;

  constructor(
    readonly chunkSize: number,
    private readonly stop: BatchStop,
  ) {}

  hasRoomFor(signatures: number): boolean {
    return this.outstanding + signatures <= MOST_CHUNKS_WAITING * this.chunkSize;
  }

  reserve(signatures: number): void {
    this.outstanding += signatures;
  }

  /** Signed: ready for the uploader. */
  put(items: readonly Countersigned[]): void {
    this.ready.push(...items);
    this.stop.notify();
  }

  /** Answered by the service, or never signed: their room is free again. */
  release(signatures: number): void {
    this.outstanding -= signatures;
    this.stop.notify();
  }

  /** Nothing more will be put. */
  close(): void {
    this.closed = true;
    this.stop.notify();
  }

  /**
   * What is signed, up to a chunk, as soon as there is any; null once closed and empty. The
   * uploader asks when it is free, so behind a HiCOS card (a signature in a good part of a second)
   * each countersignature goes up as it is made: the clerk's count is the service's, and nothing
   * signed waits for the end. Behind a fast card, signatures pile up while an upload is on its
   * way, and the next chunk is full.
   */
  async nextChunk(): Promise<Countersigned[] | null> {
    while (this.ready.length === 0 && !this.closed) await this.stop.changed();
    return this.ready.length > 0 ? this.ready.splice(0, this.chunkSize) : null;
  }
}

/** The service's on-behalf upload, which a 代為補簽 batch cannot do without. */
function onBehalfUpload(client: ResignService): NonNullable<ResignService['resignOnBehalf']> {
  if (!client.resignOnBehalf) throw new TypeError('this service client cannot re-sign on behalf');
  return client.resignOnBehalf.bind(client);
}

/** The card's certificate read once for the batch; a card whose certificate cannot be read cannot countersign. */
function countersignerFor(session: ResignCardSession, note: string, reason: string | undefined): Countersigner {
  try {
    return new Countersigner(session.signer, note, reason);
  } catch {
    throw new GongwenError('CARD_NO_SIGNING_KEY', 'the card certificate cannot be read');
  }
}

/**
 * The card stage: takes the list a page at a time and hands the card a bundle (`bundleSize`, at
 * most a chunk) whenever the card and the upload queue have room for it. Returns once the list is
 * done or the batch stopped, and every bundle handed over has been answered.
 */
async function signStage(
  pages: AsyncIterator<ResignPage>,
  session: ResignCardSession,
  countersigner: Countersigner,
  queue: UploadQueue,
  stop: BatchStop,
  onSigned: (step: ToCountersign) => void,
): Promise<void> {
  const atCard = new Set<Promise<void>>();
  try {
    for (;;) {
      const page = await stop.unlessStopped(pages.next());
      if (!page || page.done) return;
      const steps = page.value.steps;
      for (let at = 0; at < steps.length;) {
        let size = Math.min(session.bundleSize(), queue.chunkSize, steps.length - at);
        while (!stop.stopped && !(atCard.size < MOST_BUNDLES_AT_CARD && queue.hasRoomFor(size))) {
          await stop.changed();
          size = Math.min(session.bundleSize(), queue.chunkSize, steps.length - at);
        }
        if (stop.stopped) return;
        const bundle = steps.slice(at, at + size);
        at += size;
        queue.reserve(bundle.length);
        const answered = signBundle(bundle, session, countersigner, queue, stop, onSigned).finally(() => {
          atCard.delete(answered);
          stop.notify();
        });
        atCard.add(answered);
      }
    }
  } finally {
    if (stop.stopped) void pages.return?.().catch(() => {});
    await Promise.all(atCard);
  }
}

/** One bundle at the card; its countersignatures go to the upload queue. Never rejects: a failure stops the batch. */
async function signBundle(
  bundle: readonly ToCountersign[],
  session: ResignCardSession,
  countersigner: Countersigner,
  queue: UploadQueue,
  stop: BatchStop,
  onSigned: (step: ToCountersign) => void,
): Promise<void> {
  const made: Countersigned[] = [];
  try {
    const signingTime = new Date(signingTimeOf(new Date()));
    const toSign = bundle.map((step) => countersigner.signedAttributes(step.signatureValue, signingTime, step.onBehalfOf));
    const answer: BundleSigned = await session.signBundle(toSign);
    for (let i = 0; i < answer.signatures.length; i++) {
      // Signatures that come back after the clerk cancelled are not used: the clerk was told the batch stopped.
      if (stop.cancelled) break;
      const step = bundle[i]!;
      made.push({
        stepId: step.stepId,
        documentNumber: step.documentNumber,
        countersignature: base64(countersigner.countersignature(toSign[i]!, answer.signatures[i]!)),
      });
      onSigned(step);
    }
    if (answer.failure) stop.stop(answer.failure); // a pulled card: what it signed before is kept
  } catch (error) {
    stop.stop(error);
  } finally {
    queue.put(made);
    queue.release(bundle.length - made.length);
  }
}

/**
 * The upload stage: a chunk at a time, one after another, until the queue is closed and empty.
 * After a failed upload nothing more is sent (the service is gone or refuses), but the queue is
 * still emptied, so the card stage never waits for room that will not come.
 */
async function uploadStage(queue: UploadQueue, stop: BatchStop, upload: (items: Countersigned[]) => Promise<void>): Promise<void> {
  let failed = false;
  for (let chunk = await queue.nextChunk(); chunk; chunk = await queue.nextChunk()) {
    try {
      if (!failed) await upload(chunk);
    } catch (error) {
      failed = true;
      stop.stop(error);
    } finally {
      queue.release(chunk.length);
    }
  }
}

function tally(
  report: ResignReport,
  results: readonly { stepId: string; outcome: string; code?: string | undefined }[],
  items: readonly Countersigned[],
): void {
  const numbers = new Map(items.map((item) => [item.stepId, item.documentNumber]));
  for (const r of results) {
    if (r.outcome === 'resigned') report.resigned++;
    else if (r.outcome === 'already-resigned') report.alreadyResigned++;
    else report.refused.push({ stepId: r.stepId, documentNumber: numbers.get(r.stepId) ?? '', code: r.code ?? 'INTERNAL' });
  }
}

/** The first page, already fetched beside the login, then the rest. */
async function* withFirstPage(first: IteratorResult<ResignPage>, rest: AsyncIterator<ResignPage>): AsyncGenerator<ResignPage> {
  if (first.done) return;
  yield first.value;
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    void rest.return?.().catch(() => {});
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
