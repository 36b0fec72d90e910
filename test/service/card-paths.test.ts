import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { fromPem, toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { makeBadChains, opensslVerifies, recordCardUnchecked, type BadChains, type ChainCase } from '../helpers/bad-chains.js';
import { databaseKinds } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';
import { snapshot } from '../helpers/snapshot.js';

/** Where the signing-certificate profile is stricter than RFC 5280, and so than OpenSSL. */
const STRICTER_THAN_RFC = ['CERT_IS_CA', 'CERT_NOT_FOR_SIGNING'];

/**
 * Card chains wrong in exactly one way (PKITS-style, `bad-chains.ts`), each judged by the service
 * for sending, for 補簽 and for registration, and by `openssl verify -purpose smimesign` beside it.
 */
describe.each(databaseKinds())('card certificate paths (RFC 5280 §6.1 and the signing profile) on %s', (kind) => {
  let service: TestService;
  let chains: BadChains;
  let vendor: Clerk;

  beforeAll(async () => {
    chains = await makeBadChains('公文系統廠商');
    service = await startTestService(kind, { extraCardRootsPem: chains.rootPem });
    vendor = await Clerk.login(service, 'vendor');
    // Each leaf registered to vendor as if registration had let it through (it no longer does, see below):
    // what is judged here is the signature's path, not whether the card is on record.
    for (const c of chains.cases) await recordCardUnchecked(service.ctx.storage.db, 'vendor', c.leaf);
  });
  afterAll(() => service.close());

  /** The service's verdict beside OpenSSL's: they differ only where the profile is stricter than RFC 5280. */
  const agreesWithOpenssl = (c: ChainCase, code: string | null) => {
    const openssl = opensslVerifies(chains.rootPem, c.leaf, c.chain);
    expect(openssl.ok, `${c.name}: openssl said ${openssl.output}`).toBe(c.opensslAccepts);
    if (openssl.ok !== (code === null)) expect(STRICTER_THAN_RFC, c.name).toContain(code);
  };

  it('has every case of the issue and a control for each kind', () => {
    expect(chains.cases.length).toBeGreaterThanOrEqual(18);
    expect(chains.cases.filter((c) => c.code === null).length).toBeGreaterThanOrEqual(4);
  });

  it('sending: refuses each bad chain with its code and changes nothing, accepts each control', async () => {
    const verdicts: string[] = [];
    for (const c of chains.cases) {
      const doc = await vendor.createDocument(`路徑驗證 ${c.name}`);
      const before = await snapshot(service.ctx.storage.db);
      const r = await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', c.signer);
      const code = r.status === 200 ? null : (r.body.code as string);
      verdicts.push(`${c.name}: ${code ?? 'accepted'}`);
      if (c.code !== null) {
        expect(r.status, c.name).toBe(400);
        expect(await snapshot(service.ctx.storage.db), c.name).toEqual(before);
      }
      agreesWithOpenssl(c, code);
    }
    expect(verdicts).toEqual(chains.cases.map((c) => `${c.name}: ${c.code ?? 'accepted'}`));
  });

  it('補簽: refuses a countersignature through each bad chain with its code, accepts each control', async () => {
    const temp = await vendor.enableTempCert();
    const verdicts: string[] = [];
    for (const c of chains.cases) {
      const doc = await vendor.createDocument(`補簽路徑驗證 ${c.name}`);
      expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
      const step = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.find((s) => s.documentId === doc.id)!;
      const r = await vendor.call('POST', '/api/resign', await resignRequest([step], c.signer, '出差返回補簽'));
      // A batch of which nothing applies is refused as a whole with its first reason.
      const code = r.status === 200 ? (r.body.results[0].outcome === 'resigned' ? null : r.body.results[0].code) : r.body.code;
      verdicts.push(`${c.name}: ${code ?? 'accepted'}`);
      const pending = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.some((s) => s.documentId === doc.id);
      expect(pending, c.name).toBe(c.code !== null);
      agreesWithOpenssl(c, code);
    }
    expect(verdicts).toEqual(chains.cases.map((c) => `${c.name}: ${c.code ?? 'accepted'}`));
  });

  it('registration: judges leaf and intermediates as a signature is judged, and the same card twice is a no-op', async () => {
    // Chains of their own: the signing tests' leaves are on record for vendor already.
    const fresh = await makeBadChains('王美玲', chains);
    const verdicts: string[] = [];
    for (const c of fresh.cases) {
      let code: string | null = null;
      try {
        const r = await registerCardCertificate(service.ctx, 'wang.meiling', c.leaf, c.chain);
        expect(r.alreadyRegistered).toBe(false);
        expect(r.keyUsage).toMatch(/digitalSignature|nonRepudiation/);
      } catch (error) {
        code = (error as { code: string }).code;
      }
      verdicts.push(`${c.name}: ${code ?? 'accepted'}`);
    }
    expect(verdicts).toEqual(fresh.cases.map((c) => `${c.name}: ${c.code ?? 'accepted'}`));
    const control = fresh.cases.find((c) => c.code === null)!;
    const before = await snapshot(service.ctx.storage.db);
    const again = await registerCardCertificate(service.ctx, 'wang.meiling', control.leaf, control.chain);
    expect(again.alreadyRegistered).toBe(true);
    expect(await snapshot(service.ctx.storage.db)).toEqual(before);
    // Without its intermediate a card under one does not chain.
    await expect(registerCardCertificate(service.ctx, 'lin.shufen', control.leaf)).rejects.toMatchObject({ code: 'CERT_UNTRUSTED' });

    // A card offers only its own certificate: a signature carrying the leaf alone is completed
    // with the intermediate the card was registered with.
    const wang = await Clerk.login(service, 'wang.meiling');
    const doc = await wang.createDocument('只帶卡片憑證');
    const leafOnly = await wang.act(doc.id, '送請簽核', 'yeh.yenchih', { ...control.signer, chain: [] });
    expect(leafOnly.status, JSON.stringify(leafOnly.body)).toBe(200);
    // A card on record without its intermediates (registered before they were kept) still needs them carried.
    const unkept = chains.cases.find((c) => c.code === null && c.chain.length > 0)!;
    const other = await vendor.createDocument('未登錄中繼憑證');
    const refused = await vendor.act(other.id, '送請簽核', 'yeh.yenchih', { ...unkept.signer, chain: [] });
    expect(refused.body.code).toBe('CERT_UNTRUSTED');
  });

  it('refuses the demo card’s encryption (KEYX) certificate at registration and for signing', async () => {
    const card = (await testPki()).cards['chen.chiming']!;
    const keyx = fromPem(card.keyxCertPem)[0]!;
    await expect(registerCardCertificate(service.ctx, 'chen.chiming', keyx)).rejects.toMatchObject({ code: 'CERT_NOT_FOR_SIGNING' });
    const chen = await Clerk.login(service, 'chen.chiming');
    const doc = await chen.createDocument();
    const keyxSigner = keyObjectSigner(keyx, createPrivateKey(card.keyxKeyPem));
    expect((await chen.act(doc.id, '送請簽核', 'yeh.yenchih', keyxSigner)).body).toMatchObject({ code: 'CERT_NOT_FOR_SIGNING' });
    // Recorded as an older service would have registered it: still refused for signing.
    await recordCardUnchecked(service.ctx.storage.db, 'chen.chiming', keyx);
    const again = await chen.act(doc.id, '送請簽核', 'yeh.yenchih', keyxSigner);
    expect(again.body).toMatchObject({ code: 'CERT_NOT_FOR_SIGNING' });
  });

  it('answers hostile carried certificates with an untrusted signer with a code, not a 500', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const web = {
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        keys.publicKey.export({ type: 'spki', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        true,
        ['verify'],
      ),
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        keys.privateKey.export({ type: 'pkcs8', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        true,
        ['sign'],
      ),
    };
    const stranger = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '0d',
      name: 'CN=Stranger',
      keys: web as never,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    });
    const strangerDer = new Uint8Array(stranger.rawData);
    // A SEQUENCE that is no certificate, and a certificate whose public key node cannot load.
    const notACertificate = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
    const oddKey = Buffer.from(strangerDer);
    const rsaOid = Buffer.from('2a864886f70d010101', 'hex');
    const at = oddKey.indexOf(rsaOid);
    oddKey[at + rsaOid.length - 1] = 0x63; // rsaEncryption → an unknown algorithm under the same arc
    for (const [name, carried] of [
      ['a SEQUENCE that is not a certificate', notACertificate],
      ['a certificate with an unknown key algorithm', new Uint8Array(oddKey)],
    ] as const) {
      const doc = await vendor.createDocument();
      const before = await snapshot(service.ctx.storage.db);
      const r = await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', keyObjectSigner(strangerDer, keys.privateKey, [carried]));
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(['CERT_MALFORMED', 'SIGNATURE_MALFORMED'], `${name}: ${JSON.stringify(r.body)}`).toContain(r.body.code);
      expect(await snapshot(service.ctx.storage.db), name).toEqual(before);
    }
  });
});

