import { describe, expect, it } from 'vitest';
import type { PendingResignList, PendingResignStep, ResignRequest, ResignResponse } from '../../src-shared/common/api/resign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { CardError, type BundleSigned } from '../../src-main/card/card-service.js';
import { MOST_CHUNKS_WAITING, runResignBatch, toCountersign, uncheckedServicePages, type ResignPage } from '../../src-main/signing/resign-batch.js';
import type { ResignCard, ResignCardSession, ResignService } from '../../src-main/signing/resign-ports.js';
import { cardSigner } from '../helpers/demo-pki.js';

// The batch's own logic, with a card and a service that are fakes: what the virtual card and the
// real service cannot show (a card as slow as a HiCOS one, a card pulled between two given
// signatures, a page that fails to load). The real card and service run it in test/signing.

function pendingSteps(n: number): PendingResignStep[] {
  return Array.from({ length: n }, (_, i) => ({
    stepId: `step-${i}`,
    documentId: `doc-${i}`,
    documentNumber: `11500000${i}`,
    subject: '出差期間公文',
    seq: 1,
    action: '送請簽核',
    sentAt: '2026-11-27T01:00:00.000Z',
    signatureValue: Buffer.alloc(256, i).toString('base64'),
    signerInfo: '',
    signature: '',
    payload: '',
  }));
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** A service holding `steps` that re-signs whatever is uploaded (or what `outcome` says), a page at a time. */
function fakeService(
  steps: PendingResignStep[],
  options: { outcome?: (stepId: string) => ResignResponse['results'][number]; failPageAfter?: string; failUpload?: number } = {},
) {
  const uploaded: string[][] = [];
  let answered = 0;
  const service: ResignService & { answered(): number } = {
    answered: () => answered,
    pendingResign: async ({ limit = 1000, after } = {}): Promise<PendingResignList> => {
      await tick();
      if (after !== undefined && after === options.failPageAfter) throw new GongwenError('SERVICE_UNREACHABLE');
      const from = after ? Number(after) : 0;
      const page = steps.slice(from, from + limit);
      return { steps: page, total: steps.length, ...(from + limit < steps.length ? { next: String(from + limit) } : {}) };
    },
    resign: async (request: ResignRequest): Promise<ResignResponse> => {
      await tick();
      if (options.failUpload !== undefined && uploaded.length === options.failUpload) throw new GongwenError('SERVICE_UNREACHABLE');
      uploaded.push(request.items.map((i) => i.stepId));
      answered += request.items.length;
      return { results: request.items.map((i) => options.outcome?.(i.stepId) ?? { stepId: i.stepId, outcome: 'resigned' as const }) };
    },
  };
  return { service, uploaded };
}

interface CardLog {
  /** Signatures handed to the card and not yet answered, at most. */
  mostAtCard: number;
  /** Bundles handed to the card and not yet answered, at most. */
  mostBundlesAtCard: number;
  /** Signatures made. */
  signed: number;
  /** Bundles handed to the card. */
  bundles: number;
  /** Bundles handed over after `mark()` was called. */
  bundlesAfterMark: number;
  /** Signatures that ended after `stopSigning()` was called: at most the one under way. */
  signedAfterStop: number;
  /** Signatures of bundles handed over that the stop left unsigned. */
  droppedByStop: number;
  closed: boolean;
  mark(): void;
}

/**
 * A card that signs `bundleSize` a bundle, a few milliseconds a bundle, and records how much it
 * was given at once. `removedAfter`: the card is pulled after that many signatures. Like the card
 * thread, it reads its stop flag (`stopSigning`) before each signature.
 */
function fakeCard(
  signer: CmsSigner,
  options: { certificate?: Uint8Array; bundleSize?: () => number; removedAfter?: number; onSigned?: (signed: number) => void; delayMs?: number } = {},
) {
  const log: CardLog = {
    mostAtCard: 0,
    mostBundlesAtCard: 0,
    signed: 0,
    bundles: 0,
    bundlesAfterMark: 0,
    signedAfterStop: 0,
    droppedByStop: 0,
    closed: false,
    mark: () => (marked = true),
  };
  let marked = false;
  let stopped = false;
  let atCard = 0;
  let bundlesAtCard = 0;
  let cardThread: Promise<unknown> = Promise.resolve();
  const certificate = options.certificate ?? signer.certificate;
  const session: ResignCardSession = {
    signer: { ...signer, certificate },
    bundleSize: options.bundleSize ?? (() => 1),
    signBundle: (data): Promise<BundleSigned> => {
      log.bundles++;
      if (marked) log.bundlesAfterMark++;
      atCard += data.length;
      bundlesAtCard++;
      log.mostAtCard = Math.max(log.mostAtCard, atCard);
      log.mostBundlesAtCard = Math.max(log.mostBundlesAtCard, bundlesAtCard);
      // One bundle after the other, as the card thread works.
      const answer = cardThread.then(async (): Promise<BundleSigned> => {
        const signatures: Uint8Array[] = [];
        let failure: CardError | undefined;
        let dropped = false;
        for (const d of data) {
          // As the card thread does: the stop flag is read before each signature, which then runs to its end.
          if (stopped) {
            log.droppedByStop += data.length - signatures.length;
            dropped = true;
            break;
          }
          await (options.delayMs ? new Promise((resolve) => setTimeout(resolve, options.delayMs)) : tick());
          if (stopped) log.signedAfterStop++;
          if (options.removedAfter !== undefined && log.signed >= options.removedAfter) {
            failure = new CardError({ code: 'CARD_REMOVED' });
            break;
          }
          signatures.push(await signer.sign(d));
          log.signed++;
          options.onSigned?.(log.signed);
        }
        atCard -= data.length;
        bundlesAtCard--;
        return failure ? { signatures, failure } : dropped ? { signatures, stopped: true } : { signatures };
      });
      cardThread = answer;
      return answer;
    },
    stopSigning: () => {
      stopped = true;
    },
    close: async () => {
      log.closed = true;
    },
  };
  const card: ResignCard = { openSession: async () => session };
  return { card, log };
}

const all = (uploaded: string[][]) => uploaded.flat();

describe('the 補簽 batch', () => {
  it('gives a card that signs one at a time its next signature while it signs, no more, and uploads every step once', async () => {
    const steps = pendingSteps(40);
    const { service, uploaded } = fakeService(steps);
    const { card, log } = fakeCard(await cardSigner('vendor'));
    const report = await runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 10 });
    expect(report).toEqual({ total: 40, resigned: 40, alreadyResigned: 0, refused: [] });
    expect(all(uploaded).sort()).toEqual(steps.map((s) => s.stepId).sort());
    expect(log.mostAtCard).toBe(2);
    expect(log.mostBundlesAtCard).toBe(2);
    expect(log.closed).toBe(true);
  });

  it('gives a fast card two bundles at once, no more', async () => {
    const steps = pendingSteps(60);
    const { service, uploaded } = fakeService(steps);
    const { card, log } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 4 });
    await runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 50 });
    expect(all(uploaded)).toHaveLength(60);
    expect(log.mostBundlesAtCard).toBe(2);
  });

  it('signs no more than two chunks ahead of what the service has answered', async () => {
    const steps = pendingSteps(100);
    const { service, uploaded } = fakeService(steps);
    let mostAhead = 0;
    const { card } = fakeCard(await cardSigner('vendor'), {
      bundleSize: () => 3,
      onSigned: (signed) => (mostAhead = Math.max(mostAhead, signed - service.answered())),
    });
    // The service answers slower than the card signs, so the card catches up with the bound.
    const slow: ResignService = {
      pendingResign: service.pendingResign,
      resign: async (r) => (await new Promise((resolve) => setTimeout(resolve, 30)), service.resign(r)),
    };
    await runResignBatch({ client: slow, pages: uncheckedServicePages(slow), card, pin: '000000', note: '補簽', chunkSize: 10 });
    expect(all(uploaded)).toHaveLength(100);
    expect(mostAhead).toBeLessThanOrEqual(MOST_CHUNKS_WAITING * 10);
    expect(mostAhead).toBeGreaterThan(10);
  });

  it('fills chunks while an upload is on its way, and uploads the last, partial one', async () => {
    const { service, uploaded } = fakeService(pendingSteps(23));
    const slow: ResignService = {
      pendingResign: service.pendingResign,
      resign: async (r) => (await new Promise((resolve) => setTimeout(resolve, 30)), service.resign(r)),
    };
    const { card } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 4 });
    await runResignBatch({ client: slow, pages: uncheckedServicePages(slow), card, pin: '000000', note: '補簽', chunkSize: 10 });
    const sizes = uploaded.map((chunk) => chunk.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(23);
    expect(Math.max(...sizes)).toBe(10);
    expect(sizes.at(-1)).toBeLessThan(10);
  });

  it('uploads each signature of a slow card as it is made, not at the end', async () => {
    const steps = pendingSteps(5);
    const { service, uploaded } = fakeService(steps);
    const signedWhenUploaded: number[] = [];
    let signed = 0;
    const { card } = fakeCard(await cardSigner('vendor'), { delayMs: 20, onSigned: (n) => (signed = n) });
    const watching: ResignService = {
      pendingResign: service.pendingResign,
      resign: async (r) => (signedWhenUploaded.push(signed), service.resign(r)),
    };
    await runResignBatch({ client: watching, pages: uncheckedServicePages(watching), card, pin: '000000', note: '補簽', chunkSize: 50 });
    expect(uploaded.map((chunk) => chunk.length)).toEqual([1, 1, 1, 1, 1]);
    expect(signedWhenUploaded).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports refused steps with their document numbers', async () => {
    const steps = pendingSteps(5);
    const { service } = fakeService(steps, {
      outcome: (stepId) =>
        stepId === 'step-3'
          ? { stepId, outcome: 'refused', code: 'COUNTERSIGNATURE_INVALID' }
          : stepId === 'step-1'
            ? { stepId, outcome: 'already-resigned' }
            : { stepId, outcome: 'resigned' },
    });
    const { card } = fakeCard(await cardSigner('vendor'));
    const report = await runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 2 });
    expect(report).toEqual({
      total: 5,
      resigned: 3,
      alreadyResigned: 1,
      refused: [{ stepId: 'step-3', documentNumber: steps[3]!.documentNumber, code: 'COUNTERSIGNATURE_INVALID' }],
    });
  });

  it('reads a list of many pages without piling up listeners on its stop signal', async () => {
    const steps = pendingSteps(30);
    const { service, uploaded } = fakeService(steps);
    const { card } = fakeCard(await cardSigner('vendor'));
    async function* onePerPage(): AsyncGenerator<ResignPage> {
      for (const step of steps) yield { total: steps.length, steps: [toCountersign(step)] };
    }
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      await runResignBatch({ client: service, card, pin: '000000', note: '補簽', pages: onePerPage(), signal: new AbortController().signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(all(uploaded)).toHaveLength(30);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  describe('stops on one path, uploads what was signed and never hangs', () => {
    it('cancelled while the card signs: the card is given nothing more and stops within the signature under way', async () => {
      const { service, uploaded } = fakeService(pendingSteps(20));
      const cancel = new AbortController();
      const { card, log } = fakeCard(await cardSigner('vendor'));
      const batch = runResignBatch({
        client: service,
        pages: uncheckedServicePages(service),
        card,
        pin: '000000',
        note: '補簽',
        chunkSize: 3,
        signal: cancel.signal,
        onProgress: (p) => p.done === 5 && (cancel.abort(), log.mark()),
      });
      await expect(batch).rejects.toMatchObject({ code: 'RESIGN_CANCELLED' });
      expect(log.bundlesAfterMark).toBe(0);
      expect(log.signedAfterStop).toBeLessThanOrEqual(1);
      expect(log.signed + log.droppedByStop).toBe(log.bundles); // each bundle handed over: signed, or dropped unsigned
      expect(all(uploaded)).toEqual(['step-0', 'step-1', 'step-2', 'step-3', 'step-4']);
      expect(log.closed).toBe(true);
    });

    it('cancelled while the next bundle waits at the card: that bundle is never signed', async () => {
      const { service, uploaded } = fakeService(pendingSteps(10));
      const cancel = new AbortController();
      // A HiCOS-like card: one at a time, slow; the batch hands it the next while it signs.
      const { card, log } = fakeCard(await cardSigner('vendor'), { delayMs: 20 });
      const batch = runResignBatch({
        client: service,
        pages: uncheckedServicePages(service),
        card,
        pin: '000000',
        note: '補簽',
        chunkSize: 50,
        signal: cancel.signal,
        onProgress: (p) => p.done === 1 && cancel.abort(),
      });
      await expect(batch).rejects.toMatchObject({ code: 'RESIGN_CANCELLED' });
      expect(log.mostBundlesAtCard).toBe(2);
      expect(log.bundles).toBe(2);
      expect(log.droppedByStop).toBe(1);
      expect(log.signed).toBe(1);
      expect(all(uploaded)).toEqual(['step-0']);
    });

    it('a failed upload stops the card at once too: a bundle waiting there is not signed', async () => {
      const { service } = fakeService(pendingSteps(10), { failUpload: 0 });
      const { card, log } = fakeCard(await cardSigner('vendor'), { delayMs: 20 });
      await expect(
        runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 50 }),
      ).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
      expect(log.signedAfterStop).toBeLessThanOrEqual(1);
      expect(log.signed + log.droppedByStop).toBe(log.bundles);
      expect(log.droppedByStop).toBeGreaterThan(0);
    });

    it('cancelled while a page loads: the batch ends without it, and what was signed is uploaded', async () => {
      const steps = pendingSteps(40);
      const cancel = new AbortController();
      const { service, uploaded } = fakeService(steps);
      const { card, log } = fakeCard(await cardSigner('vendor'));
      // The second page never arrives.
      async function* pages(): AsyncGenerator<ResignPage> {
        yield { total: 40, steps: steps.slice(0, 4).map(toCountersign) };
        while (log.signed < 4) await tick();
        cancel.abort();
        await new Promise(() => {});
      }
      await expect(
        runResignBatch({ client: service, card, pin: '000000', note: '補簽', chunkSize: 10, signal: cancel.signal, pages: pages() }),
      ).rejects.toMatchObject({ code: 'RESIGN_CANCELLED' });
      expect(all(uploaded)).toEqual(['step-0', 'step-1', 'step-2', 'step-3']);
      expect(log.closed).toBe(true);
    });

    it('cancelled while a chunk is uploading: the upload finishes and is counted', async () => {
      const { service, uploaded } = fakeService(pendingSteps(30));
      const cancel = new AbortController();
      const { card, log } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 10 });
      const uploading: ResignService = {
        pendingResign: service.pendingResign,
        resign: async (r) => {
          cancel.abort();
          log.mark();
          return service.resign(r);
        },
      };
      await expect(
        runResignBatch({ client: uploading, pages: uncheckedServicePages(uploading), card, pin: '000000', note: '補簽', chunkSize: 10, signal: cancel.signal }),
      ).rejects.toMatchObject({ code: 'RESIGN_CANCELLED' });
      expect(uploaded[0]).toHaveLength(10);
      expect(log.bundlesAfterMark).toBe(0);
      expect(log.closed).toBe(true);
    });

    it('a card pulled in the middle of a bundle: what it signed before is uploaded, CARD_REMOVED', async () => {
      const { service, uploaded } = fakeService(pendingSteps(20));
      const { card, log } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 4, removedAfter: 6 });
      await expect(
        runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 5 }),
      ).rejects.toMatchObject({ code: 'CARD_REMOVED' });
      expect(all(uploaded)).toEqual(['step-0', 'step-1', 'step-2', 'step-3', 'step-4', 'step-5']);
      expect(log.closed).toBe(true);
    });

    it('a page that fails to load: the pages before it are signed and uploaded, SERVICE_UNREACHABLE', async () => {
      const { service, uploaded } = fakeService(pendingSteps(300), { failPageAfter: '32' });
      const { card, log } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 8 });
      await expect(
        runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 50 }),
      ).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
      expect(all(uploaded)).toEqual(pendingSteps(32).map((s) => s.stepId));
      expect(log.closed).toBe(true);
    });

    it('a failed upload: the card stops, nothing more is sent, SERVICE_UNREACHABLE', async () => {
      const { service, uploaded } = fakeService(pendingSteps(60), { failUpload: 1 });
      const { card, log } = fakeCard(await cardSigner('vendor'), { bundleSize: () => 5 });
      await expect(
        runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽', chunkSize: 10 }),
      ).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
      expect(uploaded).toHaveLength(1);
      // Two chunks at most were signed ahead of the service's answers, then the card stopped.
      expect(log.signed).toBeLessThanOrEqual(10 + MOST_CHUNKS_WAITING * 10);
      expect(log.closed).toBe(true);
    });

    it('a card certificate the CMS code cannot read: CARD_NO_SIGNING_KEY, nothing signed', async () => {
      const { service, uploaded } = fakeService(pendingSteps(5));
      const { card, log } = fakeCard(await cardSigner('vendor'), { certificate: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) });
      await expect(runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽' })).rejects.toMatchObject({
        code: 'CARD_NO_SIGNING_KEY',
      });
      expect(uploaded).toEqual([]);
      expect(log.signed).toBe(0);
      expect(log.closed).toBe(true);
    });

    it('a card session that fails when handed its next bundle: what was signed is uploaded', async () => {
      const { service, uploaded } = fakeService(pendingSteps(5));
      const gone = new CardError({ code: 'CARD_FAILED', detail: 'the card session is gone' });
      const { card, log } = fakeCard(await cardSigner('vendor'), {
        bundleSize: () => {
          if (log.bundles >= 2) throw gone;
          return 1;
        },
      });
      await expect(runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽' })).rejects.toBe(gone);
      expect(all(uploaded)).toEqual(['step-0', 'step-1']);
      expect(log.closed).toBe(true);
    });

    it('a wrong PIN: nothing is signed or uploaded, CARD_PIN_INCORRECT', async () => {
      const { service, uploaded } = fakeService(pendingSteps(5));
      const card: ResignCard = { openSession: async () => Promise.reject(new CardError({ code: 'CARD_PIN_INCORRECT' })) };
      await expect(runResignBatch({ client: service, pages: uncheckedServicePages(service), card, pin: '000000', note: '補簽' })).rejects.toMatchObject({
        code: 'CARD_PIN_INCORRECT',
      });
      expect(uploaded).toEqual([]);
    });
  });
});
