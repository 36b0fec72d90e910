import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Evidence } from '../../src-shared/common/api/documents.js';
import { attachCountersignature } from '../../src-shared/node/cms/countersign.js';
import { parseSignedData } from '../../src-shared/node/cms/parse.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { toPem } from '../../src-shared/node/pki/x509.js';
import type { ServiceContext } from '../context.js';
import { signedSteps } from '../storage/steps.js';

/**
 * The evidence of a document's signatures, checkable without this project: for each signed step N,
 * `step-N.payload` (the exact signed bytes) and `step-N.p7s` (DER CMS with certificates and any
 * countersignatures), and `trust/` with the temp CA and the card roots.
 */
export async function buildEvidence(ctx: ServiceContext, documentId: string): Promise<Evidence> {
  const { db } = ctx.storage;
  const doc = await db.selectFrom('documents').select(['id', 'number']).where('id', '=', documentId).executeTakeFirst();
  if (!doc) throw new GongwenError('DOCUMENT_NOT_FOUND');
  const steps = await signedSteps(db, doc.id);
  const files: Evidence['files'] = [];
  const add = (name: string, bytes: Uint8Array | string) => files.push({ name, contentBase64: Buffer.from(bytes).toString('base64') });
  const carried = await carriedCertificates(ctx, steps.map((s) => s.resign_certificates));
  for (const s of steps) {
    add(`step-${s.seq}.payload`, s.payload!);
    add(`step-${s.seq}.p7s`, s.countersignature ? withCountersignature(s.signature!, s.countersignature, s.resign_certificates, carried) : s.signature!);
  }
  add('trust/temp-ca.pem', toPem(ctx.tempCa.certificateDer, 'CERTIFICATE'));
  add('trust/card-roots.pem', ctx.cardRoots.map((r) => r.toString()).join(''));
  add('README.txt', readme(doc.number, steps));
  return { documentNumber: doc.number, files };
}

/** The certificates that came with the document's countersignatures, read at once, by their SHA-256. */
async function carriedCertificates(ctx: ServiceContext, certificateLists: readonly (string | null)[]): Promise<Map<string, Uint8Array>> {
  const hashes = [...new Set(certificateLists.flatMap((list) => JSON.parse(list ?? '[]') as string[]))];
  if (hashes.length === 0) return new Map();
  const rows = await ctx.storage.db.selectFrom('carried_certificates').select(['sha256', 'der']).where('sha256', 'in', hashes).execute();
  return new Map(rows.map((r) => [r.sha256, new Uint8Array(r.der)]));
}

/**
 * A re-signed step's signature as one CMS: the card's countersignature in the signer's unsigned
 * attributes and its certificates among the SignedData's, the same bytes `countersign` makes on
 * one machine. The service keeps the two apart (補簽 never rewrites a signature).
 */
function withCountersignature(signature: Uint8Array, countersignature: Uint8Array, certificateHashes: string | null, carried: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const certificates = (JSON.parse(certificateHashes ?? '[]') as string[]).map((h) => {
    const found = carried.get(h);
    if (!found) throw new GongwenError('INTERNAL', `carried certificate ${h} is missing`);
    return found;
  });
  return attachCountersignature(parseSignedData(signature), countersignature, certificates);
}

export async function findDocumentId(ctx: ServiceContext, documentNumber: string): Promise<string> {
  const row = await ctx.storage.db.selectFrom('documents').select('id').where('number', '=', documentNumber).executeTakeFirst();
  if (!row) throw new GongwenError('DOCUMENT_NOT_FOUND', documentNumber);
  return row.id;
}

export async function writeEvidence(evidence: Evidence, folder: string): Promise<string[]> {
  const written: string[] = [];
  for (const f of evidence.files) {
    const path = join(folder, f.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(f.contentBase64, 'base64'));
    written.push(path);
  }
  return written;
}

function readme(number: string, steps: { seq: number; temp_cert_used: number; resigned_at: string | null; signing_time: string | null }[]): string {
  const lines = [
    `Evidence of the signatures on document ${number} (公文文號 ${number}).`,
    '',
    'Each signed step N has step-N.payload, the exact bytes that were signed (RFC 8785 JSON), and',
    'step-N.p7s, a detached CMS SignedData (DER) carrying the signer certificate.',
    '',
    'Check a card-signed step:      openssl cms -verify -inform DER -in step-N.p7s -binary -content step-N.payload -CAfile trust/card-roots.pem -purpose any',
    'Check a temp-cert-signed step: openssl cms -verify -inform DER -in step-N.p7s -binary -content step-N.payload -CAfile trust/temp-ca.pem -purpose any',
    'A certificate may have expired since; check as of the signing time with -attime <seconds> (listed below).',
    'Show the re-sign (補簽) countersignature: openssl cms -cmsout -print -inform DER -in step-N.p7s',
    '  It is the unsigned attribute countersignature (1.2.840.113549.1.9.6) of the SignerInfo: its',
    '  message-digest is the SHA-256 of that SignerInfo\'s signature value, its signing certificate',
    '  chains to trust/card-roots.pem, and the re-sign note is the UTF8String of attribute',
    '  2.25.148236149808349953054963097656526251520.2.',
    '',
    ...steps.map((s) => {
      const signed = s.signing_time ? `signed ${s.signing_time} (-attime ${Math.floor(new Date(s.signing_time).getTime() / 1000)})` : 'signed';
      const how = s.temp_cert_used ? `temporary certificate${s.resigned_at ? `, re-signed with the card at ${s.resigned_at}` : ', not yet re-signed'}` : 'card';
      return `step ${s.seq}: ${signed}, ${how}`;
    }),
    '',
  ];
  return lines.join('\n');
}
