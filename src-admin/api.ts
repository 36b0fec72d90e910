import { z } from 'zod';
import { CSRF_HEADER } from '../src-shared/common/api/admin';
import { messageOf } from '../src-shared/common/errors';

/** A refusal of the service as the console shows it: the catalogue's code and its sentence. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: string,
  ) {
    super(detail ? `${message}（${detail}）` : message);
  }
}

/** For answers the page does not read (logout, a deletion). */
export const AnyAnswer = z.unknown();

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The console's one way to the service (/admin/api, src-shared/common/api/admin.ts): the session
 * is the HttpOnly cookie the browser sends by itself; every change carries the session's CSRF
 * token; every refusal becomes a ConsoleError with the catalogue's sentence in the page's language.
 */
export class AdminApi {
  private csrfToken = '';

  constructor(
    private readonly language: () => 'zh-TW' | 'en',
    /** Called when the service no longer knows the session (expired, logged out elsewhere). */
    private readonly onSessionEnded: () => void,
  ) {}

  setCsrfToken(token: string): void {
    this.csrfToken = token;
  }

  get<S extends z.ZodType>(path: string, schema: S, query: Query = {}): Promise<z.output<S>> {
    return this.request('GET', withQuery(path, query), schema);
  }

  /** A change: POST or DELETE, with the CSRF token. */
  change<S extends z.ZodType>(method: 'POST' | 'DELETE', path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    return this.request(method, path, schema, body);
  }

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const headers: Record<string, string> = { accept: 'application/json', 'accept-language': this.language() };
    if (method !== 'GET') headers[CSRF_HEADER] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ConsoleError('SERVICE_UNREACHABLE', messageOf('SERVICE_UNREACHABLE', this.language()));
    }
    const answer: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const refusal = answer as { code?: string; message?: string; detail?: string } | null;
      if (refusal?.code === 'ADMIN_UNAUTHENTICATED' && !path.endsWith('/login')) this.onSessionEnded();
      if (refusal?.code && refusal.message) throw new ConsoleError(refusal.code, refusal.message, refusal.detail);
      throw new ConsoleError('INTERNAL', messageOf('INTERNAL', this.language()));
    }
    return schema.parse(answer);
  }
}

/** The path with its query; empty and undefined filters are left out, so the service's defaults apply. */
export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