describe('register-card (CLI): the card with its intermediate in one PEM', () => {
  const cli = (env: Record<string, string>, ...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: '', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return String((error as { stderr?: string }).stderr);
    }
    throw new Error('the command did not refuse');
  };

  it('registers leaf + intermediate, says so, is a no-op the second time, and refuses KEYX and CA certificates with a sentence', async () => {
    const chains = await makeBadChains('陳志明');
    const pki = await testPki();
    const dir = mkdtempSync(join(tmpdir(), 'gongwen-register-'));
    writeFileSync(join(dir, 'roots.pem'), pki.gcaRootPem + chains.rootPem);
    const env = { GONGWEN_DATA_DIR: dir, GONGWEN_CARD_ROOTS: join(dir, 'roots.pem'), GONGWEN_NEW_PASSWORD: 'a-password-1234' };
    cli(env, 'add-unit', 'ict', '資通建設科');
    cli(env, 'add-user', 'chen.chiming', '陳志明', 'ict', '科員');
    const control = chains.cases.find((c) => c.code === null)!;
    // The intermediate first: the order in the file does not matter.
    writeFileSync(join(dir, 'card.pem'), [...control.chain, control.leaf].map((d) => toPem(d, 'CERTIFICATE')).join(''));
    const first = cli(env, 'register-card', 'chen.chiming', join(dir, 'card.pem'));
    const leaf = new X509Certificate(control.leaf);
    expect(first).toMatch(/^registered to chen\.chiming:/);
    expect(first).toContain(leaf.serialNumber.toLowerCase());
    expect(first).toMatch(/key usage\s+digitalSignature, nonRepudiation/);
    expect(first).toMatch(/valid\s+2020-01-01T00:00:00\.000Z to /);
    expect(first).toContain('陳志明');
    expect(cli(env, 'register-card', 'chen.chiming', join(dir, 'card.pem'))).toMatch(/^already registered to chen\.chiming; nothing changed:/);

    writeFileSync(join(dir, 'keyx.pem'), pki.cards['chen.chiming']!.keyxCertPem);
    expect(refusal(() => cli(env, 'register-card', 'chen.chiming', join(dir, 'keyx.pem')))).toMatch(
      /CERT_NOT_FOR_SIGNING: This certificate’s key usage does not allow signing/,
    );
    writeFileSync(join(dir, 'ca.pem'), toPem(control.chain[0]!, 'CERTIFICATE'));
    expect(refusal(() => cli(env, 'register-card', 'chen.chiming', join(dir, 'ca.pem')))).toMatch(/CERT_IS_CA: This is a certificate authority’s certificate/);
    // The leaf alone (no intermediate) does not chain to a root.
    writeFileSync(join(dir, 'leaf.pem'), toPem(control.leaf, 'CERTIFICATE'));
    expect(refusal(() => cli(env, 'register-card', 'chen.chiming', join(dir, 'leaf.pem')))).toMatch(/CERT_UNTRUSTED/);
  }, 240_000);
});
