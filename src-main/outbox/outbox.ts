import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionRequest, ActionResult } from '../../src-shared/common/api/documents.js';
import { GongwenError, type ErrorCode } from '../../src-shared/common/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { JournalLock } from './journal-lock.js';

/** A signed step waiting for the service to acknowledge it. */
export interface OutboxEntry {
  /** The idempotency key the step is sent with: the service applies it once, however often it arrives. */
  key: string;
  account: string;
  documentId: string;
  documentNumber: string;
  request: ActionRequest & { idempotencyKey: string };
  queuedAt: string;
}

/** A step the service refused for good (e.g. the document moved on): kept until the clerk has seen it. */
export interface RefusedEntry extends OutboxEntry {
  code: ErrorCode;
  refusedAt: string;
}

type JournalRecord =
  | { t: 'put'; entry: OutboxEntry }
  | { t: 'ack'; key: string; result: ActionResult }
  | { t: 'refuse'; key: string; code: ErrorCode; at: string }
  | { t: 'dismiss'; key: string };

/** Compact once this many settled records have piled up behind the pending ones. */
const COMPACT_AFTER = 200;

/**
 * The outbox: every signed step is appended here (and fsync'd) before it is sent, and leaves only
 * when the service has acknowledged it, so neither a crash nor a dead network loses a signed step.
 * An append-only journal of JSON lines; a torn last line (a crash mid-write) is ignored. Compaction
 * rewrites the pending entries to a new file and renames it over the old one.
 *
 * Its callers (the send, the courier's acknowledgements, the clerk dismissing a refusal) arrive at
 * once: every append and compaction runs in one queue, one after another. A lock file keeps a second
 * process off the same journal. An append writes its whole line or fails; after a failed or partial
 * one the file is cut back to where the last whole record ends, so the next record starts a line.
 */
