import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { GongwenError } from '../../src-shared/common/errors.js';

interface LockOwner {
  pid: number;
  host: string;
  /** Tells two holders with the same pid apart (a pid reused after a crash, or one process). */
  nonce: string;
}

/**
 * A lock file on the outbox folder, so that two GongwenDesk processes on one data folder (a second
 * instance, a tool, a test harness) cannot both append and compact the journal and lose each other's
 * steps. Electron's single-instance lock does not cover that: the outbox is used outside it.
 *
 * Written whole to a file of its own, then linked into place (atomic, and refused when a lock is
 * there), so a lock is never seen half-written; it names its holder's host and pid. A lock whose holder is a dead process on
 * this host (a crash, SIGKILL) is taken over; any other is refused with OUTBOX_IN_USE.
 */
export class JournalLock {
  private constructor(
    private readonly path: string,
    private readonly owner: LockOwner,
  ) {}

  static async take(path: string): Promise<JournalLock> {
    const owner: LockOwner = { pid: process.pid, host: hostname(), nonce: randomBytes(9).toString('base64url') };
    // Two rounds: the second after a stale lock was moved away.
    for (let round = 0; round < 2; round++) {
      if (await publish(path, owner)) return new JournalLock(path, owner);
      const holder = await readOwner(path);
      if (holder === 'gone') continue;
      if (holder !== 'unreadable' && isAlive(holder)) throw new GongwenError('OUTBOX_IN_USE', `pid ${holder.pid} on ${holder.host}`);
      if (holder === 'unreadable') throw new GongwenError('OUTBOX_IN_USE', 'a lock file this computer cannot read');
      await moveStaleAway(path, holder);
    }
    throw new GongwenError('OUTBOX_IN_USE');
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    const holder = await readOwner(this.path);
    if (holder !== 'gone' && holder !== 'unreadable' && holder.nonce === this.owner.nonce) await unlink(this.path).catch(() => {});
  }
}

/** True when `owner` now holds the lock; false when another lock is in place. */
async function publish(path: string, owner: LockOwner): Promise<boolean> {
  const draft = `${path}.${owner.nonce}.new`;
  try {
    const handle = await open(draft, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new GongwenError('OUTBOX_WRITE_FAILED', (error as Error).message);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

async function readOwner(path: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') return value as LockOwner;
  } catch {
    // not ours to judge: refused below, for a person to look at
  }
  return 'unreadable';
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // another computer (a shared folder): cannot tell, assume it runs
  if (owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Renames the stale lock aside (atomic: of two processes taking over, one wins the rename), then
 * checks that what it moved is the stale lock it read and not a fresh one another process has just
 * taken; a fresh one is put back and the caller is refused.
 */
async function moveStaleAway(path: string, stale: LockOwner): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new GongwenError('OUTBOX_WRITE_FAILED', (error as Error).message);
  }
  const moved = await readOwner(aside);
  if (moved !== 'gone' && moved !== 'unreadable' && moved.nonce !== stale.nonce) {
    await rename(aside, path).catch(() => {});
    throw new GongwenError('OUTBOX_IN_USE');
  }
  await unlink(aside).catch(() => {});
}
