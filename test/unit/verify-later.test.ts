import { X509Certificate, webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { compareBytes } from '../../src-shared/node/cms/der-writer.js';
import { parseCountersignerInfo, parseSignedData } from '../../src-shared/node/cms/parse.js';
import { encodeSignedData, signStep } from '../../src-shared/node/cms/sign.js';
import { fromPem, toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { TimeStampAuthority, makeTsa } from '../../src-server/timestamp/authority.js';
import { withSignatureTimeStamp } from '../../src-server/timestamp/attach.js';
import { verifyEachYearsLater, verifyYearsLater } from '../../src-server/timestamp/verify-later.js';
import { attachCountersignature, makeCountersignature } from '../../src-shared/node/cms/countersign.js';
import { makeCardIssuer } from '../helpers/card-generations.js';
import { makeBadChains } from '../helpers/bad-chains.js';
import { pemSigner, testPki } from '../helpers/demo-pki.js';

const HOUR_MS = 3600 * 1000;
const payload = new TextEncoder().encode('{"document":"1033151119","step":1}');

/** `cms` with `tokens` as signature-time-stamp values of its SignerInfo (in that order), and `extra` certificates. */
function stamped(cms: Uint8Array, tokens: readonly Uint8Array[], extra: readonly Uint8Array[] = []): Uint8Array {
  const parsed = parseSignedData(cms);
  let signerInfo = parsed.signerInfos[0]!.encoding;
  // A SignerInfo is read as a countersignature's is: the same structure.
  for (const token of tokens) signerInfo = withSignatureTimeStamp(signerInfo, parseCountersignerInfo(signerInfo).unsignedAttributes, token);
  return encodeSignedData([...parsed.certificates, ...extra], [signerInfo], parsed.crls);
}

/**
 * The verifier for "now, years later" on real certificates, CRLs and tokens: a card revoked after
 * its signature's time-stamp still verifies, one revoked before does not; a token someone added
 * beside the TSA's (unsigned attributes are nobody's signature) cannot make a good signature fail;
 * a card under an intermediate CA verifies through the intermediate the CMS carries.
 */
describe('verifyYearsLater', () => {
  const tsaFor = async () => {
    const made = await makeTsa('CN=Verifier Test TSA,O=GongwenDesk Test PKI,C=TW', new Date(), new Date('2014-01-01T00:00:00Z'));
    return TimeStampAuthority.fromPem(made.certPem, made.keyPem);
  };

  it('judges a revoked card as of its time-stamp: valid before the revocation date, CERT_REVOKED after', async () => {
    const pki = await testPki();
    const revoked = pki.revokedCard!;
    const tsa = await tsaFor();
    const cms = await signStep(payload, pemSigner(revoked.certPem, revoked.keyPem), new Date(Date.parse(revoked.revokedAt) - 3 * HOUR_MS));
    const value = parseSignedData(cms).signerInfos[0]!.signature;
    const crl = fromPem(pki.gcaRootCrlPem!, 'X509 CRL')[0]!;
    const trust = { signerRoots: [new X509Certificate(pki.gcaRootPem)], timeStampAuthorities: [tsa.certificate], crls: [crl] };
    const at = (offsetMs: number) => new Date(Date.parse(revoked.revokedAt) + offsetMs);

    const before = stamped(cms, [(await tsa.timeStampSignature(value, at(-HOUR_MS))).token]);
    expect((await verifyYearsLater(before, payload, trust, new Date())).signer).toMatchObject({
      mode: 'time-stamp',
      checkedAt: new Date(Math.floor(at(-HOUR_MS).getTime() / 1000) * 1000),
    });
    const after = stamped(cms, [(await tsa.timeStampSignature(value, at(HOUR_MS))).token]);
    await expect(verifyYearsLater(after, payload, trust, new Date())).rejects.toMatchObject({ code: 'CERT_REVOKED' });
    // Judged now, without a token: revoked a day ago.
    await expect(verifyYearsLater(cms, payload, trust, new Date())).rejects.toMatchObject({ code: 'CERT_REVOKED' });
    // The verdict is the CRL's: without it, the same token stands.
    expect((await verifyYearsLater(after, payload, { ...trust, crls: [] }, new Date())).signer.mode).toBe('time-stamp');
  });

  it('passes over a token added beside the TSA’s: garbage, or from a TSA not trusted; refuses when none stands', async () => {
    const pki = await testPki();
    const card = pki.cards['vendor']!;
    const tsa = await tsaFor();
    const cms = await signStep(payload, pemSigner(card.certPem, card.keyPem), new Date(Date.now() - HOUR_MS));
    const value = parseSignedData(cms).signerInfos[0]!.signature;
    const trust = { signerRoots: [new X509Certificate(pki.gcaRootPem)], timeStampAuthorities: [tsa.certificate] };
    // The attribute's SET sorts its values by their octets: by their lengths first (ECDSA signatures
    // vary by a few octets), then their serials (random). Pairs are made until the untrusted token
    // sorts before the good one, the case that matters.
    const pair = async () => [(await tsa.timeStampSignature(value, new Date())).token, (await (await tsaFor()).timeStampSignature(value, new Date())).token];
    let [good, untrusted] = await pair();
    for (let tries = 0; tries < 40 && compareBytes(untrusted!, good!) > 0; tries++) [good, untrusted] = await pair();
    expect(compareBytes(untrusted!, good!)).toBeLessThan(0);
    const garbage = Uint8Array.of(0x05, 0x00); // DER NULL: sorts before any token in the attribute's SET
    for (const planted of [garbage, untrusted!]) {
      const verdict = await verifyYearsLater(stamped(cms, [good!, planted]), payload, trust, new Date());
      expect(verdict.signer.mode).toBe('time-stamp');
    }
    await expect(verifyYearsLater(stamped(cms, [garbage, untrusted!]), payload, trust, new Date())).rejects.toMatchObject({ code: 'TIME_STAMP_INVALID' });
  });

  it('of several trusted tokens over the signature, judges as of the earliest, also when a later one sorts first', async () => {
    const pki = await testPki();
    const card = pki.cards['vendor']!;
    const tsa = await tsaFor();
    const signedAt = new Date(Date.now() - 3 * HOUR_MS);
    const cms = await signStep(payload, pemSigner(card.certPem, card.keyPem), signedAt);
    const value = parseSignedData(cms).signerInfos[0]!.signature;
    const trust = { signerRoots: [new X509Certificate(pki.gcaRootPem)], timeStampAuthorities: [tsa.certificate] };
    // Which sorts first in the SET depends on signature lengths and random serials: pairs are made
    // until the later token sorts first.
    const pair = async () => [await tsa.timeStampSignature(value, new Date(signedAt.getTime() + HOUR_MS)), await tsa.timeStampSignature(value, new Date())];
    let [earlier, later] = await pair();
    for (let tries = 0; tries < 40 && compareBytes(later!.token, earlier!.token) > 0; tries++) [earlier, later] = await pair();
    expect(compareBytes(later!.token, earlier!.token)).toBeLessThan(0);
    const verdict = await verifyYearsLater(stamped(cms, [earlier!.token, later!.token]), payload, trust, new Date());
    expect(verdict.signer).toMatchObject({ mode: 'time-stamp', checkedAt: earlier!.genTime });
  });

  it('follows the path of a card under an intermediate CA through the certificates the CMS carries, and the intermediate’s revocation too', async () => {
    const gca = await makeCardIssuer('CN=GRCA-style Verifier Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW', { underIntermediate: true });
    const card = await gca.issue({ name: '公文系統廠商' });
    const tsa = await tsaFor();
    const cms = await signStep(payload, pemSigner(card.certPem, card.keyPem), new Date(Date.now() - HOUR_MS));
    const token = (await tsa.timeStampSignature(parseSignedData(cms).signerInfos[0]!.signature, new Date())).token;
    const trust = { signerRoots: [new X509Certificate(gca.rootPem)], timeStampAuthorities: [tsa.certificate] };
    expect((await verifyYearsLater(stamped(cms, [token], [gca.intermediateDer!]), payload, trust, new Date())).signer.mode).toBe('time-stamp');
    await expect(verifyYearsLater(stamped(cms, [token]), payload, trust, new Date())).rejects.toMatchObject({ code: 'CERT_UNTRUSTED' });
    // The intermediate revoked by its root: before the token's time the signature fails, after it stands.
    const withChain = stamped(cms, [token], [gca.intermediateDer!]);
    const revokedBefore = await gca.rootCrl([gca.intermediateDer!], new Date(Date.now() - 2 * HOUR_MS));
    await expect(verifyYearsLater(withChain, payload, { ...trust, crls: [revokedBefore] }, new Date())).rejects.toMatchObject({ code: 'CERT_REVOKED' });
    const revokedAfter = await gca.rootCrl([gca.intermediateDer!], new Date(Date.now() + HOUR_MS));
    const after = (await verifyYearsLater(withChain, payload, { ...trust, crls: [revokedAfter] }, new Date())).signer;
    expect(after).toMatchObject({ mode: 'time-stamp', revocation: 'none' }); // the card's own issuer (the intermediate) has no CRL here
    // What the CRLs could tell is said: with the root's and the intermediate's CRLs issued since,
    // checked; with only CRLs from 2015 (next update 2016), a revocation since would not show.
    const since = [await gca.rootCrl([], new Date(Date.now() + HOUR_MS)), await gca.issuerCrl([], new Date(Date.now() + HOUR_MS))];
    expect((await verifyYearsLater(withChain, payload, { ...trust, crls: since }, new Date())).signer.revocation).toBe('checked');
    const old = [await gca.rootCrl([], new Date('2015-01-01T00:00:00Z')), await gca.issuerCrl([], new Date('2015-01-01T00:00:00Z'))];
    expect((await verifyYearsLater(withChain, payload, { ...trust, crls: old }, new Date())).signer.revocation).toBe('stale');
  });

  it('gives up on carried CA certificates that all issue one another (one name, one key) after a bounded number of links', async () => {
    const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const [caKeys, leafKeys] = [
      await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']),
      await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']),
    ];
    const name = 'CN=Looping CA,O=GongwenDesk Test PKI,C=TW';
    const validity = { notBefore: new Date(Date.now() - 24 * HOUR_MS), notAfter: new Date(Date.now() + 24 * HOUR_MS), signingAlgorithm: EC };
    const loopingCas = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        x509.X509CertificateGenerator.create({
          ...validity,
          serialNumber: (0x100 + i).toString(16),
          subject: name,
          issuer: name,
          publicKey: caKeys.publicKey,
          signingKey: caKeys.privateKey,
          extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
        }),
      ),
    );
    const leaf = await x509.X509CertificateGenerator.create({
      ...validity,
      serialNumber: '0200',
      subject: 'CN=Signer under the looping CA,O=GongwenDesk Test PKI,C=TW',
      issuer: name,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
    });
    const keyPem = toPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)), 'PRIVATE KEY');
    const cms = stamped(
      await signStep(payload, pemSigner(leaf.toString('pem'), keyPem), new Date()),
      [],
      loopingCas.map((c) => new Uint8Array(c.rawData)),
    );
    const pki = await testPki();
    const trust = { signerRoots: [new X509Certificate(pki.gcaRootPem)], timeStampAuthorities: [] };
    const verify = vi.spyOn(X509Certificate.prototype, 'verify');
    try {
      await expect(verifyYearsLater(cms, payload, trust, new Date())).rejects.toMatchObject({ code: 'CERT_UNTRUSTED' });
      // One signature check a link tried: nine CAs (with the signer's, the ten a signature may
      // carry) four levels deep would be 9 + 9² + 9³ + 9⁴ = 7,380.
      expect(verify.mock.calls.length).toBeLessThanOrEqual(256);
    } finally {
      verify.mockRestore();
    }
  });

  it('validates the path as the service does at send (RFC 5280, the signing profile, the algorithm rule): each PKITS-style wrong chain refused with its code', async () => {
    const chains = await makeBadChains('Years Later');
    const tsa = await tsaFor();
    const trust = { signerRoots: [new X509Certificate(chains.rootPem)], timeStampAuthorities: [tsa.certificate] };
    // Judged as of a time-stamp, so validity is checked at the token's time (now), not skipped.
    const verdicts = await Promise.all(
      chains.cases.map(async (c) => {
        const cms = await signStep(payload, c.signer, new Date(Date.now() - HOUR_MS));
        const token = (await tsa.timeStampSignature(parseSignedData(cms).signerInfos[0]!.signature, new Date())).token;
        const code = await verifyYearsLater(stamped(cms, [token]), payload, trust, new Date()).then(
          (v) => (v.signer.mode === 'time-stamp' ? null : 'NOT_TIME_STAMPED'),
          (error: { code?: string }) => error.code ?? String(error),
        );
        return { name: c.name, code };
      }),
    );
    expect(verdicts).toEqual(chains.cases.map((c) => ({ name: c.name, code: c.code })));
    // Among them the cases the years-later verifier's own path search let through before.
    expect(
      chains.cases.filter((c) => ['CERT_CHAIN_PATH_LENGTH', 'CERT_CRITICAL_EXTENSION', 'CERT_WEAK_ALGORITHM'].includes(c.code ?? '')).length,
    ).toBeGreaterThan(3);
  });

  it('judges each signature apart: a countersignature that fails, or is by a card under a root only steps may chain to, hides nothing of the step signature', async () => {
    const pki = await testPki();
    const [vendor, head] = [pki.cards['vendor']!, pki.cards['yeh.yenchih']!];
    const stepOnly = await makeCardIssuer('CN=Step-only Root (GongwenDesk),O=GongwenDesk Test PKI,C=TW');
    const stepOnlyCard = await stepOnly.issue({ name: '臨時憑證持有人' });
    const parsed = parseSignedData(await signStep(payload, pemSigner(vendor.certPem, vendor.keyPem), new Date(Date.now() - HOUR_MS)));
    const value = parsed.signerInfos[0]!.signature;
    const counterBy = (card: { certPem: string; keyPem: string }) =>
      makeCountersignature(value, pemSigner(card.certPem, card.keyPem), { note: '補簽', signingTime: new Date() });
    const gcaRoot = new X509Certificate(pki.gcaRootPem);
    const trust = { signerRoots: [gcaRoot, new X509Certificate(stepOnly.rootPem)], countersignerRoots: [gcaRoot], timeStampAuthorities: [] };

    // Under a root a step may chain to but a 補簽 may not (as the temp CA): refused for the countersignature alone.
    const foreign = attachCountersignature(parsed, await counterBy(stepOnlyCard), fromPem(stepOnlyCard.certPem));
    const each = await verifyEachYearsLater(foreign, payload, trust, new Date());
    expect(each.signer).toMatchObject({ ok: true, verdict: { mode: 'now' } });
    expect(each.countersignatures).toEqual([expect.objectContaining({ ok: false, code: 'CERT_UNTRUSTED' })]);
    await expect(verifyYearsLater(foreign, payload, trust, new Date())).rejects.toMatchObject({ code: 'CERT_UNTRUSTED' });

    // A good countersignature beside one whose signature value was altered (its last octet): each its own verdict.
    const good = await counterBy(head);
    const damaged = good.slice();
    damaged[damaged.length - 1] = damaged.at(-1)! ^ 0x01;
    const both = attachCountersignature(parseSignedData(attachCountersignature(parsed, good, fromPem(head.certPem))), damaged, []);
    const apart = await verifyEachYearsLater(both, payload, trust, new Date());
    expect(apart.signer.ok).toBe(true);
    expect(apart.countersignatures.map((o) => (o.ok ? 'valid' : o.code)).sort()).toEqual(['SIGNATURE_INVALID', 'valid']);
  });
});
