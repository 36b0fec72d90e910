/** The reason a batch stops when the clerk cancels it. */
export const CANCELLED: unique symbol = Symbol('cancelled by the clerk');

/**
 * The one way a 補簽 batch stops: the clerk's cancel, a pulled card, a page that fails to load or
 * an upload that fails all end up here, and the first reason is the one the batch reports. Every
 * stage that waits, waits through `changed`, which a stop also wakes, so nothing waits for ever.
 */
export class BatchStop {
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private readonly onCancel = () => this.stop(CANCELLED);

  constructor(private readonly cancel?: AbortSignal) {
    if (cancel?.aborted) this.stop(CANCELLED);
    else cancel?.addEventListener('abort', this.onCancel, { once: true });
    this.controller.signal.addEventListener('abort', () => this.notify(), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get cancelled(): boolean {
    return this.stopped && this.controller.signal.reason === CANCELLED;
  }

  /** Why the batch stopped (`CANCELLED` for the clerk's cancel), or undefined. */
  get reason(): unknown {
    return this.stopped ? (this.controller.signal.reason as unknown) : undefined;
  }

  /** Stops the batch; a later reason does not replace the first. */
  stop(reason: unknown): void {
    if (!this.stopped) this.controller.abort(reason);
  }

  /** Resolves at the next change of the batch's state (a bundle or a chunk answered, a stop). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** `promise`'s value, or undefined as soon as the batch stops (the promise is then left to itself). */
  async unlessStopped<T>(promise: Promise<T>): Promise<T | undefined> {
    promise.catch(() => {}); // left to itself after a stop, its failure is nobody's
    if (this.stopped) return undefined;
    let onStop = () => {};
    const stopped = new Promise<undefined>((resolve) => this.controller.signal.addEventListener('abort', (onStop = () => resolve(undefined)), { once: true }));
    try {
      return await Promise.race([promise, stopped]);
    } finally {
      this.controller.signal.removeEventListener('abort', onStop); // one per page: a long list must not pile them up
    }
  }

  /** The batch is over: the clerk's signal is let go. */
  dispose(): void {
    this.cancel?.removeEventListener('abort', this.onCancel);
  }
}
