import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_API, ADMIN_SESSION_COOKIE } from '../../src-shared/common/api/admin.js';
import type { CardPurpose } from '../../src-shared/common/api/cards.js';
import {
  CONSOLE_CARD_LOGIN_API,
  CONSOLE_CARD_LOGIN_COOKIE,
  type ConsoleCardLoginStarted,
  type ConsoleLoginLookup,
} from '../../src-shared/common/api/console-card-login.js';
import { grantRole, revokeRole } from '../../src-server/admin/roles.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { verifyAuditChain } from '../../src-server/audit/audit-log.js';
import { LIVE_REQUESTS_PER_ADDRESS } from '../../src-server/admin/console-card-logins.js';
import { cardProof, makeCardIssuer, type IssuedCard } from '../helpers/card-generations.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type Reply, type TestService } from '../helpers/service.js';

/** The host the desktop's requests are addressed to: what its card statement names as the service. */
const HOST = 'gongwen.agency.test';

/** A browser at the console's login page: its address and the request cookie the service gave it. */
interface Browser {
  address: string;
  cookie: string;
  started: ConsoleCardLoginStarted;
}

/**
 * 主控台以憑證卡登入 on the service: a browser's login request, approved by the person's card
 * through GongwenDesk, picked up by that browser alone, once, within its time; every refusal with
 * its code, audited, approving nothing.
 */
