import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionRequest, ActionResult } from '../../src-shared/api/documents.js';
import { GongwenError, type ErrorCode } from '../../src-shared/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

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

type JournalRecord = { t: 'put'; entry: OutboxEntry } | { t: 'ack'; key: string; result: ActionResult } | { t: 'refuse'; key: string; code: ErrorCode; at: string } | { t: 'dismiss'; key: string };

/** Compact once this many settled records have piled up behind the pending ones. */
const COMPACT_AFTER = 200;

/**
 * The outbox: every signed step is appended here (and fsync'd) before it is sent, and leaves only
 * when the service has acknowledged it, so neither a crash nor a dead network loses a signed step.
 * An append-only journal of JSON lines; a torn last line (a crash mid-write) is ignored. Compaction
 * rewrites the pending entries to a new file and renames it over the old one.
 */
export class Outbox {
  private readonly pendingEntries = new Map<string, OutboxEntry>();
  private readonly refusedEntries = new Map<string, RefusedEntry>();
  private settled = 0;
  private handle: FileHandle | null = null;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly path: string) {}

  static async open(dir: string): Promise<Outbox> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const outbox = new Outbox(join(dir, 'journal.ndjson'));
    await outbox.replay();
    await outbox.compact();
    return outbox;
  }

  private async replay(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return;
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

  private async append(record: JournalRecord): Promise<void> {
    try {
      this.handle ??= await open(this.path, 'a', 0o600);
      await this.handle.write(`${JSON.stringify(record)}\n`);
      await this.handle.datasync();
    } catch (error) {
      // The file may now end in a torn line; replay skips it. Reopen on the next append.
      await this.handle?.close().catch(() => {});
      this.handle = null;
      throw new GongwenError('OUTBOX_WRITE_FAILED', error instanceof Error ? error.message : String(error));
    }
    this.apply(record);
    for (const listener of this.listeners) listener();
    if (this.settled >= COMPACT_AFTER) await this.compact();
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

  async compact(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
    const records: JournalRecord[] = [
      ...this.pending().map((entry): JournalRecord => ({ t: 'put', entry })),
      ...this.refused().flatMap(({ code, refusedAt, ...entry }): JournalRecord[] => [{ t: 'put', entry }, { t: 'refuse', key: entry.key, code, at: refusedAt }]),
    ];
    await writeFileAtomic(this.path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.settled = 0;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }
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
  const r = value as Partial<JournalRecord> & { entry?: Partial<OutboxEntry>; key?: unknown; code?: unknown; at?: unknown } | null;
  if (!r || typeof r !== 'object') return false;
  switch (r.t) {
    case 'put':
      return typeof r.entry?.key === 'string' && typeof r.entry.account === 'string' && typeof r.entry.documentId === 'string' && typeof r.entry.request === 'object' && r.entry.request !== null;
    case 'ack':
    case 'dismiss':
      return typeof r.key === 'string';
    case 'refuse':
      return typeof r.key === 'string' && typeof r.code === 'string' && typeof r.at === 'string';
    default:
      return false;
  }
}
