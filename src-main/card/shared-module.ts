/** The cells of the shared buffer: the lock (its holder's thread id, 0 when free), then who holds a session. */
const LOCK = 0;
const FIRST_HOLDER = 1;
/** Card threads one process can have on one module (the app has one; tests start a few desktops). */
const MOST_THREADS = 16;

/**
 * A PKCS#11 module is loaded once per process, whichever thread loads it: C_Initialize and
 * C_Finalize act for the whole process, and C_Finalize ends every session of it. The card threads
 * of one process (two desktops in a test) share one `SharedModule` per module path: a lock, so
 * that one thread never re-initialises the module while another is inside it, and the threads that
 * hold a logged-in session, so that the rescan by re-initialising (SoftHSM) never ends another
 * thread's batch.
 */
export class SharedModule {
  private readonly cells: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4 * (FIRST_HOLDER + MOST_THREADS)),
    private readonly thread = 0,
  ) {
    this.cells = new Int32Array(buffer);
  }

  /** `work`, with no other card thread of this process in the module meanwhile. */
  exclusive<T>(work: () => T): T {
    const me = this.thread + 1; // thread ids start at 0 (the main thread); 0 here means free
    for (let holder; (holder = Atomics.compareExchange(this.cells, LOCK, 0, me)) !== 0;) Atomics.wait(this.cells, LOCK, holder, 100);
    try {
      return work();
    } finally {
      Atomics.store(this.cells, LOCK, 0);
      Atomics.notify(this.cells, LOCK);
    }
  }

  /** This thread has logged in. */
  opened(): void {
    const me = this.thread + 1;
    if (this.holders().includes(me)) return;
    for (let i = FIRST_HOLDER; i < this.cells.length; i++) if (Atomics.compareExchange(this.cells, i, 0, me) === 0) return;
  }

  /** This thread's session has ended (logout, or gone with the card). */
  closed(): void {
    const me = this.thread + 1;
    for (let i = FIRST_HOLDER; i < this.cells.length; i++) Atomics.compareExchange(this.cells, i, me, 0);
  }

  /** Whether a card thread other than this one holds a session, which a C_Finalize would end. */
  othersHoldSessions(): boolean {
    const me = this.thread + 1;
    return this.holders().some((holder) => holder !== 0 && holder !== me);
  }

  private holders(): number[] {
    return Array.from({ length: this.cells.length - FIRST_HOLDER }, (_, i) => Atomics.load(this.cells, FIRST_HOLDER + i));
  }

  /** A card thread has ended (terminated, perhaps in the middle of a call): its lock and its session go with it. */
  static forget(buffer: SharedArrayBuffer, thread: number): void {
    const cells = new Int32Array(buffer);
    const gone = thread + 1;
    for (let i = FIRST_HOLDER; i < cells.length; i++) Atomics.compareExchange(cells, i, gone, 0);
    if (Atomics.compareExchange(cells, LOCK, gone, 0) === gone) Atomics.notify(cells, LOCK);
  }
}
