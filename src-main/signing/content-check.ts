import type { DocumentView } from '../../src-shared/common/api/documents.js';
import { contentSha256, sha256Hex } from '../../src-shared/node/content-digest.js';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * The content digest the card (or temp cert) signs, computed here from what the client holds:
 * the subject and body shown, and each attachment downloaded and hashed. The service's
 * `contentSha256` is only a claim: when it names other content, or an attachment's bytes are not
 * what the list says, the answer is refused and nothing is signed.
 */
export async function checkedContentDigest(doc: DocumentView, download: (attachmentId: string) => Promise<Uint8Array>): Promise<string> {
  const attachments = [];
  for (const listed of doc.attachments) {
    const bytes = await download(listed.id);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== listed.sha256 || bytes.length !== listed.size)
      throw new GongwenError('SERVICE_ANSWER_INVALID', `attachment ${listed.name} is not the file its digest names`);
    attachments.push({ name: listed.name, sha256, size: bytes.length });
  }
  const digest = contentSha256({ subject: doc.subject, body: doc.body, attachments });
  if (digest !== doc.contentSha256) throw new GongwenError('SERVICE_ANSWER_INVALID', 'the content digest does not match the document');
  return digest;
}