describe.each(databaseKinds())('console login by card on %s', (kind) => {
  let service: TestService;
  let lin: Clerk; // it-admin by GONGWEN_ADMINISTRATORS
  let huang: Clerk; // 檔案管理, granted below
  let chen: Clerk; // a clerk: no console role
  let linCard: IssuedCard;
  let huangCard: IssuedCard;
  let chenCard: IssuedCard;
  let wangCard: IssuedCard;
  let nextAddress = 1;
  const now = () => service.ctx.now();

  async function start(address = `10.20.0.${nextAddress++}`): Promise<Browser> {
    const r = await service.app.inject({
      method: 'POST',
      url: CONSOLE_CARD_LOGIN_API.start,
      remoteAddress: address,
      headers: { 'user-agent': 'Mozilla/5.0 Chrome/131' },
    });
    expect(r.statusCode, r.body).toBe(200);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return { address, cookie, started: r.json() as ConsoleCardLoginStarted };
  }

  const poll = (browser: Pick<Browser, 'cookie' | 'address'> | null) =>
    call(service, {
      method: 'POST',
      url: CONSOLE_CARD_LOGIN_API.poll,
      remoteAddress: browser?.address ?? '10.99.0.1',
      headers: browser ? { cookie: browser.cookie } : {},
    });

  const desktop = (clerk: Clerk, url: string, payload: unknown, host = HOST) =>
    call(service, { method: 'POST', url, payload: payload as never, headers: { host, authorization: `Bearer ${clerk.token}` } });

  async function lookup(clerk: Clerk, userCode: string): Promise<Reply<any>> {
    return desktop(clerk, CONSOLE_CARD_LOGIN_API.lookup, { userCode });
  }

  function approval(clerk: Clerk, card: IssuedCard, found: ConsoleLoginLookup, options: { purpose?: CardPurpose; host?: string; challenge?: string } = {}) {
    const proof = cardProof(card, {
      service: options.host ?? HOST,
      purpose: options.purpose ?? 'console-login',
      account: clerk.account,
      challenge: options.challenge ?? found.challenge,
      signedAt: now().toISOString(),
    });
    return { userCode: found.userCode, ...proof };
  }

  async function approve(clerk: Clerk, card: IssuedCard, browser: Browser, options: Parameters<typeof approval>[3] = {}) {
    const found = await lookup(clerk, browser.started.userCode);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    return desktop(clerk, CONSOLE_CARD_LOGIN_API.approve, approval(clerk, card, found.body as ConsoleLoginLookup, options));
  }

  const requestRows = () => service.ctx.storage.db.selectFrom('console_card_logins').selectAll().orderBy('browser_sha256').execute();
  const consoleSessions = () => service.ctx.storage.db.selectFrom('admin_sessions').selectAll().orderBy('token_sha256').execute();
  const lastAudit = async (action: string) => {
    await service.ctx.storage.sealAudit();
    return await service.ctx.storage.db
      .selectFrom('audit_log')
      .select(['actor', 'subject', 'detail'])
      .where('action', '=', action)
      .orderBy('seq', 'desc')
      .executeTakeFirst();
  };

  beforeAll(async () => {
    const issuer = await makeCardIssuer();
    service = await startTestService(kind, { config: { administrators: ['lin.shufen'] }, extraCardRootsPem: issuer.rootPem });
    linCard = await issuer.issue({ name: '林淑芬', serialNumber: '0003C777' });
    huangCard = await issuer.issue({ name: '黃國偉', serialNumber: '0004D888' });
    chenCard = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    wangCard = await issuer.issue({ name: '王美玲', serialNumber: '0002B555' });
    await registerCardCertificate(service.ctx, 'lin.shufen', linCard.der);
    await registerCardCertificate(service.ctx, 'huang.kuowei', huangCard.der);
    await registerCardCertificate(service.ctx, 'chen.chiming', chenCard.der);
    await registerCardCertificate(service.ctx, 'wang.meiling', wangCard.der);
    await grantRole(service.ctx, null, 'huang.kuowei', 'records');
    lin = await Clerk.login(service, 'lin.shufen');
    huang = await Clerk.login(service, 'huang.kuowei');
    chen = await Clerk.login(service, 'chen.chiming');
  });
  afterAll(() => service.close());
  beforeEach(async () => {
    for (const account of ['lin.shufen', 'huang.kuowei', 'chen.chiming']) await service.ctx.passwordGuard.clear(`console-card:${account}`);
  });

  it('approves with the card: the browser that asked picks up an HttpOnly, SameSite=Strict console session once, audited with where it came from', async () => {
    const r = await service.app.inject({
      method: 'POST',
      url: CONSOLE_CARD_LOGIN_API.start,
      remoteAddress: '10.30.0.1',
      headers: { 'user-agent': 'Edge\u202E/131' },
    });
    const requestCookie = String(r.headers['set-cookie']);
    expect(requestCookie).toMatch(new RegExp(`^${CONSOLE_CARD_LOGIN_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(requestCookie).toContain('HttpOnly');
    expect(requestCookie).toContain('SameSite=Strict');
    expect(requestCookie).toContain(`Path=${CONSOLE_CARD_LOGIN_API.start}`);
    const started = r.json() as ConsoleCardLoginStarted;
    expect(started.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started).toMatchObject({ fromAddress: '10.30.0.1', fromAgent: 'Edge/131', intervalSeconds: 2 });
    const browser: Browser = { address: '10.30.0.1', cookie: requestCookie.split(';')[0]!, started };

    const pending = await poll(browser);
    expect(pending.body).toMatchObject({ state: 'pending', expiresAt: started.expiresAt });

    // The desktop sees where the request came from; a code typed in lower case with spaces is the same code.
    const found = await lookup(lin, ` ${started.userCode.toLowerCase().replace('-', ' ')} `);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body).toMatchObject({ userCode: started.userCode, fromAddress: '10.30.0.1', fromAgent: 'Edge/131', sameAddress: false });
    const approved = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, approval(lin, linCard, found.body));
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toEqual({ userCode: started.userCode, fromAddress: '10.30.0.1', fromAgent: 'Edge/131' });

    const picked = await service.app.inject({
      method: 'POST',
      url: CONSOLE_CARD_LOGIN_API.poll,
      remoteAddress: '10.30.0.1',
      headers: { cookie: browser.cookie },
    });
    expect(picked.statusCode, picked.body).toBe(200);
    const body = picked.json();
    expect(body.state).toBe('approved');
    expect(body.me).toMatchObject({ account: 'lin.shufen', roles: ['it-admin'] });
    const cookies = ([] as string[]).concat(picked.headers['set-cookie'] as string | string[]);
    const session = cookies.find((c) => c.startsWith(`${ADMIN_SESSION_COOKIE}=`))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\/admin;/);
    // The request's cookie is cleared.
    expect(cookies.find((c) => c.startsWith(`${CONSOLE_CARD_LOGIN_COOKIE}=;`))).toBeDefined();
    const me = await call(service, { method: 'GET', url: ADMIN_API.me, headers: { cookie: session.split(';')[0]! } });
    expect(me.body).toMatchObject({ account: 'lin.shufen', csrfToken: body.me.csrfToken });

    // Once only.
    const again = await poll(browser);
    expect([again.status, again.body.code]).toEqual([409, 'CONSOLE_CARD_LOGIN_USED']);
    expect(again.body.message).toMatch(/已經核准或使用過/);

    const approvedEntry = await lastAudit('session.console-card-login-approved');
    const card = (await requestRows()).find((row) => row.user_code === started.userCode.replace('-', ''))!.card_sha256;
    expect(card).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(approvedEntry!.detail)).toEqual({ card, from: '10.30.0.1', agent: 'Edge/131', approvedFrom: '127.0.0.1' });
    const login = await lastAudit('session.login');
    expect(login!.actor).toBe('lin.shufen');
    expect(JSON.parse(login!.detail)).toEqual({ via: 'console-card', card, from: '10.30.0.1', roles: ['it-admin'] });
    await service.ctx.storage.sealAudit();
    expect((await verifyAuditChain(service.ctx.storage.db)).ok).toBe(true);
  });

  it('is bound to the browser that asked: another browser, no cookie or a made-up cookie gets nothing of it', async () => {
    const asking = await start();
    const other = await start();
    expect((await approve(lin, linCard, asking)).status).toBe(200);
    // The other browser's own request is still pending; the approval was not its.
    expect((await poll(other)).body).toMatchObject({ state: 'pending' });
    const none = await poll(null);
    expect([none.status, none.body.code]).toEqual([404, 'CONSOLE_CARD_LOGIN_UNKNOWN']);
    const madeUp = await poll({ address: asking.address, cookie: `${CONSOLE_CARD_LOGIN_COOKIE}=${'A'.repeat(43)}` });
    expect([madeUp.status, madeUp.body.code]).toEqual([404, 'CONSOLE_CARD_LOGIN_UNKNOWN']);
    // Only the asking browser, even from another address (a laptop changing networks), gets the session.
    const picked = await poll({ address: '10.99.9.9', cookie: asking.cookie });
    expect(picked.body).toMatchObject({ state: 'approved', me: { account: 'lin.shufen' } });
  });

  it('refuses an expired request at lookup, at approval and at pick-up, changing nothing', async () => {
    const late = await start();
    service.clock.offsetMs += 121_000;
    try {
      const found = await lookup(lin, late.started.userCode);
      expect([found.status, found.body.code]).toEqual([409, 'CONSOLE_CARD_LOGIN_EXPIRED']);
      expect(found.body.message).toMatch(/已逾時/);
      expect((await poll(late)).body.code).toBe('CONSOLE_CARD_LOGIN_EXPIRED');
    } finally {
      service.clock.offsetMs -= 121_000;
    }
    // Looked up in time, signed too late.
    const slow = await start();
    const found = await lookup(lin, slow.started.userCode);
    expect(found.status).toBe(200);
    const rows = await requestRows();
    const sessions = await consoleSessions();
    service.clock.offsetMs += 121_000;
    try {
      const r = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, approval(lin, linCard, found.body));
      expect([r.status, r.body.code]).toEqual([409, 'CONSOLE_CARD_LOGIN_EXPIRED']);
    } finally {
      service.clock.offsetMs -= 121_000;
    }
    expect(await requestRows()).toEqual(rows);
    expect(await consoleSessions()).toEqual(sessions);
    expect(JSON.parse((await lastAudit('session.console-card-login-refused'))!.detail)).toEqual({ code: 'CONSOLE_CARD_LOGIN_EXPIRED', address: '127.0.0.1' });
  });

  it('an approval is used once: a second approval, a replayed challenge on another request, a stale lookup are refused', async () => {
    const first = await start();
    const found = await lookup(lin, first.started.userCode);
    const proof = approval(lin, linCard, found.body);
    expect((await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, proof)).status).toBe(200);
    const twice = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, proof);
    expect([twice.status, twice.body.code]).toEqual([409, 'CONSOLE_CARD_LOGIN_USED']);
    const relook = await lookup(lin, first.started.userCode);
    expect(relook.body.code).toBe('CONSOLE_CARD_LOGIN_USED');

    // The first request's signed challenge on a second request: not that request's challenge.
    const second = await start();
    expect((await lookup(lin, second.started.userCode)).status).toBe(200);
    const replay = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, { ...proof, userCode: second.started.userCode });
    expect([replay.status, replay.body.code]).toEqual([400, 'CARD_CHALLENGE_UNKNOWN']);
    // A second lookup replaces the first's challenge: the first one approves nothing.
    const stale = await lookup(lin, second.started.userCode);
    await lookup(lin, second.started.userCode);
    const old = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, approval(lin, linCard, stale.body));
    expect(old.body.code).toBe('CARD_CHALLENGE_UNKNOWN');
    expect((await poll(second)).body).toMatchObject({ state: 'pending' });
  });

  it('refuses the wrong person: a clerk without a console role, another person’s card, a role revoked before pick-up', async () => {
    const browser = await start();
    const clerk = await lookup(chen, browser.started.userCode);
    expect([clerk.status, clerk.body.code]).toEqual([403, 'ADMIN_ROLE_REQUIRED']);
    expect(clerk.body.message).toMatch(/系統管理者/);

    // lin approves with wang's card (registered to wang): refused, nothing approved.
    const found = await lookup(lin, browser.started.userCode);
    const foreign = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, approval(lin, wangCard, found.body));
    expect([foreign.status, foreign.body.code]).toEqual([403, 'CARD_OF_ANOTHER_USER']);
    const row = (await requestRows()).find((r) => r.user_code === browser.started.userCode.replace('-', ''))!;
    expect([row.approved_by, row.approved_at, row.card_sha256]).toEqual([null, null, null]);
    expect((await poll(browser)).body).toMatchObject({ state: 'pending' });

    // huang (檔案管理) approves; the role is revoked before the browser picks up: no session.
    expect((await approve(huang, huangCard, browser)).status).toBe(200);
    await revokeRole(service.ctx, null, 'huang.kuowei', 'records');
    try {
      const sessions = await consoleSessions();
      const refused = await poll(browser);
      expect([refused.status, refused.body.code]).toEqual([403, 'ADMIN_ROLE_REQUIRED']);
      expect(await consoleSessions()).toEqual(sessions);
    } finally {
      await grantRole(service.ctx, null, 'huang.kuowei', 'records');
    }
    expect((await poll(browser)).body).toMatchObject({ state: 'approved', me: { account: 'huang.kuowei', roles: ['records'] } });
  });

  it('refuses a bad signature: another purpose, another service, a damaged signature, a card statement made for someone else', async () => {
    const browser = await start();
    const rows = await requestRows();
    const sessions = await consoleSessions();
    for (const options of [{ purpose: 'login' as const }, { host: 'evil.example.test' }]) {
      const r = await approve(lin, linCard, browser, options);
      expect([r.status, r.body.code], JSON.stringify(options)).toEqual([400, 'SIGNATURE_INVALID']);
    }
    const found = await lookup(lin, browser.started.userCode);
    const damaged = approval(lin, linCard, found.body);
    const bytes = Buffer.from(damaged.signature, 'base64');
    bytes[10] = bytes[10]! ^ 0xff;
    const r = await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, { ...damaged, signature: bytes.toString('base64') });
    expect(r.body.code).toBe('SIGNATURE_INVALID');
    // lin's card over a statement naming chen, sent by lin: the statement is rebuilt for lin, so it does not verify.
    const again = await lookup(lin, browser.started.userCode);
    const named = { ...approval(chen, linCard, again.body) };
    expect((await desktop(lin, CONSOLE_CARD_LOGIN_API.approve, named)).body.code).toBe('SIGNATURE_INVALID');
    const after = await requestRows();
    expect(after.map((row) => [row.browser_sha256, row.approved_at, row.used_at])).toEqual(
      rows.map((row) => [row.browser_sha256, row.approved_at, row.used_at]),
    );
    expect(await consoleSessions()).toEqual(sessions);
    expect((await poll(browser)).body).toMatchObject({ state: 'pending' });
  });

  it('holds the per-address limit against fifty requests at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call(service, { method: 'POST', url: CONSOLE_CARD_LOGIN_API.start, remoteAddress: '10.41.0.1' })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIVE_REQUESTS_PER_ADDRESS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50 - LIVE_REQUESTS_PER_ADDRESS);
  });

  it('limits live requests per address and wrong codes per account', async () => {
    for (let i = 0; i < LIVE_REQUESTS_PER_ADDRESS; i++) await start('10.40.0.1');
    const flood = await call(service, { method: 'POST', url: CONSOLE_CARD_LOGIN_API.start, remoteAddress: '10.40.0.1' });
    expect([flood.status, flood.body.code]).toEqual([429, 'CONSOLE_CARD_LOGIN_RATE_LIMITED']);
    expect((await call(service, { method: 'POST', url: CONSOLE_CARD_LOGIN_API.start, remoteAddress: '10.40.0.2' })).status).toBe(200);

    const real = await start();
    for (let i = 0; i < 5; i++) expect((await lookup(lin, 'BBBB-BBBB')).body.code).toBe('CONSOLE_CARD_LOGIN_UNKNOWN');
    const limited = await lookup(lin, real.started.userCode);
    expect([limited.status, limited.body.code]).toEqual([429, 'CARD_LOGIN_RATE_LIMITED']);
    const malformed = await lookup(lin, 'AEIOU');
    expect([malformed.status, malformed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
