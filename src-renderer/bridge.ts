import type { IpcChannel, IpcFailure, IpcInput, IpcResult, IpcEvent } from '../src-shared/common/ipc/contract';
import type { IpcEventPayloads, IpcOutputs } from '../src-shared/common/ipc/outputs';

/** What the preload exposes, and nothing more. */
export interface GongwenBridge {
  invoke(channel: IpcChannel, input: unknown): Promise<IpcResult<unknown>>;
  on(event: IpcEvent, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    gongwen: GongwenBridge;
  }
}

/** A refusal from the main process: a stable code and a sentence for the clerk. */
export class ClerkError extends Error {
  readonly code: string;
  readonly pin: IpcFailure['pin'];
  constructor(failure: IpcFailure) {
    super(failure.message);
    this.code = failure.code;
    this.pin = failure.pin;
  }
}

export async function call<C extends IpcChannel>(channel: C, input: IpcInput<C>): Promise<IpcOutputs[C]> {
  const result = await window.gongwen.invoke(channel, input);
  if (!result.ok) throw new ClerkError(result.error);
  return result.value as IpcOutputs[C];
}

export function subscribe<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayloads[E]) => void): () => void {
  return window.gongwen.on(event, listener as (payload: unknown) => void);
}

/** The sentence to show for anything that went wrong. */
export function sentenceOf(error: unknown): string {
  if (error instanceof ClerkError) return error.message;
  return '發生未預期的錯誤，請稍後再試。';
}
