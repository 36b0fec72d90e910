import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultWrapper } from '../test/helpers/virtual-card.js';
import { atMost, type BenchRow } from './lib/measure.js';
import { resignClient, withPendingSteps } from './resign.js';

/** A HiCOS card's time per signature (a good part of a second; 300 ms is a fast one). */
const SIGNATURE_MS = 300;
const STEPS = 50;

/** The card's C_Sign calls, as the fault-injecting wrapper logged them (ms since the epoch). */
async function cardCalls(log: string): Promise<{ start: number; end: number }[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('C_Sign '))
    .map((line) => {
      const [, start, end] = line.split(' ');
      return { start: Number(start), end: Number(end) };
    });
}

/** The virtual card slowed to HiCOS speed by the wrapper in test/helpers, in the client's card thread. */
async function hicosEnv(): Promise<{ env: Record<string, string>; log: string }> {
  const log = join(await mkdtemp(join(tmpdir(), 'gongwen-hicos-')), 'calls');
  return { log, env: { BENCH_CARD_WRAPPER: faultWrapper, GONGWEN_PKCS11_FAULTS: JSON.stringify({ slow: { C_Sign: SIGNATURE_MS }, callLog: log }) } };
}

/**
 * What a clerk with a real card feels. A 50-step 補簽 batch, from the click (login, list, sign,
 * upload) to its report, against the card's own time for its 50 signatures (the C_Sign calls as
 * the card thread made them): at most 1.03 × that. And a cancel in the middle of a signature: the
 * card makes at most the one under way.
 */
export async function hicosRows(): Promise<BenchRow[]> {
  const batch = await withPendingSteps(STEPS, async (service, card) => {
    const { env, log } = await hicosEnv();
    const { resigned, seconds, startedAt, endedAt } = resignClient('hicos', service, card, env) as {
      resigned: number;
      seconds: number;
      startedAt: number;
      endedAt: number;
    };
    if (resigned !== STEPS) throw new Error(`re-signed ${resigned} of ${STEPS}`);
    const calls = await cardCalls(log);
    const cardSeconds = calls.reduce((sum, c) => sum + (c.end - c.start), 0) / 1000;
    return atMost(
      `re-sign ${STEPS} steps at HiCOS speed (${SIGNATURE_MS} ms a signature)`,
      seconds,
      's',
      `1.03 × the card's own time (${cardSeconds.toFixed(2)} s)`,
      1.03 * cardSeconds,
      {
        cardSeconds: Number(cardSeconds.toFixed(2)),
        ofCardTime: Number((seconds / cardSeconds).toFixed(3)),
        signatures: calls.length,
        // Where the rest went: before the first signature (PIN, list), between signatures, after the last.
        beforeFirstMs: Math.round(calls[0]!.start - startedAt),
        betweenMs: Math.round(calls.slice(1).reduce((sum, c, i) => sum + (c.start - calls[i]!.end), 0)),
        afterLastMs: Math.round(endedAt - calls.at(-1)!.end),
      },
    );
  });
  const cancel = await withPendingSteps(20, async (service, card) => {
    const { env, log } = await hicosEnv();
    const { cancelledAt, done } = resignClient('hicos-cancel', service, card, env) as { cancelledAt: number; done: number };
    const calls = await cardCalls(log);
    const after = calls.filter((c) => c.end > cancelledAt);
    const lastEnd = Math.max(cancelledAt, ...calls.map((c) => c.end));
    return atMost('cancel at HiCOS speed: card signatures after the cancel', after.length, 'signatures', 'one (the one under way)', 1, {
      signedBeforeCancel: done,
      cardIdleAfterCancelMs: Math.round(lastEnd - cancelledAt),
    });
  });
  return [batch, cancel];
}
