import { createPrivateKey } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { loadDemoPki, makeDemoPki, type DemoPki } from '../../tools/demo/demo-pki.js';

/**
 * The test PKI, made once per test run by the global set-up (GONGWEN_TEST_PKI names its folder)
 * or, when a test file runs alone, made here.
 */
let cached: Promise<DemoPki> | undefined;
export function testPki(): Promise<DemoPki> {
  cached ??= process.env.GONGWEN_TEST_PKI ? loadDemoPki(process.env.GONGWEN_TEST_PKI) : mkdtemp(join(tmpdir(), 'gongwen-pki-')).then((dir) => makeDemoPki(dir));
  return cached;
}

export function pemSigner(certPem: string, keyPem: string): CmsSigner {
  return keyObjectSigner(fromPem(certPem)[0]!, createPrivateKey(keyPem));
}

export async function cardSigner(account: string): Promise<CmsSigner> {
  const card = (await testPki()).cards[account];
  if (!card) throw new Error(`no demo card for ${account}`);
  return pemSigner(card.certPem, card.keyPem);
}
