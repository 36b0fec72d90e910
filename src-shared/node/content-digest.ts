import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';

/** What the content digest covers: the text of the document and the digest of each attachment. */
export interface DocumentContent {
  subject: string;
  body: string;
  attachments: { name: string; sha256: string; size: number }[];
}

/** SHA-256 (hex) of the canonical JSON of the content: the `contentSha256` of a step payload. */
export function contentSha256(content: DocumentContent): string {
  const text = canonicalJson({
    subject: content.subject,
    body: content.body,
    attachments: content.attachments.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })),
  });
  return createHash('sha256').update(text).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
