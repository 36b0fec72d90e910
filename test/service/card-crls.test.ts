import { X509Certificate, createHash, createPrivateKey, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { fromPem, x509 } from '../../src-shared/node/pki/x509.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { configFromEnvironment } from '../../src-server/service.js';
import { CardRevocation } from '../../src-server/revocation/card-revocation.js';
import { pathCertificateOf, readPathCertificate } from '../../src-server/signatures/path-certificate.js';
import { toPem } from '../../src-shared/node/pki/x509.js';
import { cardCrl, serialOf } from '../helpers/card-crl.js';
import { databaseKinds } from '../helpers/databases.js';
import { pemSigner, testPki } from '../helpers/demo-pki.js';
import { resignRequest } from '../helpers/resign.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const DAY_MS = 24 * 3600 * 1000;
const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/**
 * Revocation of card certificates (issue 19): the test PKI's CRL from a file, and a second
 * source, an http URL served here, whose answers each test sets (down, a newer CRL, a stale or
 * forged one, junk).
 */
describe.each(databaseKinds())('card CRLs on %s', (kind) => {
  let service: TestService;
  let server: Server;
  let served: { status: number; body: Uint8Array } = { status: 503, body: new Uint8Array() };
  let publishedDer: Uint8Array;
  let cardSignedDocument: string;

  beforeAll(async () => {
    const pki = await testPki();
    server = createServer((_req, res) => void res.writeHead(served.status, { 'content-type': 'application/pkix-crl' }).end(served.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gca.crl`;
    const dir = mkdtempSync(join(tmpdir(), 'crl-'));
    writeFileSync(join(dir, 'gca.crl.pem'), pki.gcaRootCrlPem!);
    publishedDer = fromPem(pki.gcaRootCrlPem!.replaceAll('X509 CRL', 'CERTIFICATE'))[0]!;
    // The URL is down at start: the service starts all the same, with the file's CRL.
    service = await startTestService(kind, { config: { cardCrlSources: [join(dir, 'gca.crl.pem'), url] } });
    // The spare card, revoked in the published CRL, registered to its holder.
    await registerCardCertificate(service.ctx, pki.revokedCard!.account, fromPem(pki.revokedCard!.certPem)[0]!);
  });
  afterAll(async () => {
    await service.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const revokedSigner = async () => {
    const { revokedCard } = await testPki();
    return pemSigner(revokedCard!.certPem, revokedCard!.keyPem);
  };

  async function refusedRevokedSend() {
    const { revokedCard } = await testPki();
    const clerk = await Clerk.login(service, revokedCard!.account);
    const doc = await clerk.createDocument('以已廢止的卡傳送');
    return clerk.act(doc.id, '送請簽核', 'yeh.yenchih', await revokedSigner());
  }

  it('kept the published CRL at start, once, by its SHA-256', async () => {
    const rows = await service.ctx.storage.db.selectFrom('card_crls').select(['sha256']).execute();
    expect(rows.map((r) => r.sha256)).toEqual([sha256(publishedDer)]);
  });

  it('refuses a send with a revoked card, naming the serial and the revocation date', async () => {
    const { revokedCard } = await testPki();
    const r = await refusedRevokedSend();
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CERT_REVOKED');
    expect(JSON.stringify(r.body)).toContain(`serial ${revokedCard!.serial.toLowerCase()}`);
    expect(JSON.stringify(r.body)).toContain(`revoked at ${new Date(revokedCard!.revokedAt).toISOString().replace(/\.\d+Z$/, '')}`);
  });

  it('refuses a 補簽 with a revoked card, and accepts one with a good card', async () => {
    const { revokedCard } = await testPki();
    const clerk = await Clerk.login(service, revokedCard!.account);
    const temp = await clerk.enableTempCert();
    const doc = await clerk.createDocument('臨時憑證傳送後以廢止的卡補簽');
    expect((await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);
    const pending = (await clerk.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    const refused = await clerk.call('POST', '/api/resign', await resignRequest(pending, await revokedSigner(), '補簽'));
    // A batch of one is refused as a whole, with the item's code and detail (as the route does for any refusal).
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CERT_REVOKED');
    expect(refused.body.detail).toContain(`serial ${revokedCard!.serial.toLowerCase()}`);

    const resigned = await clerk.call('POST', '/api/resign', await resignRequest(pending, await clerk.card(), '補簽'));
    expect(resigned.body.results[0].outcome).toBe('resigned');
    const relied = await service.ctx.storage.db
      .selectFrom('signature_crls')
      .selectAll()
      .where('step_id', '=', pending[0]!.stepId)
      .where('signer', '=', 'countersignature')
      .execute();
    expect(relied).toMatchObject([{ crl_sha256: sha256(publishedDer), status: 'current' }]);
  });

  it('records per signature the CRL hash the send relied on', async () => {
    const clerk = await Clerk.login(service, 'chen.chiming');
    const doc = await clerk.createDocument('以卡傳送');
    cardSignedDocument = doc.id;
    const sent = await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', await clerk.card());
    expect(sent.status).toBe(200);
    const relied = await service.ctx.storage.db.selectFrom('signature_crls').selectAll().where('step_id', '=', sent.body.step.stepId).execute();
    expect(relied).toMatchObject([{ signer: 'signature', crl_sha256: sha256(publishedDer), status: 'current' }]);
    const kept = await service.ctx.storage.db.selectFrom('card_crls').select('der').where('sha256', '=', relied[0]!.crl_sha256).executeTakeFirstOrThrow();
    expect(sha256(new Uint8Array(kept.der))).toBe(relied[0]!.crl_sha256);
  });

  it("evidence carries the CRL relied on; the README's commands pass with -crl_check, and fail once the card is on the CRL", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'evidence-'));
    await writeEvidence(await buildEvidence(service.ctx, cardSignedDocument), folder);
    const crlFile = `crls/${sha256(publishedDer)}.pem`;
    expect(readFileSync(join(folder, crlFile), 'utf8')).toContain('-----BEGIN X509 CRL-----');
    const readme = readFileSync(join(folder, 'README.txt'), 'utf8');
    const commands = readme
      .split('\n')
      .filter((line) => line.startsWith('$ '))
      .map((line) => line.slice(2));
    const prepare = commands.find((c) => c.startsWith('cat '))!;
    const cms = commands.find((c) => c.startsWith('openssl cms -verify'))!;
    expect(prepare).toBe(`cat trust/card-roots.pem ${crlFile} > step-1.ca-and-crls.pem`);
    expect(cms).toContain('-CAfile step-1.ca-and-crls.pem');
    expect(cms).toMatch(/ -crl_check -attime \d+$/);
    for (const command of commands) {
      const run = spawnSync('sh', ['-c', command], { cwd: folder, encoding: 'utf8' });
      expect(run.status, `${command}\n${run.stdout}${run.stderr}`).toBe(0);
    }
    const run = (command: string) => spawnSync('sh', ['-c', command], { cwd: folder, encoding: 'utf8' });
    // The same commands with a CRL (current at the time-stamp's time) that lists the signer's card.
    const pki = await testPki();
    const attime = Number(/-attime (\d+)$/.exec(cms)![1]) * 1000;
    const revoking = await cardCrl(pki, {
      serials: [serialOf(pki.cards['chen.chiming']!.certPem)],
      thisUpdate: new Date(attime - 3600 * 1000),
      nextUpdate: new Date(attime + DAY_MS),
    });
    writeFileSync(join(folder, 'revoking.pem'), toPem(revoking, 'X509 CRL'));
    expect(run(prepare.replace(crlFile, 'revoking.pem')).status).toBe(0);
    const revoked = run(cms);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stderr).toContain('certificate revoked');
    // And with no CRL for the issuer, -crl_check refuses too: the option is not decorative.
    const missing = run(cms.replace('-CAfile step-1.ca-and-crls.pem', '-CAfile trust/card-roots.pem'));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('unable to get certificate CRL');
  });

  it('takes a newer CRL from the URL source (refresh on demand): a card it revokes is refused', async () => {
    const pki = await testPki();
    const now = Date.now();
    const newer = await cardCrl(pki, {
      serials: [pki.revokedCard!.serial, serialOf(pki.cards['wang.meiling']!.certPem)],
      thisUpdate: new Date(now),
      nextUpdate: new Date(now + 7 * DAY_MS),
    });
    served = { status: 200, body: newer };
    const outcomes = await service.ctx.cardRevocation.refresh();
    expect(outcomes.map((o) => o.outcome)).toEqual(['unchanged', 'accepted']);
    const clerk = await Clerk.login(service, 'wang.meiling');
    const doc = await clerk.createDocument('新 CRL 廢止的卡');
    const r = await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', await clerk.card());
    expect(r.body.code).toBe('CERT_REVOKED');
  });

  it('refuses a stale, a forged, an unreadable and a delta CRL, keeping the last good one', async () => {
    const pki = await testPki();
    const before = await service.ctx.storage.db.selectFrom('card_crls').select('sha256').execute();
    const now = Date.now();
    const cases: [Uint8Array, RegExp][] = [
      // Stale: its nextUpdate has passed.
      [await cardCrl(pki, { serials: [], thisUpdate: new Date(now - 10 * DAY_MS), nextUpdate: new Date(now - DAY_MS) }), /stale/],
      // Forged: the root's name, another key, newer, and it would un-revoke everyone.
      [await cardCrl(pki, { serials: [], thisUpdate: new Date(now + 1000), nextUpdate: new Date(now + 7 * DAY_MS), forged: true }), /does not verify/],
      [new Uint8Array(Buffer.from('not a CRL at all')), /not a well-formed CRL/],
      // A delta CRL (deltaCRLIndicator, critical, base CRL number 1): newer, listing nothing, it
      // would hide every revocation on the full CRL if taken for a whole list.
      [
        await cardCrl(pki, {
          serials: [],
          thisUpdate: new Date(now + 1000),
          nextUpdate: new Date(now + 7 * DAY_MS),
          extensions: [new x509.Extension('2.5.29.27', true, Uint8Array.of(0x02, 0x01, 0x01))],
        }),
        /critical extension 2\.5\.29\.27/,
      ],
      // A partition: its issuing distribution point lists only revocations for key compromise.
      [
        await cardCrl(pki, {
          serials: [],
          thisUpdate: new Date(now + 1000),
          nextUpdate: new Date(now + 7 * DAY_MS),
          extensions: [new x509.Extension('2.5.29.28', true, Uint8Array.of(0x30, 0x04, 0x83, 0x02, 0x07, 0x80))],
        }),
        /critical extension 2\.5\.29\.28/,
      ],
    ];
    for (const [body, reason] of cases) {
      served = { status: 200, body };
      const [, url] = await service.ctx.cardRevocation.refresh();
      expect(url!.outcome).toBe('refused');
      expect(url!.detail).toMatch(reason);
    }
    expect(await service.ctx.storage.db.selectFrom('card_crls').select('sha256').execute()).toEqual(before);
    // Still refused: the last good CRLs are what counts.
    expect((await refusedRevokedSend()).body.code).toBe('CERT_REVOKED');
  });

  it('accepts a complete CRL whose critical issuing distribution point only names where it is published', async () => {
    const pki = await testPki();
    const now = Date.now();
    const uri = new TextEncoder().encode('http://crl.example/gca.crl');
    // IssuingDistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
    const point = Uint8Array.of(0x30, uri.length + 6, 0xa0, uri.length + 4, 0xa0, uri.length + 2, 0x86, uri.length, ...uri);
    served = {
      status: 200,
      body: await cardCrl(pki, {
        serials: [pki.revokedCard!.serial],
        thisUpdate: new Date(now + 2000),
        nextUpdate: new Date(now + 7 * DAY_MS),
        extensions: [new x509.Extension('2.5.29.28', true, point)],
      }),
    };
    const [, url] = await service.ctx.cardRevocation.refresh();
    expect(url).toMatchObject({ outcome: 'accepted' });
    expect((await refusedRevokedSend()).body.code).toBe('CERT_REVOKED');
  });
});

describe('card CRL configuration and the refresh-crls command', () => {
  it('reads GONGWEN_CARD_CRLS as a list and GONGWEN_CRL_GRACE_HOURS as a whole number', () => {
    const config = configFromEnvironment({ GONGWEN_CARD_CRLS: '/etc/gca.crl, http://crl.example/gca.crl  /etc/moica.crl', GONGWEN_CRL_GRACE_HOURS: '12' });
    expect(config.cardCrlSources).toEqual(['/etc/gca.crl', 'http://crl.example/gca.crl', '/etc/moica.crl']);
    expect(config.crlGraceHours).toBe(12);
    expect(configFromEnvironment({}).cardCrlSources).toBeUndefined();
    expect(() => configFromEnvironment({ GONGWEN_CRL_GRACE_HOURS: 'a day' })).toThrow(/GONGWEN_CRL_GRACE_HOURS must be a whole number/);
  });

  it('refresh-crls reports each source: 0 when all are good, 1 when one is refused', async () => {
    const pki = await testPki();
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-crl-cli-'));
    mkdirSync(join(dataDir, 'trust'));
    writeFileSync(join(dataDir, 'trust', 'card-roots.pem'), pki.gcaRootPem);
    const good = join(dataDir, 'gca.crl.pem');
    writeFileSync(good, pki.gcaRootCrlPem!);
    const run = (sources: string) =>
      spawnSync('npx', ['tsx', 'src-server/cli.ts', 'refresh-crls'], {
        env: { ...process.env, GONGWEN_DATA_DIR: dataDir, DATABASE_URL: '', GONGWEN_CARD_CRLS: sources },
        encoding: 'utf8',
      });
    const ok = run(good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`unchanged   ${good}`);
    const stale = join(dataDir, 'stale.crl');
    writeFileSync(stale, await cardCrl(pki, { serials: [], thisUpdate: new Date(Date.now() - 10 * DAY_MS), nextUpdate: new Date(Date.now() - DAY_MS) }));
    const refused = run(`${good},${stale}`);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`refused +${stale.replaceAll('/', '\\/')}: stale`));
  }, 180_000);
});

/** The test GCA root again: the same name and key, another serial (as a CA re-issues its certificate). */
async function reissuedRoot(pki: Awaited<ReturnType<typeof testPki>>): Promise<string> {
  const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
  const root = new x509.X509Certificate(pki.gcaRootPem);
  const pkcs8 = createPrivateKey(pki.gcaRootKeyPem!).export({ type: 'pkcs8', format: 'der' });
  const keys = { privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, RSA, true, ['sign']), publicKey: await root.publicKey.export(RSA, ['verify']) };
  const again = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a77',
    name: root.subject,
    notBefore: root.notBefore,
    notAfter: root.notAfter,
    keys: keys as webcrypto.CryptoKeyPair,
    signingAlgorithm: RSA,
    extensions: root.extensions,
  });
  return again.toString('pem') + '\n';
}

describe.each(databaseKinds())('a card CRL and a re-issued root certificate on %s', (kind) => {
  it('refuses a revoked card whichever certificate of its CA the path runs through, configured or not', async () => {
    const pki = await testPki();
    const dir = mkdtempSync(join(tmpdir(), 'crl-'));
    writeFileSync(join(dir, 'gca.crl.pem'), pki.gcaRootCrlPem!);
    // Both certificates of the root configured (an agency keeps the old one while cards chain to either).
    const reissuedPem = await reissuedRoot(pki);
    const service = await startTestService(kind, { extraCardRootsPem: reissuedPem, config: { cardCrlSources: [join(dir, 'gca.crl.pem')] } });
    try {
      await registerCardCertificate(service.ctx, pki.revokedCard!.account, fromPem(pki.revokedCard!.certPem)[0]!);
      const clerk = await Clerk.login(service, pki.revokedCard!.account);
      const doc = await clerk.createDocument('經重發根憑證路徑之已廢止卡');
      const r = await clerk.act(doc.id, '送請簽核', 'yeh.yenchih', pemSigner(pki.revokedCard!.certPem, pki.revokedCard!.keyPem));
      expect(r.body.code).toBe('CERT_REVOKED');
      // The old certificate no longer configured, only the re-issued one (as after replacing it):
      // the CRL kept under the old one still counts, judged from the CRL itself.
      const reissued = new X509Certificate(reissuedPem);
      const replaced = new CardRevocation(service.ctx.storage.db, [reissued], { sources: [], graceMs: 0, now: () => new Date() });
      const path = [readPathCertificate(fromPem(pki.revokedCard!.certPem)[0]!), pathCertificateOf(reissued)];
      await expect(replaced.check([path])).rejects.toMatchObject({ code: 'CERT_REVOKED' });
    } finally {
      await service.close();
    }
  });
});
