import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatRocDateTime } from '../../src-shared/common/roc-date.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { OperatorError } from '../operations/operator-error.js';
import { verifyEachYearsLater, type SignerOutcome, type TrustAnchors } from '../timestamp/verify-later.js';

/**
 * The project's verifier for an exported evidence folder (`export-evidence`), "now, years later":
 * what a records officer runs decades on, with the folder alone (no service, no database). Each
 * signature of the folder, the step's, its 補簽 countersignature and a 紙本補簽 record's, is judged
 * by `verifyEachYearsLater` at its trusted time-stamp's time, or now when it has none, against
 * the trust anchors of the folder's `trust/` (or the files the officer names instead, from the
 * agency's own records: the folder's are only as good as whoever handed it over) and the CRLs it
 * keeps (`crls/`, `trust/temp-ca.crl`).
 */
export interface EvidenceTrustFiles {
  /** PEM of the card roots; default `trust/card-roots.pem`. */
  cardRoots?: string;
  /** PEM of the temp CA; default `trust/temp-ca.pem`. */
  tempCa?: string;
  /** PEM of the trusted TSA certificates; default `trust/tsa.pem`. */
  tsa?: string;
}

export interface TrustAnchorUsed {
  role: 'card root' | 'temp CA' | 'TSA';
  subject: string;
  sha256: string;
  /** The file it was read from. */
  file: string;
}

export interface EvidenceSignatureCheck {
  step: number;
  signer: 'signature' | 'countersignature' | 'paper-record';
  /** The evidence file holding the signature. */
  file: string;
  outcome: SignerOutcome | { ok: false; code: 'EVIDENCE_FILE_MISSING'; message: string; detail: string };
}

export interface EvidenceVerification {
  folder: string;
  anchors: TrustAnchorUsed[];
  checks: EvidenceSignatureCheck[];
}

/** The step's signature (`step-N.p7s` over `step-N.payload`) and a paper record's (`step-N.paper-record.p7s` over its JSON). */
const SIGNED_FILES: readonly { pattern: RegExp; content: (step: number) => string; signer: 'signature' | 'paper-record' }[] = [
  { pattern: /^step-(\d+)\.p7s$/, content: (n) => `step-${n}.payload`, signer: 'signature' },
  { pattern: /^step-(\d+)\.paper-record\.p7s$/, content: (n) => `step-${n}.paper-record.json`, signer: 'paper-record' },
];

export async function verifyEvidenceFolder(folderPath: string, files: EvidenceTrustFiles, now: Date): Promise<EvidenceVerification> {
  const folder = resolve(folderPath);
  if (!existsSync(join(folder, 'README.txt'))) throw new OperatorError(`${folder} is not an evidence folder (it has no README.txt from export-evidence).`, 2);
  const anchors: TrustAnchorUsed[] = [];
  const read = (role: TrustAnchorUsed['role'], given: string | undefined, inFolder: string) => {
    const file = given ? resolve(given) : join(folder, 'trust', inFolder);
    const certificates = readCertificates(file, Boolean(given));
    for (const c of certificates) anchors.push({ role, subject: c.subject, sha256: c.fingerprint256.replace(/:/g, '').toLowerCase(), file });
    return certificates;
  };
  const cardRoots = read('card root', files.cardRoots, 'card-roots.pem');
  const tempCa = read('temp CA', files.tempCa, 'temp-ca.pem');
  const trust: TrustAnchors = {
    signerRoots: [...tempCa, ...cardRoots],
    timeStampAuthorities: read('TSA', files.tsa, 'tsa.pem'),
    crls: keptCrls(folder),
  };

  const checks: EvidenceSignatureCheck[] = [];
  const signed = readdirSync(folder)
    .flatMap((name) => SIGNED_FILES.flatMap((kind) => (kind.pattern.test(name) ? [{ name, kind, step: Number(kind.pattern.exec(name)![1]) }] : [])))
    // Step by step; in a step, its signature (with any countersignature) before a paper record.
    .sort((a, b) => a.step - b.step || SIGNED_FILES.indexOf(a.kind) - SIGNED_FILES.indexOf(b.kind));
  for (const { name, kind, step } of signed) {
    const contentFile = kind.content(step);
    if (!existsSync(join(folder, contentFile))) {
      const message = `${contentFile} is missing: what ${name} signs cannot be checked.`;
      checks.push({ step, signer: kind.signer, file: name, outcome: { ok: false, code: 'EVIDENCE_FILE_MISSING', message, detail: contentFile } });
      continue;
    }
    const outcomes = await verifyEachYearsLater(bytes(join(folder, name)), bytes(join(folder, contentFile)), trust, now);
    checks.push({ step, signer: kind.signer, file: name, outcome: outcomes.signer });
    for (const outcome of outcomes.countersignatures) checks.push({ step, signer: 'countersignature', file: name, outcome });
  }
  return { folder, anchors, checks };
}

/** The report the CLI prints: the anchors trusted, one line per signature, and the count. */
export function describeEvidenceVerification(result: EvidenceVerification): string[] {
  const lines = [`Trust anchors (compare each SHA-256 with the one your agency published; the folder's own are only as good as its source):`];
  for (const a of result.anchors) lines.push(`  ${a.role.padEnd(9)} ${a.sha256}  ${a.subject.replace(/\n/g, ', ')}  (${a.file})`);
  if (result.checks.length === 0) lines.push('No signature found in the folder.');
  for (const check of result.checks) {
    const head = `step ${check.step} ${check.signer.padEnd(16)}`;
    const { outcome } = check;
    if (outcome.ok) {
      const { verdict } = outcome;
      const when =
        verdict.mode === 'time-stamp'
          ? `as of its time-stamp ${verdict.checkedAt.toISOString()} (${formatRocDateTime(verdict.checkedAt)})`
          : `as of now ${verdict.checkedAt.toISOString()}: it has no time-stamp`;
      lines.push(`${head} valid      ${when}; signed by ${verdict.subject.replace(/\n/g, ', ')}`);
    } else {
      lines.push(`${head} NOT VALID  ${outcome.code}: ${outcome.message}${outcome.detail ? ` (${outcome.detail})` : ''}`);
    }
  }
  const failed = result.checks.filter((c) => !c.outcome.ok).length;
  lines.push(`${result.checks.length - failed} valid, ${failed} not valid.`);
  return lines;
}

function readCertificates(file: string, named: boolean): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new OperatorError(`Cannot read ${file}${named ? '' : ' (the evidence folder is incomplete; name the file with an option)'}.`, 2);
  }
  const ders = fromPem(text);
  if (ders.length === 0 && text.trim() !== '') throw new OperatorError(`${file} holds no PEM certificate.`, 2);
  try {
    return ders.map((der) => new X509Certificate(der));
  } catch {
    throw new OperatorError(`${file} holds a certificate that cannot be read.`, 2);
  }
}

/** The CRLs the folder keeps: those signatures relied on (`crls/*.pem`) and the temp CA's at export. */
function keptCrls(folder: string): Uint8Array[] {
  const crls: Uint8Array[] = [];
  const crlFolder = join(folder, 'crls');
  if (existsSync(crlFolder)) {
    for (const name of readdirSync(crlFolder)
      .filter((n) => n.endsWith('.pem'))
      .sort())
      crls.push(...fromPem(readFileSync(join(crlFolder, name), 'utf8'), 'X509 CRL'));
  }
  const tempCaCrl = join(folder, 'trust', 'temp-ca.crl');
  if (existsSync(tempCaCrl)) crls.push(bytes(tempCaCrl));
  return crls;
}

const bytes = (file: string) => new Uint8Array(readFileSync(file));
