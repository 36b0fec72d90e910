import { randomBytes } from 'node:crypto';
import type { DocumentView } from '../../src-shared/common/api/documents.js';

/** A 送請簽核 request body for `doc` to yeh.yenchih, carrying `cms`, a signature made elsewhere (openssl, PKI.js, Bouncy Castle). */
export function sendOnRequest(doc: DocumentView, signingTime: string, cms: Uint8Array) {
  return {
    action: '送請簽核',
    recipient: 'yeh.yenchih',
    opinion: '',
    signingTime,
    stepToken: doc.stepToken!,
    signature: Buffer.from(cms).toString('base64'),
    idempotencyKey: randomBytes(16).toString('base64url'),
  };
}
