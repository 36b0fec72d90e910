import { sign, type KeyObject } from 'node:crypto';
import type { CmsSigner } from './signer.js';

/** A signer over a private key held in this process: the unlocked temp cert, or a test key. */
export function keyObjectSigner(certificate: Uint8Array, privateKey: KeyObject, chain: readonly Uint8Array[] = []): CmsSigner {
  const type = privateKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw new TypeError(`unsupported key type: ${type ?? 'unknown'}`);
  return {
    certificate,
    chain,
    keyAlgorithm: type === 'rsa' ? 'RSA' : 'EC',
    sign: async (data) => new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'der' })),
  };
}
