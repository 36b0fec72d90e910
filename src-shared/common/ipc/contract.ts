import { z } from 'zod';
import { account, text } from '../api/text.js';
import { actions, documentStatuses } from '../flow.js';
import { LIMITS } from '../api/documents.js';
import { NameDeputyRequest } from '../api/organisation.js';
import { userCode } from '../api/console-card-login.js';

/**
 * The one contract between the renderer and the main process: channel → input schema. The
 * renderer calls `window.gongwen.invoke(channel, input)`; the main process validates every input
 * against these schemas before a handler runs, and answers with the handler's output type
 * (`IpcOutputs` in src-shared/ipc/outputs.ts). Channel names are `area:verb`.
 *
 * Secrets travel only inward (PIN, passwords); no output ever carries one.
 */
const pin = z.string().regex(/^[0-9A-Za-z]{4,16}$/, { message: 'PIN 為 4 到 16 碼' });
const password = z.string().min(1).max(256);
const id = z.uuid();

export const ipcInputs = {
  'session:state': z.strictObject({}),
  'session:login': z.strictObject({ account, password }),
  'session:logout': z.strictObject({}),
  /** 憑證卡登入: the account and the card's PIN (the PIN goes to the card, nowhere else). */
  'session:cardLogin': z.strictObject({ account, pin }),
  'cards:list': z.strictObject({}),
  /** 註冊新憑證卡: the new card is in the reader; its PIN. */
  'cards:register': z.strictObject({ pin }),
  'cards:retire': z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** 主控台登入核准: the code the console page shows; answers where that login request came from. */
  'consoleLogin:lookup': z.strictObject({ userCode }),
  /** 主控台登入核准: the same code and the card's PIN; the card signs the service's challenge for it. */
  'consoleLogin:approve': z.strictObject({ userCode, pin }),
  'users:list': z.strictObject({}),
  'documents:list': z.strictObject({
    box: z.enum(['inbox', 'involved']).default('inbox'),
    q: text({ max: 100 }).optional(),
    status: z.enum(documentStatuses).optional(),
    limit: z.number().int().min(1).max(10_000).default(10_000),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  'documents:get': z.strictObject({ id }),
  'documents:create': z.strictObject({ subject: text({ min: 1, max: LIMITS.subject }), body: text({ max: LIMITS.body, multiline: true }) }),
  'step:send': z.strictObject({
    documentId: id,
    action: z.enum(actions),
    recipient: account.nullable(),
    opinion: text({ max: LIMITS.opinion, multiline: true }),
    /** 使用軟體臨時憑證; absent means "as last time in this login". */
    useTempCert: z.boolean().optional(),
    tempCertPassword: password.optional(),
    pin: pin.optional(),
    /** The content digest the page displayed: the send is refused when the document is no longer that. */
    contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  'outbox:state': z.strictObject({}),
  'outbox:retry': z.strictObject({}),
  'outbox:dismiss': z.strictObject({ key: z.string().min(1).max(64) }),
  'tempCert:view': z.strictObject({}),
  /** Apply, enable and delete ask for the login password again (`loginPassword`). */
  'tempCert:apply': z.strictObject({
    password: z.string().min(8).max(256),
    reason: text({ min: 1, max: 500, multiline: true }),
    loginPassword: password,
    /** Under an agency period: the end asked for (ISO 8601). */
    periodEnd: z.iso.datetime({ offset: true }).optional(),
  }),
  'tempCert:enable': z.strictObject({ password, pcLabel: text({ min: 1, max: 64 }).optional(), loginPassword: password }),
  'tempCert:delete': z.strictObject({ loginPassword: password }),
  'tempCert:disable': z.strictObject({}),
  /** The unit head: the applications awaiting their decision, and deciding one. */
  'tempCert:approvals': z.strictObject({}),
  'tempCert:decide': z.strictObject({ account, approve: z.boolean(), comment: text({ max: 500, multiline: true }) }),
  'resign:pending': z.strictObject({}),
  'resign:start': z.strictObject({
    note: text({ min: 1, max: 500, multiline: true }),
    pin,
    /** The steps signed on another PC (`other-pc` in the list) the clerk confirmed. */
    confirmOtherPc: z.array(z.uuid()).max(10_000).optional(),
  }),
  'resign:cancel': z.strictObject({}),
  'reminders:get': z.strictObject({}),
  'deputies:list': z.strictObject({}),
  /** Days as the service takes them (YYYY-MM-DD); the screen reads and shows ROC dates. */
  'deputies:name': NameDeputyRequest,
  'deputies:withdraw': z.strictObject({ id }),
  'resign:onBehalfPending': z.strictObject({}),
  /** 代為補簽 of the steps the re-signer selected from the list last shown, with the reason (原因) and the note. */
  'resign:onBehalfStart': z.strictObject({
    note: text({ min: 1, max: 500, multiline: true }),
    reason: text({ min: 1, max: 500, multiline: true }),
    pin,
    stepIds: z.array(z.uuid()).min(1).max(10_000),
  }),
  'card:status': z.strictObject({}),
  'card:diagnostics': z.strictObject({}),
  /** The card to use among those present (its token serial, as `card:status` lists it); null forgets the choice. */
  'card:choose': z.strictObject({
    serial: z
      .string()
      .regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/)
      .nullable(),
  }),
  'settings:get': z.strictObject({}),
  'settings:set': z.strictObject({
    serviceUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
    modulePath: z.string().max(500).optional(),
    language: z.enum(['zh-TW', 'en']).optional(),
    agencyCaPath: z.string().max(500).optional(),
  }),
} as const;

export type IpcChannel = keyof typeof ipcInputs;
export type IpcInput<C extends IpcChannel> = z.input<(typeof ipcInputs)[C]>;
export type IpcParsedInput<C extends IpcChannel> = z.output<(typeof ipcInputs)[C]>;
export const ipcChannels = Object.keys(ipcInputs) as IpcChannel[];

/** Events the main process pushes to the renderer. */
export const ipcEvents = ['card:status-changed', 'resign:progress', 'outbox:changed'] as const;
export type IpcEvent = (typeof ipcEvents)[number];

/** What a refused call answers: the code and the sentence; never a stack trace. */
export interface IpcFailure {
  code: string;
  message: string;
  /** For a wrong PIN: whether the next wrong one locks the card. */
  pin?: { countLow: boolean; finalTry: boolean; locked: boolean };
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcFailure };
