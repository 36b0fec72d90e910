import { createPrivateKey, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CardPurpose } from '../../src-shared/common/api/cards.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { createUser, registerCardCertificate } from '../../src-server/accounts/users.js';
import { verifyAuditChain } from '../../src-server/audit/audit-log.js';
import { cardProof, makeCardIssuer, type CardIssuer, type IssuedCard } from '../helpers/card-generations.js';
import { databaseKinds } from '../helpers/databases.js';
import { Clerk, call, startTestService, type TestService } from '../helpers/service.js';

/** The host the requests below are addressed to: what the card statement names as the service. */
const HOST = 'gongwen.agency.test';

/**
 * 憑證卡登入 and 註冊新憑證卡 on the service: one-time challenges, the card statement, the
 * registration and retirement rules, each refusal with its own code and audited.
 */
describe.each(databaseKinds())('card login and card replacement on %s', (kind) => {
  let service: TestService;
  let issuer: CardIssuer;
  let foreignIssuer: CardIssuer;
  let chenOld: IssuedCard;
  let chenNew: IssuedCard;
  let chenNamesake: IssuedCard;
  let chenUntrusted: IssuedCard;
  let wang: IssuedCard;
  let gca: CardIssuer;

  const post = (url: string, payload?: unknown, token?: string, host = HOST) =>
    call(service, { method: 'POST', url, payload: payload as never, headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const now = () => service.ctx.now();

  async function challenge(purpose: CardPurpose, token?: string): Promise<string> {
    const r = await post(purpose === 'login' ? '/api/session/card-challenge' : '/api/cards/challenge', undefined, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.challenge as string;
  }

  async function cardLogin(card: IssuedCard, account: string, options: { challenge?: string; purpose?: CardPurpose; host?: string } = {}) {
    const c = options.challenge ?? (await challenge('login'));
    const proof = cardProof(card, { service: options.host ?? HOST, purpose: options.purpose ?? 'login', account, challenge: c, signedAt: now().toISOString() });
    return post('/api/session/card', { account, ...proof });
  }

  async function register(card: IssuedCard, clerk: Clerk, options: { challenge?: string; purpose?: CardPurpose } = {}) {
    const c = options.challenge ?? (await challenge('register-card', clerk.token));
    const proof = cardProof(card, {
      service: HOST,
      purpose: options.purpose ?? 'register-card',
      account: clerk.account,
      challenge: c,
      signedAt: now().toISOString(),
    });
    return post('/api/cards', proof, clerk.token);
  }

  const signerOf = (card: IssuedCard) => keyObjectSigner(card.der, createPrivateKey(card.keyPem));
  const auditActions = async () => {
    await service.ctx.storage.sealAudit();
    return await service.ctx.storage.db.selectFrom('audit_log').select(['action', 'subject', 'detail']).orderBy('seq').execute();
  };

  beforeAll(async () => {
    issuer = await makeCardIssuer();
    foreignIssuer = await makeCardIssuer('CN=Untrusted Card Root,O=Elsewhere,C=TW');
    gca = await makeCardIssuer('CN=GCA-style Test Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW', { underIntermediate: true });
    service = await startTestService(kind, { extraCardRootsPem: issuer.rootPem + gca.rootPem });
    chenOld = await issuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    chenNew = await issuer.issue({ name: '陳志明', serialNumber: '0001A123', unit: 'planning' });
    chenNamesake = await issuer.issue({ name: '陳志明', serialNumber: '0009Z999' });
    chenUntrusted = await foreignIssuer.issue({ name: '陳志明', serialNumber: '0001A123' });
    wang = await issuer.issue({ name: '王美玲', serialNumber: '0002B555' });
    await registerCardCertificate(service.ctx, 'chen.chiming', chenOld.der);
    await registerCardCertificate(service.ctx, 'wang.meiling', wang.der);
  });
  afterAll(() => service.close());
  // Each test starts with no failures counted (the limit has a test of its own).
  beforeEach(async () => {
    for (const account of ['chen.chiming', 'wang.meiling']) {
      await service.ctx.passwordGuard.clear(`card-login:${account}`);
      await service.ctx.passwordGuard.clear(`card-register:${account}`);
    }
  });

  it('logs in with a registered card: a session like a password login, marked as a card login, audited', async () => {
    const r = await cardLogin(chenOld, 'chen.chiming');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.loginMethod).toBe('card');
    expect(r.body.user.account).toBe('chen.chiming');
    const me = await call(service, { method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${r.body.token}` } });
    expect(me.body.account).toBe('chen.chiming');
    const session = await service.ctx.storage.db
      .selectFrom('sessions')
      .select(['login_method', 'card_sha256'])
      .where('login_method', '=', 'card')
      .executeTakeFirstOrThrow();
    expect(session.card_sha256).toMatch(/^[0-9a-f]{64}$/);
    const last = (await auditActions()).at(-1)!;
    expect(last.action).toBe('session.login');
    expect(JSON.parse(last.detail)).toEqual({ method: 'card', card: session.card_sha256 });
    // A password login still says nothing more than it did.
    const password = await post('/api/session', { account: 'chen.chiming', password: 'gongwen-demo' });
    expect(password.body.loginMethod).toBe('password');
  });

  it('a card session sends a card-signed step without the password', async () => {
    const r = await cardLogin(chenOld, 'chen.chiming');
    const clerk = new Clerk(service, 'chen.chiming', r.body.token);
    const doc = await clerk.createDocument('憑證卡登入後送出');
    const sent = await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', signerOf(chenOld));
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  });

  it('refuses a replayed challenge, an expired one and one it never issued, each with its own code', async () => {
    const c = await challenge('login');
    expect((await cardLogin(chenOld, 'chen.chiming', { challenge: c })).status).toBe(200);
    const replay = await cardLogin(chenOld, 'chen.chiming', { challenge: c });
    expect([replay.status, replay.body.code]).toEqual([409, 'CARD_CHALLENGE_USED']);

    const late = await challenge('login');
    service.clock.offsetMs += 121_000;
    try {
      const expired = await cardLogin(chenOld, 'chen.chiming', { challenge: late });
      expect([expired.status, expired.body.code]).toEqual([409, 'CARD_CHALLENGE_EXPIRED']);
    } finally {
      service.clock.offsetMs -= 121_000;
    }
    const unknown = await cardLogin(chenOld, 'chen.chiming', { challenge: randomBytes(32).toString('base64url') });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'CARD_CHALLENGE_UNKNOWN']);
  });

  it('a challenge is one instance’s as much as another’s: issued by one, spent once across both', async () => {
    const twin = await service.twin();
    const c = await challenge('login');
    const proof = cardProof(chenOld, { service: HOST, purpose: 'login', account: 'chen.chiming', challenge: c, signedAt: now().toISOString() });
    const onTwin = await twin.inject({ method: 'POST', url: '/api/session/card', payload: { account: 'chen.chiming', ...proof }, headers: { host: HOST } });
    expect(onTwin.statusCode).toBe(200);
    const again = await post('/api/session/card', { account: 'chen.chiming', ...proof });
    expect(again.body.code).toBe('CARD_CHALLENGE_USED');
  });

  it('a statement signed for another purpose or another service does not log in', async () => {
    const otherPurpose = await cardLogin(chenOld, 'chen.chiming', { purpose: 'register-card' });
    expect(otherPurpose.body.code).toBe('SIGNATURE_INVALID');
    const otherService = await cardLogin(chenOld, 'chen.chiming', { host: 'phishing.example' });
    expect(otherService.body.code).toBe('SIGNATURE_INVALID');
  });

  it('refuses an unregistered card, someone else’s card, an untrusted one and a temp certificate', async () => {
    const unregistered = await cardLogin(chenNamesake, 'chen.chiming');
    expect([unregistered.status, unregistered.body.code]).toEqual([400, 'CERT_NOT_REGISTERED']);
    const another = await cardLogin(wang, 'chen.chiming');
    expect([another.status, another.body.code]).toEqual([403, 'CARD_OF_ANOTHER_USER']);
    const nobody = await cardLogin(chenNamesake, 'no.such.person');
    expect(nobody.body.code).toBe('CERT_NOT_REGISTERED');
    const untrusted = await cardLogin(chenUntrusted, 'chen.chiming');
    expect(untrusted.body.code).toBe('CERT_UNTRUSTED');
    const refused = (await auditActions()).filter((a) => a.action === 'session.card-login-refused').map((a) => JSON.parse(a.detail).code);
    expect(refused).toEqual(expect.arrayContaining(['CERT_NOT_REGISTERED', 'CARD_OF_ANOTHER_USER', 'CERT_UNTRUSTED', 'CARD_CHALLENGE_USED']));
  });

  it('counts failed card logins per account like wrong passwords: the sixth is refused, even with a good card', async () => {
    for (let i = 0; i < 5; i++) expect((await cardLogin(wang, 'lin.shufen')).body.code).toBe('CARD_OF_ANOTHER_USER');
    const limited = await cardLogin(wang, 'lin.shufen');
    expect([limited.status, limited.body.code]).toEqual([429, 'CARD_LOGIN_RATE_LIMITED']);
    // The password is a separate count.
    expect((await post('/api/session', { account: 'lin.shufen', password: 'gongwen-demo' })).status).toBe(200);
  });

  it('registers a replacement card naming the same person; refuses another person, an untrusted root and someone else’s card', async () => {
    const chen = await Clerk.login(service, 'chen.chiming');
    const namesake = await register(chenNamesake, chen);
    expect([namesake.status, namesake.body.code]).toEqual([403, 'CARD_NOT_SAME_PERSON']);
    const untrusted = await register(chenUntrusted, chen);
    expect(untrusted.body.code).toBe('CERT_UNTRUSTED');
    const wangs = await register(wang, chen);
    expect(wangs.body.code).toBe('CARD_OF_ANOTHER_USER');
    const loginChallenge = await register(chenNew, chen, { challenge: await challenge('login') });
    expect(loginChallenge.body.code).toBe('CARD_CHALLENGE_UNKNOWN');
    const wangClerk = await Clerk.login(service, 'wang.meiling');
    const othersChallenge = await register(chenNew, chen, { challenge: await challenge('register-card', wangClerk.token) });
    expect(othersChallenge.body.code).toBe('CARD_CHALLENGE_UNKNOWN');
    await service.ctx.passwordGuard.clear('card-register:chen.chiming'); // five refusals so far: the limit has its own test
    const loginStatement = await register(chenNew, chen, { purpose: 'login' });
    expect(loginStatement.body.code).toBe('SIGNATURE_INVALID');

    const good = await register(chenNew, chen);
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body).toMatchObject({ alreadyRegistered: false, card: { holder: '陳志明', serialNumber: '0001A123', state: 'active' } });
    expect((await register(chenNew, chen)).body.alreadyRegistered).toBe(true);
    const list = await chen.call('GET', '/api/cards');
    expect(list.body.cards.filter((c: { serialNumber: string | null }) => c.serialNumber === '0001A123')).toHaveLength(2);
    expect((await cardLogin(chenNew, 'chen.chiming')).status).toBe(200);
    const audit = await auditActions();
    expect(audit.filter((a) => a.action === 'card.register').at(-1)).toMatchObject({ subject: 'chen.chiming' });
    expect(audit.filter((a) => a.action === 'card.register-refused').map((a) => JSON.parse(a.detail).code)).toEqual(
      expect.arrayContaining(['CARD_NOT_SAME_PERSON', 'CERT_UNTRUSTED', 'CARD_OF_ANOTHER_USER']),
    );
  });

  it('registers a GCA-style replacement that offers no intermediate, through the CA its old card was registered with', async () => {
    const old = await gca.issue({ name: '黃國偉', serialNumber: '0005E222' });
    const replacement = await gca.issue({ name: '黃國偉', serialNumber: '0005E222' });
    await registerCardCertificate(service.ctx, 'huang.kuowei', old.der, [gca.intermediateDer!]);
    const huang = await Clerk.login(service, 'huang.kuowei');
    // A card offers only its own certificate: no intermediate in the request.
    const r = await register(replacement, huang);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await cardLogin(replacement, 'huang.kuowei')).status).toBe(200);
  });

  it('a person with no card on record cannot register one: the administrator registers the first', async () => {
    await createUser(service.ctx, { account: 'new.clerk', name: '新進人員', unitId: 'ict', title: '科員', password: 'gongwen-demo-new-clerk' });
    const clerk = await Clerk.login(service, 'new.clerk', 'gongwen-demo-new-clerk');
    const card = await issuer.issue({ name: '新進人員', serialNumber: '0003C777' });
    expect((await register(card, clerk)).body.code).toBe('CARD_NONE_REGISTERED');
    // A demo card (no serialNumber in its subject) names nobody the rule can match.
    const yeh = await Clerk.login(service, 'yeh.yenchih');
    expect((await register(await issuer.issue({ name: '葉彥志', serialNumber: '0004D888' }), yeh)).body.code).toBe('CARD_NOT_SAME_PERSON');
  });

  it('retires the old card: it logs in and signs no more, what it signed still verifies, its row stays', async () => {
    const chen = await Clerk.login(service, 'chen.chiming');
    const doc = await chen.createDocument('停用前以舊卡簽核');
    expect((await chen.act(doc.id, '送請簽核', 'yeh.yenchih', signerOf(chenOld))).status).toBe(200);
    const oldSha = (await service.ctx.storage.db.selectFrom('card_certificates').select('sha256').where('der', '=', chenOld.der).executeTakeFirstOrThrow())
      .sha256;
    const wangClerk = await Clerk.login(service, 'wang.meiling');
    expect((await wangClerk.call('POST', `/api/cards/${oldSha}/retire`)).body.code).toBe('CARD_UNKNOWN');
    const retired = await chen.call('POST', `/api/cards/${oldSha}/retire`);
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    expect(retired.body.state).toBe('retired');
    expect((await chen.call('POST', `/api/cards/${oldSha}/retire`)).body.state).toBe('retired');

    const login = await cardLogin(chenOld, 'chen.chiming');
    expect([login.status, login.body.code]).toEqual([403, 'CARD_RETIRED']);
    const doc2 = await chen.createDocument('停用後以舊卡簽核');
    const send = await chen.act(doc2.id, '送請簽核', 'yeh.yenchih', signerOf(chenOld));
    expect(send.body.code).toBe('CARD_RETIRED');
    const withNew = await chen.act(doc2.id, '送請簽核', 'yeh.yenchih', signerOf(chenNew));
    expect(withNew.status, JSON.stringify(withNew.body)).toBe(200);
    const evidence = await chen.call('GET', `/api/documents/${doc.id}/evidence`);
    expect(evidence.status, JSON.stringify(evidence.body).slice(0, 300)).toBe(200);
    expect(
      (await service.ctx.storage.db.selectFrom('card_certificates').select('retired_by').where('sha256', '=', oldSha).executeTakeFirstOrThrow()).retired_by,
    ).toBe('chen.chiming');
    await service.ctx.storage.sealAudit();
    expect((await verifyAuditChain(service.ctx.storage.db)).ok).toBe(true);
  });
});
