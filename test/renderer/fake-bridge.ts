import type { IpcChannel, IpcEvent } from '../../src-shared/common/ipc/contract';

/**
 * Component tests only: a window.gongwen whose answers the test sets per channel. (The end-to-end
 * tests bind the real handlers instead.)
 */
export function fakeBridge(answers: Partial<Record<IpcChannel, (input: unknown) => unknown>>) {
  const calls: { channel: IpcChannel; input: unknown }[] = [];
  const listeners = new Map<IpcEvent, Set<(p: unknown) => void>>();
  window.gongwen = {
    invoke: async (channel, input) => {
      calls.push({ channel, input });
      const answer = answers[channel];
      if (!answer) return { ok: false, error: { code: 'NOT_FOUND', message: `no answer for ${channel}` } };
      try {
        return { ok: true, value: await answer(input) };
      } catch (error) {
        return { ok: false, error: error as { code: string; message: string } };
      }
    },
    on: (event, listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    },
  };
  return { calls, emit: (event: IpcEvent, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)) };
}
