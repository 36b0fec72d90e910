import type { z, ZodType } from 'zod';
import { LoginResponse, UserDirectory, UserSummary } from '../../src-shared/common/api/accounts.js';
import {
  ActionResult,
  DocumentList,
  DocumentView,
  Evidence,
  LIMITS,
  type ActionRequest,
  type CreateDocumentRequest,
  type InboxQuery,
} from '../../src-shared/common/api/documents.js';
import { OnBehalfPendingList, PendingResignList, ResignResponse, type OnBehalfResignRequest, type ResignRequest } from '../../src-shared/common/api/resign.js';
import { Deputy, DeputyList, Reminders, type NameDeputyRequest } from '../../src-shared/common/api/organisation.js';
import {
  CardChallengeResponse,
  CardList,
  CardRecord,
  RegisterCardResponse,
  type CardLoginRequest,
  type RegisterCardRequest,
} from '../../src-shared/common/api/cards.js';
import {
  EnableTempCertResponse,
  TempCertStatus,
  TempCertApprovalsList,
  type DecideTempCertRequest,
  type RenewTempCertRequest,
  type ApplyTempCertRequest,
  type DeleteTempCertRequest,
  type EnableTempCertRequest,
} from '../../src-shared/common/api/temp-cert.js';
import { AgencyPolicy } from '../../src-shared/common/api/policy.js';
import {
  CONSOLE_CARD_LOGIN_API,
  ConsoleLoginApproved,
  ConsoleLoginLookup,
  type ConsoleLoginApproveRequest,
  type ConsoleLoginLookupRequest,
} from '../../src-shared/common/api/console-card-login.js';
import { GongwenError, isErrorCode } from '../../src-shared/common/errors.js';
import { checkServiceUrl } from './service-url.js';
import { trustedCas, type ServiceTrust } from './service-trust.js';
import { Transport } from './transport.js';

export interface ServiceClientOptions {
  baseUrl: string;
  /** Per request. */
  timeoutMs?: number;
  /** How often a safe request (a GET, a signed step with its idempotency key, a re-sign chunk) is tried again after a network failure. */
  retries?: number;
  /** The largest answer read (bytes); a larger one is cut off and refused, never retried. */
  maxAnswerBytes?: number;
  /** Beyond the OS store, the agency CA an HTTPS service's certificate may chain to. */
  trust?: ServiceTrust;
}

/** Asks `request` for the answer's bytes as they came (an attachment), not JSON. */
const RAW_BYTES = Symbol('raw bytes');

/**
 * The largest answer the client reads: a page of 10,000 documents or an evidence export fit with
 * room to spare; a lying or broken service cannot make the main process hold gigabytes.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * The desktop's client of the document service: typed by the same schemas the service validates
 * with, answers checked on arrival. Network failures and time-outs read SERVICE_UNREACHABLE; the
 * service's refusals keep their codes. Only requests that are safe to repeat are retried here.
 */
export class ServiceClient {
  readonly baseUrl: URL;
  private token: string | null = null;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxAnswerBytes: number;
  private readonly transport: Transport;

  constructor(options: ServiceClientOptions) {
    this.baseUrl = checkServiceUrl(options.baseUrl);
    this.transport = new Transport(trustedCas(options.trust));
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retries = options.retries ?? 2;
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  }

  get loggedIn(): boolean {
    return this.token !== null;
  }

  async login(account: string, password: string): Promise<LoginResponse> {
    const answer = await this.request('POST', '/api/session', LoginResponse, { account, password }, { retry: false });
    this.token = answer.token;
    return answer;
  }

  /** 憑證卡登入, step 1: a challenge for the card (issuing another is harmless, so retried). */
  cardLoginChallenge() {
    return this.request('POST', '/api/session/card-challenge', CardChallengeResponse, undefined, { retry: true });
  }

  /** 憑證卡登入, step 2: the card's statement over that challenge. */
  async cardLogin(body: CardLoginRequest): Promise<LoginResponse> {
    const answer = await this.request('POST', '/api/session/card', LoginResponse, body, { retry: false });
    this.token = answer.token;
    return answer;
  }

