import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Courier } from '../../src-main/outbox/courier.js';
import { Outbox, parseJournal, type OutboxEntry } from '../../src-main/outbox/outbox.js';
import type { ServiceClient } from '../../src-main/service-client/service-client.js';
import type { ActionResult } from '../../src-shared/common/api/documents.js';
import { queuedEntry } from '../helpers/outbox-entry.js';

// The outbox against what a clerk's PC does to it: a disk that fills up mid-line, a journal it
// cannot read, several callers at once, and a second process on the same data folder.

const entry = (key: string, opinion = ''): OutboxEntry => queuedEntry(key, { opinion });
const result = {} as ActionResult;
const isRoot = process.getuid?.() === 0;
const mounted: string[] = [];

afterAll(() => {
  for (const dir of mounted) spawnSync('umount', [dir]);
});

/** Every line of the journal is a whole record: nothing torn, nothing glued to another record. */
async function expectWholeLines(dir: string): Promise<void> {
  const lines = (await readFile(join(dir, 'journal.ndjson'), 'utf8')).split('\n');
  expect(lines.pop()).toBe('');
  expect(parseJournal(lines.join('\n'))).toHaveLength(lines.length);
}

describe('the outbox on a disk that fills up', () => {
  it.skipIf(!isRoot)('keeps every step put() promised, on a real 32 KiB disk that fills mid-line', async () => {
    const disk = await mkdtemp(join(tmpdir(), 'outbox-tmpfs-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', disk]).status).toBe(0);
    mounted.push(disk);
    const dir = join(disk, 'outbox');
    const outbox = await Outbox.open(dir);
    // Room for a few steps only: the rest of the disk is taken by another file.
    const filler = join(disk, 'filler');
    await writeFile(filler, Buffer.alloc(16 * 1024));
    const promised: string[] = [];
    let refusals = 0;
    // Lines of about 2.9 KB against 4 KiB pages: the disk runs out in the middle of a line.
    for (let i = 0; i < 12; i++) {
      try {
        await outbox.put(entry(`k${i}`, '簽'.repeat(900)));
        promised.push(`k${i}`);
      } catch (error) {
        expect(error).toMatchObject({ code: 'OUTBOX_WRITE_FAILED' });
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(0);
    expect(promised.length).toBeGreaterThan(0);
    expect(outbox.pending().map((e) => e.key)).toEqual(promised);
    await expectWholeLines(dir); // a refused put leaves the journal readable
    // Space comes back (the clerk cleans up): the next step lands on a line of its own.
    await rm(filler);
    await outbox.put(entry('after', 'x'));
    await outbox.close();
    await expectWholeLines(dir);
    const reopened = await Outbox.open(dir);
    expect(reopened.pending().map((e) => e.key)).toEqual([...promised, 'after']);
    await reopened.close();
  });

  it('writes the rest of a line the disk took only part of, and cuts back a line it could not finish', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const outbox = await Outbox.open(dir);
    await outbox.put(entry('a'));
    const handle = (outbox as unknown as { handle: { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> } }).handle;
    const write = handle.write.bind(handle);
    // As a nearly full disk does: part of the buffer, no error; then, once, nothing at all (ENOSPC).
    let calls = 0;
    handle.write = async (buffer: unknown, offset: unknown, length: unknown) => {
      calls++;
      if (calls === 1) return write(buffer, offset, Math.floor((length as number) / 2));
      if (calls === 3) return write(buffer, offset, 7);
      if (calls === 4) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return write(buffer, offset, length);
    };
    await outbox.put(entry('b')); // calls 1 and 2: half, then the rest
    await expect(outbox.put(entry('c'))).rejects.toMatchObject({ code: 'OUTBOX_WRITE_FAILED' }); // calls 3 and 4
    expect(outbox.pending().map((e) => e.key)).toEqual(['a', 'b']);
    await expectWholeLines(dir);
    await outbox.put(entry('d'));
    await outbox.close();
    const reopened = await Outbox.open(dir);
    expect(reopened.pending().map((e) => e.key)).toEqual(['a', 'b', 'd']);
    await reopened.close();
  });
});

describe('an outbox journal that cannot be read', () => {
  it.skipIf(!isRoot)('refuses to open with OUTBOX_UNREADABLE and leaves the journal as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const a = await Outbox.open(dir);
    await a.put(entry('k1'));
    await a.put(entry('k2'));
    await a.close();
    const journal = join(dir, 'journal.ndjson');
    const before = await readFile(journal);
    // Root reads everything: the clerk's app runs as a user the file is closed to.
    const nobody = 65534;
    await chown(dir, nobody, nobody);
    await chown(journal, 0, 0);
    await chmod(journal, 0o600);
    process.seteuid!(nobody);
    try {
      await expect(Outbox.open(dir)).rejects.toMatchObject({ code: 'OUTBOX_UNREADABLE' });
    } finally {
      process.seteuid!(0);
    }
    expect(await readFile(journal)).toEqual(before);
    expect((await stat(journal)).size).toBe(before.length);
  });

  it('a journal that is a folder (or anything but missing) is not taken for an empty one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    await mkdir(join(dir, 'journal.ndjson'));
    await writeFile(join(dir, 'journal.ndjson', 'keep'), 'x');
    await expect(Outbox.open(dir)).rejects.toMatchObject({ code: 'OUTBOX_UNREADABLE' });
    expect(await readFile(join(dir, 'journal.ndjson', 'keep'), 'utf8')).toBe('x');
  });
});

