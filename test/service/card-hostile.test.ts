import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode, messageOf } from '../../src-shared/common/errors.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { cardProof, makeCardIssuer, type IssuedCard } from '../helpers/card-generations.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

const HOST = 'gongwen.agency.test';

/**
 * Hostile requests to the card-login and card-registration routes: each gets its documented
 * status, code and the catalogue's sentence, and changes nothing but the audit log, which gains
 * exactly one entry naming the refusal when the request got as far as the card checks (a request
 * the schema refuses leaves no trace at all). The challenge it spent is the one other change.
 */
interface Case {
  name: string;
  expect: [number, string];
  request: () => Promise<InjectOptions>;
  /** The refusal is audited (it passed the schema). */
  audited?: boolean;
}

describe.each(databaseKinds())('hostile card requests on %s', (kind) => {
  let service: TestService;
  let chen: Clerk;
  let wang: Clerk;
  let card: IssuedCard;
  let wangCard: IssuedCard;
  const cases: Case[] = [];
  const auth = (clerk: Clerk) => ({ authorization: `Bearer ${clerk.token}`, host: HOST });
  const challenge = async (url = '/api/session/card-challenge', clerk?: Clerk) =>
    (await call(service, { method: 'POST', url, headers: clerk ? auth(clerk) : { host: HOST } })).body.challenge as string;
  const login = async (override: Record<string, unknown> = {}, account = 'chen.chiming', headers: Record<string, string> = { host: HOST }) => {
    const proof = cardProof(card, { service: HOST, purpose: 'login', account, challenge: await challenge(), signedAt: service.ctx.now().toISOString() });
    return { method: 'POST' as const, url: '/api/session/card', payload: { account, ...proof, ...override }, headers };
  };

  beforeAll(async () => {
    const issuer = await makeCardIssuer();
    service = await startTestService(kind, { extraCardRootsPem: issuer.rootPem });
    card = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    wangCard = await issuer.issue({ name: '王美玲', serialNumber: '0002B555' });
    await registerCardCertificate(service.ctx, 'chen.chiming', card.der);
    await registerCardCertificate(service.ctx, 'wang.meiling', wangCard.der);
    chen = await Clerk.login(service, 'chen.chiming');
    wang = await Clerk.login(service, 'wang.meiling');
    const wangSha = (await wang.call('GET', '/api/cards')).body.cards.find((c: { serialNumber: string | null }) => c.serialNumber === '0002B555')
      .sha256 as string;
    const b64 = (n: number) => randomBytes(n).toString('base64');
    const register = async (override: Record<string, unknown> = {}) => {
      const proof = cardProof(card, {
        service: HOST,
        purpose: 'register-card',
        account: 'chen.chiming',
        challenge: await challenge('/api/cards/challenge', chen),
        signedAt: service.ctx.now().toISOString(),
      });
      return { method: 'POST' as const, url: '/api/cards', payload: { ...proof, ...override }, headers: auth(chen) };
    };

    cases.push(
      { name: 'card login: an empty body', expect: [400, 'VALIDATION_FAILED'], request: async () => ({ ...(await login()), payload: {} }) },
      { name: 'card login: an extra field', expect: [400, 'VALIDATION_FAILED'], request: () => login({ purpose: 'register-card' }) },
      { name: 'card login: an account with SQL in it', expect: [400, 'VALIDATION_FAILED'], request: () => login({ account: "chen' OR '1'='1" }) },
      { name: 'card login: a challenge of the wrong length', expect: [400, 'VALIDATION_FAILED'], request: () => login({ challenge: 'abc' }) },
      {
        name: 'card login: a challenge with a slash and padding',
        expect: [400, 'VALIDATION_FAILED'],
        request: () => login({ challenge: `${'A'.repeat(41)}/=` }),
      },
      { name: 'card login: a certificate that is not base64', expect: [400, 'VALIDATION_FAILED'], request: () => login({ certificate: '!!!!' }) },
      { name: 'card login: a 17 KiB certificate', expect: [413, 'PAYLOAD_TOO_LARGE'], request: () => login({ certificate: b64(17 * 1024) }) },
      { name: 'card login: five intermediates', expect: [400, 'VALIDATION_FAILED'], request: () => login({ intermediates: Array(5).fill(b64(30)) }) },
      { name: 'card login: signedAt not an instant', expect: [400, 'VALIDATION_FAILED'], request: () => login({ signedAt: 'yesterday' }) },
      {
        name: 'card login: an array as the body',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ ...(await login()), payload: [] }),
      },
      { name: 'card login: random bytes as the certificate', expect: [400, 'CERT_MALFORMED'], audited: true, request: () => login({ certificate: b64(600) }) },
      { name: 'card login: an empty signature', expect: [400, 'SIGNATURE_INVALID'], audited: true, request: () => login({ signature: '' }) },
      { name: 'card login: random bytes as the signature', expect: [400, 'SIGNATURE_INVALID'], audited: true, request: () => login({ signature: b64(256) }) },
      {
        name: 'card login: another card’s certificate beside this card’s signature',
        expect: [400, 'SIGNATURE_INVALID'],
        audited: true,
        request: () => login({ certificate: Buffer.from(wangCard.der).toString('base64') }),
      },
      {
        name: 'card login: signed a year ago',
        expect: [400, 'SIGNING_TIME_INVALID'],
        audited: true,
        request: () => login({ signedAt: new Date(Date.now() - 365 * 864e5).toISOString() }),
      },
      {
        name: 'card login: a Host header a statement cannot name',
        expect: [400, 'SIGNATURE_INVALID'],
        audited: true,
        request: () => login({}, 'chen.chiming', { host: 'gongwen agency' }),
      },
      {
        name: 'card login: a register-card challenge',
        expect: [400, 'CARD_CHALLENGE_UNKNOWN'],
        audited: true,
        request: () =>
          login({ challenge: '' }).then(async (r) => ({
            ...r,
            payload: { ...(r.payload as object), challenge: await challenge('/api/cards/challenge', chen) },
          })),
      },
      {
        name: 'card challenge: a 17 KiB body',
        expect: [413, 'PAYLOAD_TOO_LARGE'],
        request: async () => ({ method: 'POST', url: '/api/session/card-challenge', payload: { x: 'a'.repeat(17 * 1024) }, headers: { host: HOST } }),
      },
      {
        name: 'registration challenge: no session',
        expect: [401, 'UNAUTHENTICATED'],
        request: async () => ({ method: 'POST', url: '/api/cards/challenge', headers: { host: HOST } }),
      },
      { name: 'register a card: no session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ ...(await register()), headers: { host: HOST } }) },
      { name: 'register a card: naming another account', expect: [400, 'VALIDATION_FAILED'], request: () => register({ account: 'wang.meiling' }) },
      { name: 'register a card: a huge body', expect: [413, 'PAYLOAD_TOO_LARGE'], request: () => register({ intermediates: Array(4).fill(b64(5000)) }) },
      {
        name: 'register a card: a login challenge',
        expect: [400, 'CARD_CHALLENGE_UNKNOWN'],
        audited: true,
        request: async () => register({ challenge: await challenge() }),
      },
      {
        name: 'register a card: someone else’s registered card',
        expect: [400, 'SIGNATURE_INVALID'],
        audited: true,
        request: () => register({ certificate: Buffer.from(wangCard.der).toString('base64') }),
      },
      { name: 'list cards: no session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ method: 'GET', url: '/api/cards' }) },
      {
        name: 'retire: not a SHA-256',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'POST', url: '/api/cards/..%2f..%2fusers/retire', headers: auth(chen) }),
      },
      {
        name: 'retire: upper-case hex',
        expect: [400, 'VALIDATION_FAILED'],
        request: async () => ({ method: 'POST', url: `/api/cards/${wangSha.toUpperCase()}/retire`, headers: auth(chen) }),
      },
      {
        name: 'retire: someone else’s card',
        expect: [404, 'CARD_UNKNOWN'],
        request: async () => ({ method: 'POST', url: `/api/cards/${wangSha}/retire`, headers: auth(chen) }),
      },
      { name: 'retire: no session', expect: [401, 'UNAUTHENTICATED'], request: async () => ({ method: 'POST', url: `/api/cards/${wangSha}/retire` }) },
    );
  });
  afterAll(() => service.close());

  it('covers every new route with at least twenty-five hostile requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it('answers each with its code and sentence; only the audit log records a refusal the schema let through', async () => {
    const failures: string[] = [];
    const db = service.ctx.storage.db;
    for (const c of cases) {
      for (const account of ['chen.chiming']) {
        await service.ctx.passwordGuard.clear(`card-login:${account}`);
        await service.ctx.passwordGuard.clear(`card-register:${account}`);
      }
      const options = await c.request();
      await service.ctx.storage.sealAudit();
      const auditBefore = (await db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst())?.seq ?? 0;
      const before = (await snapshot(db)).replace(/\naudit_log:[\s\S]*$/, '');
      const r = await call(service, options);
      const after = (await snapshot(db)).replace(/\naudit_log:[\s\S]*$/, '');
      const body = r.body as { code?: string; message?: string };
      if (r.status !== c.expect[0] || body.code !== c.expect[1])
        failures.push(`${c.name}: got ${r.status} ${body.code ?? r.raw.toString().slice(0, 80)}, expected ${c.expect.join(' ')}`);
      else if (!isErrorCode(body.code) || body.message !== messageOf(body.code)) failures.push(`${c.name}: message is not the catalogue's sentence`);
      if (before !== after) failures.push(`${c.name}: a table changed`);
      await service.ctx.storage.sealAudit();
      const added = await db.selectFrom('audit_log').select(['action', 'detail']).where('seq', '>', auditBefore).execute();
      const expected = c.audited ? [c.expect[1]] : [];
      const got = added.map((a) => (a.action.endsWith('-refused') ? (JSON.parse(a.detail) as { code: string }).code : a.action));
      if (JSON.stringify(got) !== JSON.stringify(expected))
        failures.push(`${c.name}: audit gained ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    }
    expect(failures).toEqual([]);
  });
});
