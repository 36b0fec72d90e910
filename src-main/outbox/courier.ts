import type { ActionResult } from '../../src-shared/common/api/documents.js';
import { GongwenError, type ErrorCode } from '../../src-shared/common/errors.js';
import type { ServiceClient } from '../service-client/service-client.js';
import type { Outbox, OutboxEntry } from './outbox.js';

export type Delivery = { status: 'delivered'; result: ActionResult } | { status: 'queued'; reason: ErrorCode };

/** Failures that say "not now" rather than "no": the step stays in the outbox and is tried again. */
// An untrusted certificate is the connection's fault, not the step's: the step waits for a fix.
const TRANSIENT = new Set<ErrorCode>(['SERVICE_UNREACHABLE', 'SERVICE_CERT_UNTRUSTED', 'RATE_LIMITED', 'INTERNAL', 'UNAUTHENTICATED']);

export function isTransient(error: unknown): boolean {
  return error instanceof GongwenError && TRANSIENT.has(error.code);
}

/**
 * Carries signed steps from the outbox to the service, oldest first, and takes each out only when
 * the service acknowledged it. While the service is unreachable it tries again with growing pauses
 * (1 s doubling to a minute). A step the service refuses for good is set aside, with its reason,
 * for the clerk to see.
 */
export class Courier {
  private timer: NodeJS.Timeout | null = null;
  private backoffMs = 1000;
  private running = false;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly outbox: Outbox,
    /** The logged-in client, if any; steps of other accounts wait for their owner's login. */
    private readonly session: () => { account: string; client: ServiceClient } | null,
  ) {}

  /** Sends one step now. Resolves queued when the service cannot be reached; throws a refusal. */
  async deliver(entry: OutboxEntry): Promise<Delivery> {
    const current = this.session();
    if (!current || current.account !== entry.account) return { status: 'queued', reason: 'UNAUTHENTICATED' };
    let result: ActionResult;
    try {
      result = await current.client.act(entry.documentId, entry.request);
    } catch (error) {
      if (isTransient(error)) {
        this.schedule();
        return { status: 'queued', reason: (error as GongwenError).code };
      }
      // The refusal stands even if the disk cannot note it now: the step stays queued and the next try hears it again.
      if (error instanceof GongwenError) await this.outbox.refuse(entry.key, error.code).catch(() => {});
      throw error;
    }
    // The service has the step. An acknowledgement the disk refused leaves it queued: sent again
    // later, the idempotency key makes the service answer as now. Not a failure of this send.
    await this.outbox.ack(entry.key, result).catch(() => this.schedule());
    return { status: 'delivered', result };
  }

  /** Delivers what is pending, in order, stopping at the first "not now". */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const current = this.session();
    if (!current) return;
    for (const entry of this.outbox.pending(current.account)) {
      try {
        const delivery = await this.deliver(entry);
        if (delivery.status === 'queued') return;
      } catch (error) {
        if (!(error instanceof GongwenError)) throw error;
        // refused for good and set aside: go on with the next
      }
    }
    this.backoffMs = 1000;
  }

  /** Keeps trying in the background until stopped. */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay = this.backoffMs): void {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush()
        .catch(() => {})
        .then(() => {
          const account = this.session()?.account;
          if (account && this.outbox.pending(account).length > 0) {
            this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
            this.schedule();
          }
        });
    }, delay);
    this.timer.unref();
  }
}