describe('the outbox with the callers it has', () => {
  it('takes sends, acknowledgements, dismissals and compactions at once, losing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const outbox = await Outbox.open(dir);
    await Promise.all(Array.from({ length: 300 }, (_, i) => outbox.put(entry(`k${i}`))));
    await outbox.put(entry('refused'));
    await outbox.refuse('refused', 'STEP_TOKEN_STALE');
    // The courier acknowledging, the clerk sending and dismissing, compactions: all at once.
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) calls.push(outbox.put(entry(`new${i}`)));
      if (i % 2 === 0) calls.push(outbox.ack(`k${i}`, result));
      if (i % 50 === 0) calls.push(outbox.compact());
    }
    calls.push(outbox.dismiss('refused'));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const expected = [
      ...Array.from({ length: 300 }, (_, i) => i)
        .filter((i) => i % 2 === 1)
        .map((i) => `k${i}`),
      ...Array.from({ length: 100 }, (_, i) => `new${i * 3}`),
    ];
    expect(new Set(outbox.pending().map((e) => e.key))).toEqual(new Set(expected));
    await outbox.close();
    const reopened = await Outbox.open(dir);
    expect(new Set(reopened.pending().map((e) => e.key))).toEqual(new Set(expected));
    expect(reopened.refused()).toEqual([]);
    await reopened.close();
  });
});

describe('two app instances on one data folder', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  function startOther(dir: string, key: string): Promise<{ child: ChildProcess; said: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/outbox-in-child.ts', dir, key], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve({ child, said: out.trim() });
      });
      child.on('exit', () => reject(new Error(`the other instance ended: ${out}`)));
    });
  }

  it('the second is refused with OUTBOX_IN_USE while the first runs, and takes over once it died', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'outbox-')), 'outbox');
    const other = await startOther(dir, 'theirs');
    expect(other.said).toBe('ready');
    await expect(Outbox.open(dir)).rejects.toMatchObject({ code: 'OUTBOX_IN_USE' });
    // The first instance crashes (SIGKILL: no clean-up): its lock is stale, its step is kept.
    const exited = new Promise((resolve) => other.child.on('exit', resolve));
    other.child.kill('SIGKILL');
    await exited;
    const mine = await Outbox.open(dir);
    expect(mine.pending().map((e) => e.key)).toEqual(['theirs']);
    await mine.put(entry('mine'));
    // And now a third is refused by this one.
    const third = await startOther(dir, 'third').catch((error: Error) => ({ said: error.message, child: null }));
    expect(third.said).toBe('refused OUTBOX_IN_USE');
    await mine.close();
    const after = await Outbox.open(dir);
    expect(after.pending().map((e) => e.key)).toEqual(['theirs', 'mine']);
    await after.close();
    await rm(dir, { recursive: true });
  });

  it('a second open in the same process is refused too, and close lets go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const first = await Outbox.open(dir);
    await expect(Outbox.open(dir)).rejects.toMatchObject({ code: 'OUTBOX_IN_USE' });
    await first.close();
    const second = await Outbox.open(dir);
    await second.close();
  });
});

describe('the courier when the disk refuses an acknowledgement', () => {
  it('reports the step delivered (the service has it), keeps it queued, and goes on with the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const outbox = await Outbox.open(dir);
    await outbox.put(entry('a'));
    await outbox.put(entry('b'));
    const sent: string[] = [];
    // A stand-in for the service (the refusing disk is what is under test): it accepts every step.
    const client = { act: async (_id: string, request: { idempotencyKey: string }) => (sent.push(request.idempotencyKey), result) } as unknown as ServiceClient;
    const courier = new Courier(outbox, () => ({ account: 'vendor', client }));
    // /dev/full: every write fails with ENOSPC, as a full disk does.
    (outbox as unknown as { path: string }).path = '/dev/full';
    await (outbox as unknown as { dropHandle(): Promise<void> }).dropHandle();
    await expect(courier.deliver(outbox.pending()[0]!)).resolves.toMatchObject({ status: 'delivered' });
    await courier.flush();
    expect(sent).toEqual(['a', 'a', 'b']);
    expect(outbox.pending().map((e) => e.key)).toEqual(['a', 'b']);
    courier.stop();
  });
});