  cards() {
    return this.request('GET', '/api/cards', CardList);
  }
  registerCardChallenge() {
    return this.request('POST', '/api/cards/challenge', CardChallengeResponse, undefined, { retry: true });
  }
  registerCard(body: RegisterCardRequest) {
    return this.request('POST', '/api/cards', RegisterCardResponse, body, { retry: false });
  }
  /** 主控台登入核准, step 1: where a code's login request came from, and a card challenge for it. */
  consoleLoginLookup(body: ConsoleLoginLookupRequest) {
    return this.request('POST', CONSOLE_CARD_LOGIN_API.lookup, ConsoleLoginLookup, body, { retry: false });
  }
  /** 主控台登入核准, step 2: the card's statement over that challenge. */
  consoleLoginApprove(body: ConsoleLoginApproveRequest) {
    return this.request('POST', CONSOLE_CARD_LOGIN_API.approve, ConsoleLoginApproved, body, { retry: false });
  }
  retireCard(sha256: string) {
    return this.request('POST', `/api/cards/${encodeURIComponent(sha256)}/retire`, CardRecord, undefined, { retry: true });
  }

  async logout(): Promise<void> {
    if (!this.token) return;
    try {
      await this.request('DELETE', '/api/session', null, undefined, { retry: false });
    } finally {
      this.token = null;
    }
  }

  me() {
    return this.request('GET', '/api/me', UserSummary);
  }
  users() {
    return this.request('GET', '/api/users', UserDirectory);
  }
  documents(query: Partial<Record<keyof InboxQuery, string | number>> = {}) {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return this.request('GET', `/api/documents?${params}`, DocumentList);
  }
  document(id: string) {
    return this.request('GET', `/api/documents/${encodeURIComponent(id)}`, DocumentView);
  }
  /** An attachment's bytes (at most LIMITS.attachmentBytes): the client hashes what it signs over. */
  async attachment(documentId: string, attachmentId: string): Promise<Uint8Array> {
    return (await this.request(
      'GET',
      `/api/documents/${encodeURIComponent(documentId)}/attachments/${encodeURIComponent(attachmentId)}`,
      RAW_BYTES,
    )) as unknown as Uint8Array;
  }
  createDocument(body: CreateDocumentRequest) {
    return this.request('POST', '/api/documents', DocumentView, body, { retry: false });
  }
  /** A signed step. Safe to repeat: the idempotency key makes the service answer as the first time. */
  act(documentId: string, body: ActionRequest) {
    return this.request('POST', `/api/documents/${encodeURIComponent(documentId)}/actions`, ActionResult, body, { retry: true });
  }
  evidence(documentId: string) {
    return this.request('GET', `/api/documents/${encodeURIComponent(documentId)}/evidence`, Evidence);
  }
  tempCertStatus() {
    return this.request('GET', '/api/temp-cert', TempCertStatus);
  }
  applyForTempCert(body: ApplyTempCertRequest) {
    return this.request('POST', '/api/temp-cert/application', TempCertStatus, body, { retry: false });
  }
  enableTempCert(body: EnableTempCertRequest) {
    return this.request('POST', '/api/temp-cert/enable', EnableTempCertResponse, body, { retry: false });
  }
  deleteTempCert(body: DeleteTempCertRequest) {
    return this.request('DELETE', '/api/temp-cert/application', TempCertStatus, body, { retry: false });
  }
  disableTempCert() {
    return this.request('POST', '/api/temp-cert/disable', TempCertStatus, undefined, { retry: false });
  }
  /** The agency's policy (an older service has none: the caller takes the defaults). */
  policy() {
    return this.request('GET', '/api/policy', AgencyPolicy);
  }
  renewTempCert(body: RenewTempCertRequest) {
    return this.request('POST', '/api/temp-cert/renew', EnableTempCertResponse, body, { retry: false });
  }
  tempCertApprovals() {
    return this.request('GET', '/api/temp-cert/approvals', TempCertApprovalsList);
  }
  decideTempCert(body: DecideTempCertRequest) {
    return this.request('POST', '/api/temp-cert/approvals', TempCertApprovalsList, body, { retry: false });
  }
  pendingResign(page: { limit?: number; after?: string } = {}) {
    const params = new URLSearchParams(
      Object.entries(page)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    );
    return this.request('GET', `/api/resign/pending?${params}`, PendingResignList);
  }
  /** Re-signing a step twice is harmless (the service reports it already re-signed), so retrying is safe. */
  resign(body: ResignRequest) {
    return this.request('POST', '/api/resign', ResignResponse, body, { retry: true });
  }
  /** IFT940 代為補簽's list: steps of people I may re-sign for now, due on behalf. */
  pendingOnBehalf(page: { limit?: number; after?: string } = {}) {
    const params = new URLSearchParams(
      Object.entries(page)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    );
    return this.request('GET', `/api/resign/on-behalf/pending?${params}`, OnBehalfPendingList);
  }
  /** As `resign`: a retried chunk is answered as already re-signed by me, so retrying is safe. */
  resignOnBehalf(body: OnBehalfResignRequest) {
    return this.request('POST', '/api/resign/on-behalf', ResignResponse, body, { retry: true });
  }

