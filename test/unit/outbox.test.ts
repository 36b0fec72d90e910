import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox, parseJournal, type OutboxEntry } from '../../src-main/outbox/outbox.js';
import { queuedEntry } from '../helpers/outbox-entry.js';
import type { ActionResult } from '../../src-shared/common/api/documents.js';

const entry = (key: string, account = 'vendor'): OutboxEntry => queuedEntry(key, { account });
const result = {} as ActionResult;

describe('the outbox journal', () => {
  it('keeps signed steps across a restart, in order, until acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const a = await Outbox.open(dir);
    await a.put(entry('k1'));
    await a.put(entry('k2'));
    await a.put(entry('k3', 'chen.chiming'));
    await a.ack('k1', result);
    await a.close();
    const b = await Outbox.open(dir);
    expect(b.pending().map((e) => e.key)).toEqual(['k2', 'k3']);
    expect(b.pending('vendor').map((e) => e.key)).toEqual(['k2']);
    await b.close();
  });

  it('ignores a torn last line (a crash mid-write) and damaged lines, keeping every whole record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const a = await Outbox.open(dir);
    await a.put(entry('k1'));
    await a.close();
    await appendFile(join(dir, 'journal.ndjson'), 'garbage that is not json\n{"t":"put","entry":{"key":"x"}}\n{"t":"put","entry":{"key":"k2","acc');
    const b = await Outbox.open(dir);
    expect(b.pending().map((e) => e.key)).toEqual(['k1']);
    await b.put(entry('k3'));
    await b.close();
    expect((await Outbox.open(dir)).pending().map((e) => e.key)).toEqual(['k1', 'k3']);
  });

  it('sets refused steps aside until dismissed, and compacts settled records away', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const a = await Outbox.open(dir);
    for (let i = 0; i < 250; i++) {
      await a.put(entry(`k${i}`));
      await a.ack(`k${i}`, result);
    }
    await a.put(entry('refused'));
    await a.refuse('refused', 'STEP_TOKEN_STALE');
    await a.put(entry('waiting'));
    expect(a.refused().map((e) => [e.key, e.code])).toEqual([['refused', 'STEP_TOKEN_STALE']]);
    const text = await readFile(join(dir, 'journal.ndjson'), 'utf8');
    expect(text.split('\n').filter(Boolean).length).toBeLessThan(260); // compacted after 200 settled records
    await a.close();
    const b = await Outbox.open(dir);
    expect(b.pending().map((e) => e.key)).toEqual(['waiting']);
    expect(b.refused().map((e) => e.key)).toEqual(['refused']);
    await b.dismiss('refused');
    expect(b.refused()).toEqual([]);
    await b.close();
  });

  it('says OUTBOX_WRITE_FAILED when the journal cannot be written, and queues nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const a = await Outbox.open(join(dir, 'ok'));
    // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
    (a as unknown as { path: string }).path = '/dev/full';
    await expect(a.put(entry('k1'))).rejects.toMatchObject({ code: 'OUTBOX_WRITE_FAILED' });
    expect(a.pending()).toEqual([]);
  });

  it('parses only well-formed records', () => {
    expect(parseJournal('{"t":"ack","key":"a"}\n{"t":"ack"}\n[1]\nnull\n{"t":"refuse","key":"b","code":"X","at":"now"}\n')).toHaveLength(2);
  });
});
