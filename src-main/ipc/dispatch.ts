import { GongwenError, isErrorCode, messageOf } from '../../src-shared/common/errors.js';
import { ipcInputs, type IpcChannel, type IpcFailure, type IpcResult } from '../../src-shared/common/ipc/contract.js';
import type { DesktopApp } from '../app/desktop-app.js';
import { CardError } from '../card/card-service.js';
import { handlers } from './handlers.js';

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(ipcInputs, value);
}

/**
 * One IPC call: the channel must exist, the input must match its schema, and whatever goes wrong
 * comes back as a code and a sentence in the clerk's language, never a stack trace. Unexpected
 * errors are logged by name only: their messages might carry what the clerk typed.
 */
export async function dispatchIpc(app: DesktopApp, channel: unknown, input: unknown): Promise<IpcResult<unknown>> {
  const language = app.settings.get().language;
  const fail = (code: Parameters<typeof messageOf>[0], extra: Partial<IpcFailure> = {}): IpcResult<unknown> => ({
    ok: false,
    error: { code, message: messageOf(code, language), ...extra },
  });
  if (!isIpcChannel(channel)) return fail('NOT_FOUND');
  const parsed = ipcInputs[channel].safeParse(input ?? {});
  if (!parsed.success) return fail('VALIDATION_FAILED');
  try {
    const handler = handlers[channel] as (input: unknown, app: DesktopApp) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, app) };
  } catch (error) {
    if (error instanceof CardError) return fail(error.code, error.pin ? { pin: error.pin } : {});
    if (error instanceof GongwenError) return fail(error.code, whoMustAct(error, language));
    const code = (error as { code?: unknown } | null)?.code;
    if (isErrorCode(code)) return fail(code);
    console.error(`ipc ${channel} failed: ${error instanceof Error ? error.name : typeof error}`);
    return fail('INTERNAL');
  }
}

/**
 * The gate's refusal of 歸檔 / 發文 carries the service's sentence naming each step to re-sign and
 * who can re-sign it ("第 1 關 公文系統廠商：待補簽（可由 王美玲 代為補簽）"): the clerk is shown it
 * after the catalogue's sentence. Other details are for logs, not for the clerk.
 */
function whoMustAct(error: GongwenError, language: Parameters<typeof messageOf>[1]): Partial<IpcFailure> {
  if (error.code !== 'RESIGN_REQUIRED' || !error.detail?.includes('待補簽')) return {};
  return { message: `${messageOf(error.code, language)}${language === 'en' ? ' ' : ''}${error.detail}` };
}
