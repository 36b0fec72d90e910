import { Worker } from 'node:worker_threads';
import { moduleEntryFor } from '../../native/pkcs11-modules.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import type { CardDiagnostics, CardFailure, CardStatus, PinState } from '../../src-shared/common/card-status.js';
import type { CardEvent, CardReply, CardRequest, LoginResult, SignResult } from './card-protocol.js';
import { findModule, type ModuleSearch } from './module-search.js';
import { SharedModule } from './shared-module.js';

/** A card failure, with the token's PIN flags when a PIN was involved. */
export class CardError extends GongwenError {
  readonly pin: PinState | undefined;
  readonly ckr: string | undefined;
  constructor(failure: CardFailure) {
    super(failure.code, failure.ckr ?? failure.detail);
    this.name = 'CardError';
    this.pin = failure.pin;
    this.ckr = failure.ckr;
  }
}

export interface CardOptions {
  /** From Settings; otherwise the first module of the table found on this machine. */
  modulePath?: string;
  pollMs?: number;
  /** The card the clerk chose before (token serial, from Settings); absent: the only card present is used. */
  chosenSerial?: string | null;
  /** Tests only: a module path whose `wrap(api)` injects faults the virtual card cannot produce. */
  apiWrapper?: string;
}

/** One login for a batch of signatures; the PIN is not kept. */
export interface CardSession {
  certificate: Uint8Array;
  keyAlgorithm: 'RSA' | 'EC';
  /**
   * The PKCS#11 mechanism the card signs with (CKM_RSA_PKCS over a DigestInfo where the token
   * cannot hash). CardService always sets it; optional so the batch tests' fake sessions need not.
   */
  mechanism?: string;
  signer: CmsSigner;
  /**
   * Signs several at once, in order, in one request to the card thread: the signatures made until
   * the first failure, and that failure. Size bundles by `bundleSize`.
   */
  signBundle(data: readonly Uint8Array[]): Promise<BundleSigned>;
  /**
   * Stops this session's signing at once: the card thread finishes the signature under way and
   * signs nothing more, bundles already handed to it included (answered with `stopped`).
   */
  stopSigning(): void;
  /** How many signatures a bundle should hold for this card: as many as it makes in a few milliseconds, at least one. */
  bundleSize(): number;
  close(): Promise<void>;
}

export interface BundleSigned {
  signatures: Uint8Array[];
  failure?: CardError;
  /** `stopSigning` came before the rest of the bundle: they were never signed. */
  stopped?: true;
}

/**
 * Starts the worker from the built `.js`, or, when running from TypeScript sources (tests,
 * development), through tsx's loader registered inside the worker.
 */
function startWorker(base: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`${base.href}.js`), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const source = `${base.href}.ts`;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, {
    eval: true,
    workerData,
  });
}

export function defaultModulePath(platform: NodeJS.Platform = process.platform): string | undefined {
  return findModule(undefined, platform).path || undefined;
}

/**
 * A bundle (`bundleSize`, which a 補簽 batch sizes its bundles by) holds what the card signs in
 * about this long: a fast card (half a millisecond a signature) gets up to 16 at once, a slow one
 * (a HiCOS card takes a good part of a second) one at a time, so each signature is reported, and
 * shown in the progress, as soon as it is made.
 */
const BUNDLE_MILLISECONDS = 8;
const MOST_SIGNATURES_PER_BUNDLE = 16;

/** A module is loaded once per process: its card threads share one SharedModule (by module path). */
const sharedModules = new Map<string, SharedArrayBuffer>();
function sharedModuleFor(modulePath: string): SharedArrayBuffer {
  let buffer = sharedModules.get(modulePath);
  if (!buffer) sharedModules.set(modulePath, (buffer = new SharedModule().buffer));
  return buffer;
}

/** How long closing waits for the card thread to log out and let the module go. */
const RELEASE_WAIT_MS = 2000;

/**
 * The smart card, for the main process: every PKCS#11 call runs in a worker thread. Status
 * changes (inserted, removed, PIN flags) arrive through `onStatus`.
 */
export class CardService {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly listeners = new Set<(status: CardStatus) => void>();
  /** Until the card logged in has shown its speed, one signature a bundle. */
  private signaturesPerBundle = 1;
  private latest: CardStatus | undefined;
  /** The card session open (or being opened) now; see openSession. */
  private openSessionId: number | null = null;
  private nextSessionId = 1;
  /** The card thread has ended (closed, or crashed): nothing more is asked of it. */
  private exited = false;
  readonly modulePath: string;
  private readonly moduleSearch: ModuleSearch;

  constructor(options: CardOptions = {}) {
    this.moduleSearch = findModule(options.modulePath);
    this.modulePath = this.moduleSearch.path;
    const workerData = {
      modulePath: this.modulePath,
      chosenSerial: options.chosenSerial ?? null,
      rescanByReinitialize: moduleEntryFor(this.modulePath)?.rescanByReinitialize ?? false,
      pollMs: options.pollMs ?? 1000,
      apiWrapper: options.apiWrapper,
      sharedModule: sharedModuleFor(this.modulePath),
    };
    this.worker = startWorker(new URL('./card-worker', import.meta.url), workerData);
    const thread = this.worker.threadId;
    this.worker.on('message', (message: CardReply | CardEvent) => {
      if ('event' in message) {
        this.latest = message.status;
        for (const listener of this.listeners) listener(message.status);
        return;
      }
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      if (!waiting) return;
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new CardError(message.failure));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => {
      this.exited = true;
      // Ended, perhaps in the middle of a call: its hold on the module goes with it.
      SharedModule.forget(workerData.sharedModule, thread);
      this.failAll(new CardError({ code: 'CARD_FAILED', detail: 'the card thread stopped' }));
    });
    this.worker.unref();
  }

