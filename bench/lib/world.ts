import { randomBytes, webcrypto, KeyObject } from 'node:crypto';
import type { ActionRequest, DocumentView } from '../../src-shared/common/api/documents.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import { signStep } from '../../src-shared/node/cms/sign.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { canonicalStepPayload, payloadForStep, signingTimeOf } from '../../src-shared/common/step-payload.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';

/** A clerk as the benchmarks drive one: a logged-in client and, once enabled, a temp-cert signer. */
export interface BenchClerk {
  account: string;
  client: ServiceClient;
  /** The login password, for the re-authentication IFT930 asks (benchmarks only). */
  password: string;
  temp?: CmsSigner;
}

export async function loginClerk(url: string, account: string, password = 'gongwen-demo'): Promise<BenchClerk> {
  const client = new ServiceClient({ baseUrl: url, timeoutMs: 60_000 });
  await client.login(account, password);
  return { account, client, password };
}

/** IFT930 without the keychain (the benchmarks measure the service and the card, not the keychain). */
export async function enableTempCert(clerk: BenchClerk): Promise<CmsSigner> {
  const password = 'bench-temp-password';
  await clerk.client.applyForTempCert({ password, reason: 'benchmark', loginPassword: clerk.password }).catch(() => undefined);
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${clerk.account}`, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const issued = await clerk.client.enableTempCert({
    password,
    pcLabel: 'bench',
    csr: Buffer.from(csr.rawData).toString('base64'),
    loginPassword: clerk.password,
  });
  clerk.temp = keyObjectSigner(new Uint8Array(Buffer.from(issued.certificate, 'base64')), KeyObject.from(keys.privateKey));
  return clerk.temp;
}

/** A signed 送請簽核 of `doc` to `recipient`, ready to post. */
export async function signedSend(account: string, doc: DocumentView, recipient: string, signer: CmsSigner): Promise<ActionRequest> {
  const signingTime = signingTimeOf(new Date());
  const payload = canonicalStepPayload(payloadForStep(doc, { action: '送請簽核', sender: account, recipient, opinion: '', signingTime }));
  const cms = await signStep(payload, signer, new Date(signingTime));
  return {
    action: '送請簽核',
    recipient,
    opinion: '',
    signingTime,
    stepToken: doc.stepToken!,
    signature: Buffer.from(cms).toString('base64'),
    idempotencyKey: randomBytes(16).toString('base64url'),
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}

/** `count` documents held by `clerk`, each sent with the temp cert to `recipient`: steps waiting for 補簽. */
export async function tempSignedSteps(clerk: BenchClerk, recipient: string, count: number): Promise<void> {
  await pool(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const created = await clerk.client.createDocument({ subject: `補簽基準 ${i}`, body: '' });
      const doc = await clerk.client.document(created.id);
      await clerk.client.act(doc.id, await signedSend(clerk.account, doc, recipient, clerk.temp!));
    },
  );
}