export class Outbox {
  private readonly pendingEntries = new Map<string, OutboxEntry>();
  private readonly refusedEntries = new Map<string, RefusedEntry>();
  private settled = 0;
  private handle: FileHandle | null = null;
  private readonly listeners = new Set<() => void>();
  /** Where the last whole record ends; null when a failure left that unknown (found again before the next write). */
  private goodLength: number | null = 0;
  /** A failed append may have left part of a line after goodLength. */
  private torn = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly lock: JournalLock,
  ) {}

  /** OUTBOX_IN_USE when another process holds it; OUTBOX_UNREADABLE (and nothing changed) when the journal cannot be read. */
  static async open(dir: string): Promise<Outbox> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await JournalLock.take(join(dir, 'journal.lock'));
    const outbox = new Outbox(join(dir, 'journal.ndjson'), lock);
    try {
      await outbox.replay();
    } catch (error) {
      await lock.release();
      throw error;
    }
    // Best effort: on a full disk the journal stays as it is (its torn tail is cut before the next append).
    await outbox.compactNow().catch(() => {});
    return outbox;
  }

  private async replay(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      // Only a journal that is not there is an empty one: any other failure must not be compacted over.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new GongwenError('OUTBOX_UNREADABLE', (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
    for (const record of parseJournal(text)) this.apply(record);
  }

  private apply(record: JournalRecord): void {
    switch (record.t) {
      case 'put':
        this.pendingEntries.set(record.entry.key, record.entry);
        break;
      case 'ack':
        if (this.pendingEntries.delete(record.key)) this.settled++;
        break;
      case 'refuse': {
        const entry = this.pendingEntries.get(record.key);
        if (entry) {
          this.pendingEntries.delete(record.key);
          this.refusedEntries.set(record.key, { ...entry, code: record.code, refusedAt: record.at });
          this.settled++;
        }
        break;
      }
      case 'dismiss':
        if (this.refusedEntries.delete(record.key)) this.settled++;
        break;
    }
  }

  /** Runs `task` after every task queued before it, whatever became of them. */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  private append(record: JournalRecord): Promise<void> {
    return this.serially(async () => {
      if (this.closed) throw new GongwenError('OUTBOX_WRITE_FAILED', 'the outbox is closed');
      await this.writeLine(Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
      this.apply(record);
      for (const listener of this.listeners) listener();
      // The record is durable already: a compaction that fails now is tried again after the next one.
      if (this.settled >= COMPACT_AFTER) await this.compactNow().catch(() => {});
    });
  }

  /** The whole line, synced, or OUTBOX_WRITE_FAILED and the file as it was. */
  private async writeLine(line: Buffer): Promise<void> {
    try {
      this.handle ??= await open(this.path, 'a', 0o600);
      await this.cutBackIfTorn(this.handle);
      const start = this.goodLength!;
      this.torn = true; // from here a failure may leave part of this line behind
      // A nearly full disk takes part of a buffer without an error: write the rest, or fail.
      for (let written = 0; written < line.length;) {
        const { bytesWritten } = await this.handle.write(line, written, line.length - written);
        if (bytesWritten <= 0) throw new Error('the disk took no more bytes');
        written += bytesWritten;
      }
      await this.handle.datasync();
      this.torn = false;
      this.goodLength = start + line.length;
    } catch (error) {
      if (this.handle) await this.cutBackIfTorn(this.handle).catch(() => this.dropHandle());
      throw error instanceof GongwenError ? error : new GongwenError('OUTBOX_WRITE_FAILED', error instanceof Error ? error.message : String(error));
    }
  }

  /** Cuts a torn tail off, so the next record starts a line of its own (replay would drop both otherwise). */
  private async cutBackIfTorn(handle: FileHandle): Promise<void> {
    if (this.goodLength === null) this.goodLength = await wholeRecordsLength(this.path);
    if (!this.torn) return;
    await handle.truncate(this.goodLength);
    await handle.datasync();
    this.torn = false;
  }

  private async dropHandle(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }

  /** Durable when it returns; OUTBOX_WRITE_FAILED (and nothing queued) when the disk refused. */
  put(entry: OutboxEntry): Promise<void> {
    return this.append({ t: 'put', entry });
  }

  ack(key: string, result: ActionResult): Promise<void> {
    return this.append({ t: 'ack', key, result });
  }

  refuse(key: string, code: ErrorCode): Promise<void> {
    return this.append({ t: 'refuse', key, code, at: new Date().toISOString() });
  }

  dismiss(key: string): Promise<void> {
    return this.append({ t: 'dismiss', key });
  }

  /** In the order they were signed. */
  pending(account?: string): OutboxEntry[] {
    return [...this.pendingEntries.values()].filter((e) => !account || e.account === account);
  }

  refused(account?: string): RefusedEntry[] {
    return [...this.refusedEntries.values()].filter((e) => !account || e.account === account);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  compact(): Promise<void> {
    return this.serially(() => this.compactNow());
  }

  private async compactNow(): Promise<void> {
    await this.dropHandle();
    const records: JournalRecord[] = [
      ...this.pending().map((entry): JournalRecord => ({ t: 'put', entry })),
      ...this.refused().flatMap(({ code, refusedAt, ...entry }): JournalRecord[] => [
        { t: 'put', entry },
        { t: 'refuse', key: entry.key, code, at: refusedAt },
      ]),
    ];
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    try {
      await writeFileAtomic(this.path, text);
    } catch (error) {
      // Old or new file, perhaps: where its whole records end is read again before the next append.
      this.goodLength = null;
      this.torn = true;
      throw new GongwenError('OUTBOX_WRITE_FAILED', error instanceof Error ? error.message : String(error));
    }
    this.goodLength = Buffer.byteLength(text, 'utf8');
    this.torn = false;
    this.settled = 0;
  }

  /** Waits for what is queued, then lets the journal go (and its lock). */
  close(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.dropHandle();
      await this.lock.release();
    });
  }
}

/** The length of the file up to the end of its last whole line. */
async function wholeRecordsLength(path: string): Promise<number> {
  const bytes = await readFile(path);
  return bytes.lastIndexOf(0x0a) + 1;
}

/** Untrusted bytes (the file may be torn or damaged): every line that is not a well-formed record is skipped. */
export function parseJournal(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecord(value)) records.push(value);
  }
  return records;
}

function isRecord(value: unknown): value is JournalRecord {
  const r = value as (Partial<JournalRecord> & { entry?: Partial<OutboxEntry>; key?: unknown; code?: unknown; at?: unknown }) | null;
  if (!r || typeof r !== 'object') return false;
  switch (r.t) {
    case 'put':
      return (
        typeof r.entry?.key === 'string' &&
        typeof r.entry.account === 'string' &&
        typeof r.entry.documentId === 'string' &&
        typeof r.entry.request === 'object' &&
        r.entry.request !== null
      );
    case 'ack':
    case 'dismiss':
      return typeof r.key === 'string';
    case 'refuse':
      return typeof r.key === 'string' && typeof r.code === 'string' && typeof r.at === 'string';
    default:
      return false;
  }
}