  /** Pending 補簽 and a unit head's overdue count, as at login. */
  reminders() {
    return this.request('GET', '/api/reminders', Reminders);
  }
  deputies() {
    return this.request('GET', '/api/deputies', DeputyList);
  }
  nameDeputy(body: NameDeputyRequest) {
    return this.request('POST', '/api/deputies', Deputy, body, { retry: false });
  }
  withdrawDeputy(id: string) {
    return this.request('DELETE', `/api/deputies/${encodeURIComponent(id)}`, null, undefined, { retry: false });
  }

  private async request<S extends ZodType | null | typeof RAW_BYTES>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    body?: unknown,
    options: { retry?: boolean } = {},
  ): Promise<S extends ZodType ? z.output<S> : void> {
    const retry = options.retry ?? method === 'GET';
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, schema, body);
      } catch (error) {
        const transient = error instanceof GongwenError && error.code === 'SERVICE_UNREACHABLE';
        if (!retry || !transient || attempt >= this.retries) throw error;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private async once<S extends ZodType | null | typeof RAW_BYTES>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
  ): Promise<S extends ZodType ? z.output<S> : void> {
    // A timer cleared when the answer is read, not AbortSignal.timeout: that one keeps the request
    // (body and all) reachable for the whole timeout, which a 補簽 batch of thousands would feel.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('The service did not answer in time', 'TimeoutError')), this.timeoutMs);
    try {
      return await this.answer(method, path, schema, body, abort.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async answer<S extends ZodType | null | typeof RAW_BYTES>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
    signal: AbortSignal,
  ): Promise<S extends ZodType ? z.output<S> : void> {
    // Refusals of the connection itself arrive as SERVICE_UNREACHABLE or SERVICE_CERT_UNTRUSTED.
    // Redirects are never followed: one could lead the clerk's token and signatures to plain http
    // or another host, past the rules checkServiceUrl holds the configured address to.
    const response = await this.transport.send(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        'accept-language': 'zh-TW',
      },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new GongwenError('SERVICE_ANSWER_INVALID', `HTTP ${response.status}: redirects are not followed`);
    }
    const bytes = await readCapped(response, schema === RAW_BYTES && response.ok ? LIMITS.attachmentBytes : this.maxAnswerBytes);
    if (schema === RAW_BYTES && response.ok) return bytes as never;
    const text = new TextDecoder().decode(bytes);
    // 502, 503, 504: a proxy in front of a service that is down or restarting.
    if (response.status > 500) throw new GongwenError('SERVICE_UNREACHABLE', `HTTP ${response.status}`);
    if (!response.ok) {
      const refusal = parseJson(text) as { code?: unknown; detail?: unknown } | undefined;
      if (isErrorCode(refusal?.code)) throw new GongwenError(refusal.code, typeof refusal.detail === 'string' ? refusal.detail : undefined);
      if (response.status === 429) throw new GongwenError('RATE_LIMITED');
      throw new GongwenError(response.status >= 500 ? 'SERVICE_UNREACHABLE' : 'SERVICE_ANSWER_INVALID', `HTTP ${response.status}`);
    }
    if (schema === null) return undefined as never;
    const parsed = (schema as ZodType).safeParse(parseJson(text));
    if (!parsed.success) throw new GongwenError('SERVICE_ANSWER_INVALID', parsed.error.issues[0]?.message);
    return parsed.data as never;
  }
}

/**
 * The answer's bytes, at most `max`: refused at once by its content-length, and cut off while
 * streaming when it has none or lies. SERVICE_ANSWER_TOO_LARGE is not retried.
 */
async function readCapped(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => {});
    throw new GongwenError('SERVICE_ANSWER_TOO_LARGE', `${declared} bytes`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > max) {
        await reader.cancel().catch(() => {});
        throw new GongwenError('SERVICE_ANSWER_TOO_LARGE', `more than ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof GongwenError) throw error;
    throw new GongwenError('SERVICE_UNREACHABLE', error instanceof Error ? error.message : undefined);
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