  private failAll(error: unknown) {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private request<T>(request: CardRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // An idle card thread must not keep the process alive; one with work outstanding must.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  status(): Promise<CardStatus> {
    return this.request<CardStatus>({ op: 'status' });
  }

  /** The last status the card thread reported, without asking it. */
  lastStatus(): CardStatus | undefined {
    return this.latest;
  }

  onStatus(listener: (status: CardStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The module's slots and cards, which certificate signs and why, and where the module was looked for. */
  async diagnostics(): Promise<CardDiagnostics> {
    const found = await this.request<CardDiagnostics>({ op: 'diagnostics' });
    return { ...found, moduleSearch: { source: this.moduleSearch.source, tried: this.moduleSearch.tried } };
  }

  /**
   * The card to use from now on, by token serial (null: none chosen, the only card present is
   * used). A session open on another card keeps its card until it closes. Answers the new status.
   */
  choose(serial: string | null): Promise<CardStatus> {
    return this.request<CardStatus>({ op: 'choose', serial });
  }

  /**
   * Logs in once; sign as often as the batch needs, then close. One session at a time: while one
   * is open (or opening) another is refused with CARD_BUSY, and never logs the first one out. A
   * session's `close` ends that session only, once; after it, its signer signs nothing.
   */
  async openSession(pin: string): Promise<CardSession> {
    const pinBytes = new TextEncoder().encode(pin);
    if (this.openSessionId !== null) {
      pinBytes.fill(0);
      throw new CardError({ code: 'CARD_BUSY' });
    }
    const id = this.nextSessionId++;
    this.openSessionId = id;
    const stop = new Int32Array(new SharedArrayBuffer(4));
    let login: LoginResult;
    try {
      login = await this.request<LoginResult>({ op: 'login', session: id, pin: pinBytes, stop: stop.buffer as SharedArrayBuffer }, [
        pinBytes.buffer as ArrayBuffer,
      ]);
    } catch (error) {
      if (this.openSessionId === id) this.openSessionId = null;
      throw error;
    }
    this.signaturesPerBundle = 1; // perhaps another card than last time: it shows its own speed
    const certificate = new Uint8Array(login.certificate);
    let closing: Promise<void> | null = null;
    const open = () => {
      if (closing || this.openSessionId !== id) throw new CardError({ code: 'CARD_FAILED', detail: 'this card session is closed' });
    };
    return {
      certificate,
      keyAlgorithm: login.keyAlgorithm,
      mechanism: login.mechanism,
      signer: { certificate, keyAlgorithm: login.keyAlgorithm, sign: async (data) => (open(), this.sign(id, data)) },
      signBundle: async (data) => (open(), this.signNow(id, data)),
      stopSigning: () => Atomics.store(stop, 0, 1),
      bundleSize: () => this.signaturesPerBundle,
      close: () =>
        (closing ??= this.request<null>({ op: 'logout', session: id }).then(
          () => {
            if (this.openSessionId === id) this.openSessionId = null;
          },
          (error: unknown) => {
            if (this.openSessionId === id) this.openSessionId = null;
            throw error;
          },
        )),
    };
  }

  /** One signature (a step sent with the card): a bundle of one. */
  private async sign(session: number, data: Uint8Array): Promise<Uint8Array> {
    const { signatures, failure } = await this.signNow(session, [data]);
    if (failure) throw failure;
    return signatures[0]!;
  }

  /** One request to the card thread; the card's speed sizes the bundles after it. */
  private async signNow(session: number, data: readonly Uint8Array[]): Promise<BundleSigned> {
    const { signatures, failure, millisecondsEach, stopped } = await this.request<SignResult>({ op: 'sign', session, data: [...data] });
    if (stopped) return { signatures, stopped };
    if (signatures.length > 0)
      this.signaturesPerBundle = Math.max(1, Math.min(MOST_SIGNATURES_PER_BUNDLE, Math.floor(BUNDLE_MILLISECONDS / Math.max(millisecondsEach, 0.01))));
    // A pulled card took the session with it (the card thread let it go): another may open now.
    if (failure?.code === 'CARD_REMOVED' && this.openSessionId === session) this.openSessionId = null;
    if (signatures.length < data.length) return { signatures, failure: new CardError(failure ?? { code: 'CARD_FAILED' }) };
    return { signatures };
  }

  /**
   * Ends the card thread, having it log out and let the module go first (C_Finalize where no
   * other card thread of this process holds a session): a module left initialised keeps the state
   * it read, so a card thread started later in the same process (the app after a restart of its
   * card service, a test) would not read it afresh. A thread stuck in a call (a card that does not
   * answer) is not waited for beyond RELEASE_WAIT_MS.
   */
  async close(): Promise<void> {
    if (!this.exited) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS)));
      await Promise.race([this.request({ op: 'release' }).catch(() => undefined), waited]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }
}
