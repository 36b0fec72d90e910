import { X509Certificate, createPrivateKey, verify as cryptoVerify } from 'node:crypto';
import * as pkijs from 'pkijs';
import { keyObjectSigner } from '../src-shared/node/cms/key-signer.js';
import { parseSignedData } from '../src-shared/node/cms/parse.js';
import { signStep } from '../src-shared/node/cms/sign.js';
import { verifyStepSignature } from '../src-shared/node/cms/verify.js';
import { fromPem } from '../src-shared/node/pki/x509.js';
import { SignerPolicy } from '../src-server/signatures/signer-policy.js';
import type { DemoPki } from '../tools/demo/demo-pki.js';
import { higherIsBetter, rate, rateSync, type BenchRow } from './lib/measure.js';

/**
 * The service's verification of one step signature (parse, signed attributes, signature, signer
 * certificate chain) against node:crypto's bare verify of the same signature value with the same
 * key; PKI.js's SignedData.verify on the same input is reported beside it.
 */
export async function benchVerify(pki: DemoPki): Promise<BenchRow[]> {
  const card = pki.cards['yeh.yenchih']!;
  const certificate = fromPem(card.certPem)[0]!;
  const signer = keyObjectSigner(certificate, createPrivateKey(card.keyPem));
  const payload = new TextEncoder().encode(JSON.stringify({ profile: 'gongwen-step/1', documentNumber: '1150000001', step: 1, opinion: '擬如擬' }));
  const cms = await signStep(payload, signer, new Date());
  const info = parseSignedData(cms).signerInfos[0]!;
  const publicKey = new X509Certificate(certificate).publicKey;
  const roots = fromPem(pki.gcaRootPem).map((d) => new X509Certificate(d));
  const policy = new SignerPolicy(null as never, null as never, roots);

  const bare = rateSync(() => cryptoVerify('sha256', info.signedAttributesDer!, publicKey, info.signature));
  const ours = rateSync(() => {
    const v = verifyStepSignature(cms, payload);
    policy.assertChainsToRoot(v.signer.certificate, v.parsed.certificates);
  });
  const pkijsRate = await rate(async () => {
    const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms).content });
    await signed.verify({ signer: 0, data: payload.slice().buffer, checkChain: false });
  });
  return [
    higherIsBetter('verify one step signature (RSA-2048 card)', ours, '/s', `0.25 × node:crypto bare verify (${bare.toFixed(0)}/s)`, 0.25 * bare, {
      bare: Math.round(bare),
      pkijsSignedDataVerify: Math.round(pkijsRate),
    }),
  ];
}
