import { execSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingResignStep } from '../../src-shared/common/api/resign.js';
import { makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { signerCertificates } from '../../src-shared/node/cms/signer.js';
import { signingTimeOf } from '../../src-shared/common/step-payload.js';
import { buildEvidence, writeEvidence } from '../../src-server/evidence/evidence.js';
import { makeTsa } from '../../src-server/timestamp/authority.js';
import { tsOid } from '../../src-server/timestamp/token.js';
import { objectIdentifier } from '../../src-shared/node/cms/der-writer.js';
import { timeStampedAt, verifyYearsLater, type TrustAnchors } from '../../src-server/timestamp/verify-later.js';
import { X509Certificate, createHash } from 'node:crypto';
import { databaseKinds } from '../helpers/databases.js';
import { startOpensslTsa } from '../helpers/openssl-tsa.js';
import { runReadmeCommands } from '../helpers/evidence-readme.js';
import { makeCardIssuer } from '../helpers/card-generations.js';
import { registerCardCertificate } from '../../src-server/accounts/users.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { Clerk, startTestService, type TestService } from '../helpers/service.js';

const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;

/**
 * Evidence of a step signed two years ago (a test clock) with a temporary certificate valid for
 * one year, re-signed the next day with a card that expired a year ago: both certificates have
 * expired by now, yet the README's commands, run exactly as printed, prove the signature and the
 * countersignature with the time-stamps (and the temp certificate with the CRL it relied on).
 */
describe.each(databaseKinds())('evidence with time-stamps, verified years later, on %s', (kind) => {
  let service: TestService;
  let folder: string;
  let readme: string;
  let documentId: string;

  beforeAll(async () => {
    // A TSA whose certificate covers the test clock's past (the service's own is made today).
    const tsaDir = mkdtempSync(join(tmpdir(), 'tsa-'));
    const tsa = await makeTsa('CN=GongwenDesk Test TSA', new Date(), new Date('2010-01-01T00:00:00Z'));
    writeFileSync(join(tsaDir, 'tsa.cert.pem'), tsa.certPem);
    writeFileSync(join(tsaDir, 'tsa.key.pem'), tsa.keyPem, { mode: 0o600 });
    // A card that was valid when it re-signed, two years ago, and has expired since (a year ago).
    const issuer = await makeCardIssuer();
    const expiredCard = await issuer.issue(
      { name: '公文系統廠商', unit: 'ict' },
      { notBefore: new Date(Date.now() - 3 * 365 * 24 * 3600 * 1000), notAfter: new Date(Date.now() - 365 * 24 * 3600 * 1000) },
    );
    service = await startTestService(kind, {
      tempCertValidityDays: 365,
      extraCardRootsPem: issuer.rootPem,
      config: { tsaCertPath: join(tsaDir, 'tsa.cert.pem'), tsaKeyPath: join(tsaDir, 'tsa.key.pem') },
    });
    service.clock.offsetMs = -TWO_YEARS_MS;
    await registerCardCertificate(service.ctx, 'vendor', expiredCard.der); // registered while valid
    let vendor = await Clerk.login(service, 'vendor');
    const temp = await vendor.enableTempCert();
    const doc = await vendor.createDocument('兩年前以臨時憑證傳送的公文');
    documentId = doc.id;
    expect((await vendor.act(doc.id, '送請簽核', 'yeh.yenchih', temp)).status).toBe(200);

    service.clock.offsetMs = -TWO_YEARS_MS + 24 * 3600 * 1000; // re-signed the next day
    vendor = await Clerk.login(service, 'vendor'); // yesterday's session has ended
    const [step] = (await vendor.call<{ steps: PendingResignStep[] }>('GET', '/api/resign/pending')).body.steps.filter((s) => s.documentId === doc.id);
    const card: CmsSigner = { certificate: expiredCard.der, keyAlgorithm: 'RSA', sign: async (data) => expiredCard.sign(data) };
    const note = '出差返回，以實體卡補簽';
    const countersignature = await makeCountersignature(new Uint8Array(Buffer.from(step!.signatureValue, 'base64')), card, {
      note,
      signingTime: new Date(signingTimeOf(new Date(Date.now() + service.clock.offsetMs))),
    });
    const resigned = await vendor.call('POST', '/api/resign', {
      note,
      certificates: signerCertificates(card).map((c) => Buffer.from(c).toString('base64')),
      items: [{ stepId: step!.stepId, countersignature: Buffer.from(countersignature).toString('base64') }],
    });
    expect(resigned.body.results[0].outcome).toBe('resigned');
    service.clock.offsetMs = 0;

    folder = mkdtempSync(join(tmpdir(), 'evidence-'));
    await writeEvidence(await buildEvidence(service.ctx, doc.id), folder);
    readme = readFileSync(join(folder, 'README.txt'), 'utf8');
    if (process.env.SHOW_README) console.log(folder, readme);
  });
  afterAll(() => service.close());

  it("verifies with exactly the README's commands, though the temp certificate and the card have expired", () => {
    const runs = runReadmeCommands(folder);
    // The signature's token, the CRL bundle, the signature as of that token's time against the
    // temp CA CRL it relied on, the countersignature's token, the countersignature as of its own.
    expect(runs.map((r) => r.command)).toEqual([
      expect.stringMatching(/^cat trust\/temp-ca\.pem crls\/[0-9a-f]{64}\.pem > step-1\.ca-and-crls\.pem$/),
      expect.stringMatching(/^openssl ts -verify .*step-1\.signature\.tst/),
      expect.stringMatching(/^openssl cms -verify .*-in step-1\.p7s .*-CAfile step-1\.ca-and-crls\.pem .* -crl_check -attime \d+$/),
      expect.stringMatching(/^openssl ts -verify .*step-1\.countersignature\.tst/),
      expect.stringMatching(/^openssl smime -verify .*-in step-1\.countersignature\.p7s .*-content step-1\.signature-value .*-attime \d+$/),
    ]);
    for (const run of runs) {
      expect(run.status, `${run.command}\n${run.output}`).toBe(0);
      if (run.command.includes(' ts -verify')) expect(run.output).toContain('Verification: OK');
    }
    const commands = runs.map((r) => r.command);
    // The -attime is the time-stamp's, not the signer's claim: the two are listed apart.
    const attime = Number(/-attime (\d+)/.exec(commands[2]!)![1]);
    expect(readme).toContain(`time-stamped ${new Date(attime * 1000).toISOString()}`);
    const counterAt = Number(/-attime (\d+)/.exec(commands[4]!)![1]);
    expect(readme).toContain(`re-sign countersignature time-stamped ${new Date(counterAt * 1000).toISOString()}`);
    // Checked as of today instead (without the CRL of then, past its nextUpdate by now), the
    // expired temporary certificate and the expired card fail, as they should.
    for (const command of [commands[2]!.replace(/ -crl_check -attime \d+$/, ''), commands[4]!.replace(/ -attime \d+$/, '')]) {
      const today = spawnSync('sh', ['-c', command], { cwd: folder, encoding: 'utf8' });
      expect(today.status, command).not.toBe(0);
      expect(today.stderr).toContain('certificate has expired');
    }
  });

  it('carries each token as the signature-time-stamp attribute of its SignerInfo', () => {
    const p7s = new Uint8Array(readFileSync(join(folder, 'step-1.p7s')));
    const [signerInfo] = parseSignedData(p7s).signerInfos;
    const attributeType = objectIdentifier(tsOid.signatureTimeStampToken);
    const tokenOf = (unsigned: readonly { type: Uint8Array; values: Uint8Array[] }[]) =>
      unsigned.find((a) => Buffer.from(a.type).equals(attributeType))?.values[0];
    expect(Buffer.from(tokenOf(signerInfo!.unsignedAttributes)!).equals(readFileSync(join(folder, 'step-1.signature.tst')))).toBe(true);
    expect(signerInfo!.countersignatures).toHaveLength(1);
    expect(Buffer.from(tokenOf(signerInfo!.countersignatures[0]!.unsignedAttributes)!).equals(readFileSync(join(folder, 'step-1.countersignature.tst')))).toBe(
      true,
    );
    // openssl reads the whole structure.
    expect(execSync('openssl cms -cmsout -print -inform DER -in step-1.p7s', { cwd: folder, encoding: 'utf8' })).toContain('id-smime-aa-timeStampToken');
  });

  it('the project\'s verifier, "now, years later": valid as of each trusted time-stamp over that very signature value', async () => {
    const file = (name: string) => new Uint8Array(readFileSync(join(folder, name)));
    const tsa = new X509Certificate(readFileSync(join(folder, 'trust', 'tsa.pem')));
    const trust: TrustAnchors = { signerRoots: [service.ctx.tempCa.certificate, ...service.ctx.cardRoots], timeStampAuthorities: [tsa] };
    const now = new Date();
    const verdict = await verifyYearsLater(file('step-1.p7s'), file('step-1.payload'), trust, now);
    const attime = Number(/-attime (\d+)/.exec(readme)![1]);
    expect(verdict.signer).toMatchObject({ mode: 'time-stamp', checkedAt: new Date(attime * 1000) });
    expect(verdict.countersignatures).toEqual([expect.objectContaining({ mode: 'time-stamp' })]);
    // Without its time-stamp the same signature is judged now, and its temp certificate has expired.
    const stored = await service.ctx.storage.db
      .selectFrom('steps')
      .select('signature')
      .where('document_id', '=', documentId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    await expect(verifyYearsLater(new Uint8Array(stored.signature!), file('step-1.payload'), trust, now)).rejects.toMatchObject({ code: 'CERT_EXPIRED' });
    // A token over another signature value (the countersignature's) does not stand for this one.
    await expect(timeStampedAt(file('step-1.countersignature.tst'), file('step-1.signature-value'), [tsa])).rejects.toMatchObject({
      code: 'TIME_STAMP_INVALID',
    });
    // A token whose TSA signature is damaged (its last octet, inside the ECDSA signature) is refused.
    const damaged = file('step-1.signature.tst');
    damaged[damaged.length - 1] = damaged.at(-1)! ^ 0x01;
    await expect(timeStampedAt(damaged, file('step-1.signature-value'), [tsa])).rejects.toMatchObject({ code: 'TIME_STAMP_INVALID' });
    expect((await timeStampedAt(file('step-1.signature.tst'), file('step-1.signature-value'), [tsa])).getTime()).toBe(attime * 1000);
    // A TSA not trusted: refused; an independent TSA (openssl ts -reply) that is trusted: accepted.
    const independent = startOpensslTsa();
    await expect(
      verifyYearsLater(file('step-1.p7s'), file('step-1.payload'), { ...trust, timeStampAuthorities: [new X509Certificate(independent.rootPem)] }, now),
    ).rejects.toMatchObject({ code: 'TIME_STAMP_INVALID' });
    const theirs = independent.token(createHash('sha256').update(file('step-1.signature-value')).digest('hex'));
    expect((await timeStampedAt(theirs, file('step-1.signature-value'), [new X509Certificate(independent.rootPem)])).getTime()).toBeLessThanOrEqual(Date.now());
    await expect(timeStampedAt(theirs, file('step-1.signature-value'), [tsa])).rejects.toMatchObject({ code: 'TIME_STAMP_INVALID' });
  });

  it("verify-evidence, the project's verifier on the folder alone: each signature valid as of its own time-stamp, or why not", () => {
    const run = verifyEvidence(folder);
    expect(run.status, run.stderr).toBe(0);
    const attime = new Date(Number(/-attime (\d+)/.exec(readme)![1]) * 1000);
    const line = (signer: string) => run.stdout.split('\n').find((l) => l.startsWith(`step 1 ${signer} `)) ?? '';
    expect(line('signature')).toMatch(/ valid +as of its time-stamp /);
    expect(line('signature')).toContain(attime.toISOString());
    expect(line('signature')).toMatch(/\(\d{3}\/\d{2}\/\d{2} \d{2}:\d{2}\)/); // and as a ROC date
    // The temp certificate's revocation was checked against the temp CA CRL the send relied on.
    expect(line('signature')).toContain('not revoked on a CRL current then or issued since');
    expect(line('countersignature')).toMatch(/ valid +as of its time-stamp /);
    expect(line('countersignature')).toContain('公文系統廠商');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('2 valid, 0 not valid.');
    // The anchors it trusted are listed with their SHA-256, for the officer to compare.
    expect(run.stdout).toContain(new X509Certificate(readFileSync(join(folder, 'trust', 'tsa.pem'))).fingerprint256.replace(/:/g, '').toLowerCase());

    // A folder whose trust/tsa.pem was replaced by another TSA's: no token stands, so neither
    // signature does. The agency's own TSA certificate, named with --tsa, restores the verdict.
    const swapped = mkdtempSync(join(tmpdir(), 'evidence-swapped-'));
    cpSync(folder, swapped, { recursive: true });
    const agencyTsa = join(mkdtempSync(join(tmpdir(), 'agency-')), 'tsa.pem');
    writeFileSync(agencyTsa, readFileSync(join(folder, 'trust', 'tsa.pem')));
    writeFileSync(join(swapped, 'trust', 'tsa.pem'), startOpensslTsa().rootPem);
    const refused = verifyEvidence(swapped);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/^step 1 signature +NOT VALID +TIME_STAMP_INVALID: /m);
    expect(refused.stdout).toMatch(/^step 1 countersignature +NOT VALID +TIME_STAMP_INVALID: /m);
    expect(refused.stdout.trim().split('\n').at(-1)).toBe('0 valid, 2 not valid.');
    expect(verifyEvidence(swapped, ['--tsa', agencyTsa]).status).toBe(0);

    // A payload changed by one octet: that signature fails with its code; nothing else in the CMS is judged.
    const payload = readFileSync(join(swapped, 'step-1.payload'));
    payload[payload.length - 2] = payload.at(-2)! ^ 0x01;
    writeFileSync(join(swapped, 'step-1.payload'), payload);
    const changed = verifyEvidence(swapped, ['--tsa', agencyTsa]);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toMatch(/^step 1 signature +NOT VALID +SIGNATURE_\w+: /m);
    // A signature file removed: its payload is reported as signed by nothing in the folder.
    const removed = mkdtempSync(join(tmpdir(), 'evidence-removed-'));
    cpSync(folder, removed, { recursive: true });
    rmSync(join(removed, 'step-1.p7s'));
    const unsigned = verifyEvidence(removed);
    expect(unsigned.status).toBe(1);
    expect(unsigned.stdout).toMatch(/^step 1 signature +NOT VALID +EVIDENCE_FILE_MISSING: step-1\.p7s is missing/m);
    // Its payload taken away too: the README lists step 1, so it is missed, not passed over.
    rmSync(join(removed, 'step-1.payload'));
    const gone = verifyEvidence(removed);
    expect(gone.status).toBe(1);
    expect(gone.stdout).toMatch(/^step 1 signature +NOT VALID +EVIDENCE_FILE_MISSING: step-1\.p7s and step-1\.payload are missing/m);
    // A stray step-99999999.p7s: the steps between are one line, not a hundred million.
    writeFileSync(join(removed, 'step-99999999.p7s'), readFileSync(join(folder, 'step-1.p7s')));
    const stray = verifyEvidence(removed);
    expect(stray.stdout).toMatch(/^step 2 signature +NOT VALID +EVIDENCE_FILE_MISSING: step-2\.p7s to step-99999998\.p7s and their payloads are missing/m);
    expect(stray.stdout).toMatch(/^step 99999999 signature +NOT VALID +EVIDENCE_FILE_MISSING: step-99999999\.payload is missing/m);
    expect(stray.stdout.trim().split('\n').at(-1)).toBe('0 valid, 3 not valid.');
    // Evidence from before time-stamps were kept has no trust/tsa.pem: said, and no token is trusted.
    const older = mkdtempSync(join(tmpdir(), 'evidence-older-'));
    cpSync(folder, older, { recursive: true });
    rmSync(join(older, 'trust', 'tsa.pem'));
    const withoutTsa = verifyEvidence(older);
    expect(withoutTsa.status).toBe(1);
    expect(withoutTsa.stdout).toContain('The folder has no trust/tsa.pem');
    // A CRL that does not read as one: the folder is damaged, said before anything is judged (2).
    const damagedCrl = mkdtempSync(join(tmpdir(), 'evidence-crl-'));
    cpSync(folder, damagedCrl, { recursive: true });
    writeFileSync(join(damagedCrl, 'trust', 'temp-ca.crl'), 'not a CRL');
    const crlRun = verifyEvidence(damagedCrl);
    expect([crlRun.status, crlRun.stderr]).toEqual([2, expect.stringContaining('temp-ca.crl is not a readable CRL')]);
    // Not an evidence folder, or an option naming no readable file: the command line is wrong (2).
    expect(verifyEvidence(mkdtempSync(join(tmpdir(), 'empty-'))).stderr).toContain('is not an evidence folder');
    expect(verifyEvidence(folder, ['--card-roots', join(swapped, 'no-such.pem')]).status).toBe(2);
  });
});

/** `verify-evidence` run as a records officer runs it, with the folder alone. */
function verifyEvidence(folder: string, options: readonly string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'verify-evidence', ...options, folder], {
    encoding: 'utf8',
    env: { ...process.env, GONGWEN_DATA_DIR: mkdtempSync(join(tmpdir(), 'no-service-')), DATABASE_URL: '' },
  });
}
