import { ADMIN_API, CSRF_HEADER, type AdminMe } from '../../src-shared/common/api/admin.js';
import { call, type Reply, type TestService } from './service.js';

/** A console session: the cookie and the CSRF token its login answered with. */
export class ConsoleUser {
  constructor(
    readonly service: TestService,
    readonly cookie: string,
    readonly csrf: string,
  ) {}

  static async login(service: TestService, account: string, password = 'gongwen-demo'): Promise<ConsoleUser> {
    const r = await service.app.inject({ method: 'POST', url: ADMIN_API.login, payload: { account, password } });
    if (r.statusCode !== 200) throw new Error(`console login ${account}: ${r.body}`);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return new ConsoleUser(service, cookie, (r.json() as AdminMe).csrfToken);
  }

  /** `csrf` null: the change is sent without the token. */
  call<T = any>(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, csrf: string | null = this.csrf): Promise<Reply<T>> {
    const headers: Record<string, string> = { cookie: this.cookie };
    if (csrf !== null && method !== 'GET') headers[CSRF_HEADER] = csrf;
    return call<T>(this.service, { method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  }
}
