import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatRocDateTime } from '../../src-shared/common/roc-date.js';
import { fromPem } from '../../src-shared/node/pki/x509.js';
import { CardPathValidator } from '../signatures/card-path.js';
import { OperatorError } from '../operations/operator-error.js';
import { readCrl, verifyEachYearsLater, type SignerOutcome, type TrustAnchors } from '../timestamp/verify-later.js';

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
  outcome:
    SignerOutcome | { ok: false; code: 'EVIDENCE_FILE_MISSING' | 'EVIDENCE_FILE_UNREADABLE' | 'EVIDENCE_PAPER_MISMATCH'; message: string; detail: string };
}

export interface EvidenceVerification {
  folder: string;
  anchors: TrustAnchorUsed[];
  /** Said before the lines: what could not be checked at all (no TSA certificate in the folder). */
  notes: string[];
  checks: EvidenceSignatureCheck[];
}

/**
 * What is signed in a folder and by whom it may be: a step's signature (`step-N.p7s` over
 * `step-N.payload`; its signer chains to the temp CA or a card root, a 補簽 countersigner to a
 * card root only, as the service accepts them) and a paper record's (`step-N.paper-record.p7s`
 * over its JSON; the unit head's card).
 */
interface SignedKind {
  signature: RegExp;
  content: RegExp;
  signatureFile(step: number): string;
  contentFile(step: number): string;
  signer: 'signature' | 'paper-record';
  tempCaMaySign: boolean;
}
const SIGNED_KINDS: readonly SignedKind[] = [
  {
    signature: /^step-([1-9]\d*)\.p7s$/,
    content: /^step-([1-9]\d*)\.payload$/,
    signatureFile: (n) => `step-${n}.p7s`,
    contentFile: (n) => `step-${n}.payload`,
    signer: 'signature',
    tempCaMaySign: true,
  },
  {
    signature: /^step-([1-9]\d*)\.paper-record\.p7s$/,
    content: /^step-([1-9]\d*)\.paper-record\.json$/,
    signatureFile: (n) => `step-${n}.paper-record.p7s`,
    contentFile: (n) => `step-${n}.paper-record.json`,
    signer: 'paper-record',
    tempCaMaySign: false,
  },
];

export async function verifyEvidenceFolder(folderPath: string, files: EvidenceTrustFiles, now: Date): Promise<EvidenceVerification> {
  const folder = resolve(folderPath);
  if (!existsSync(join(folder, 'README.txt'))) throw new OperatorError(`${folder} is not an evidence folder (it has no README.txt from export-evidence).`, 2);
  const anchors: TrustAnchorUsed[] = [];
  const notes: string[] = [];
  const read = (role: TrustAnchorUsed['role'], given: string | undefined, inFolder: string) => {
    const file = given ? resolve(given) : join(folder, 'trust', inFolder);
    const certificates = readCertificates(file, Boolean(given));
    for (const c of certificates) anchors.push({ role, subject: c.subject, sha256: c.fingerprint256.replace(/:/g, '').toLowerCase(), file });
    return certificates;
  };
  const cardRoots = read('card root', files.cardRoots, 'card-roots.pem');
  const tempCa = read('temp CA', files.tempCa, 'temp-ca.pem');
  // Evidence exported before time-stamping began has no trust/tsa.pem: its signatures are judged now.
  const noTsaFile = !files.tsa && !existsSync(join(folder, 'trust', 'tsa.pem'));
  if (noTsaFile)
    notes.push(
      'The folder has no trust/tsa.pem (exported before time-stamps were kept): no time-stamp can be trusted, and a signature without one is judged as of now.',
    );
  const tsa = noTsaFile ? [] : read('TSA', files.tsa, 'tsa.pem');
  const crls = keptCrls(folder);

  const fromFolder = anchors.filter((a) => a.file.startsWith(join(folder, 'trust')));
  if ((files.cardRoots || files.tempCa || files.tsa) && fromFolder.length > 0)
    notes.push(
      `Still read from the folder itself, not from the files named: ${[...new Set(fromFolder.map((a) => a.role))].join(', ')}. Name the agency's own with the options, or compare their SHA-256.`,
    );

  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw new OperatorError(`${folder} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, 2);
  }
  const present = new Set(names);
  const found = (pattern: RegExp) => names.flatMap((name) => pattern.exec(name)?.[1] ?? []).map(Number);
  const signed: { kind: SignedKind; step: number; missingTo?: number }[] = SIGNED_KINDS.flatMap((kind) => {
    const steps = new Set([...found(kind.signature), ...found(kind.content)]);
    if (kind.signer === 'paper-record') return [...steps].map((step) => ({ kind, step }));
    // Every step up to the last is signed (evidence holds the signed steps, 1 to N, and its README
    // lists each): one taken away with its payload is missed, not passed over; a run of them is one line.
    for (const n of stepsListedIn(folder)) steps.add(n);
    const absent = absentRuns(steps).map(([first, last]) => ({ kind, step: first, missingTo: last }));
    return [...[...steps].map((step) => ({ kind, step })), ...absent];
  })
    // Step by step; in a step, its signature (with any countersignature) before a paper record.
    .sort((a, b) => a.step - b.step || SIGNED_KINDS.indexOf(a.kind) - SIGNED_KINDS.indexOf(b.kind));

  const checks: EvidenceSignatureCheck[] = [];
  for (const { kind, step, missingTo } of signed) {
    const [signatureFile, contentFile] = [kind.signatureFile(step), kind.contentFile(step)];
    const missing =
      missingTo !== undefined && missingTo > step
        ? `step-${step}.p7s to step-${missingTo}.p7s and their payloads are missing: steps ${step} to ${missingTo} were signed (a later step says so).`
        : !present.has(signatureFile) && !present.has(contentFile)
          ? `${signatureFile} and ${contentFile} are missing: step ${step} was signed (the README or a later step says so).`
          : !present.has(signatureFile)
            ? `${signatureFile} is missing: nothing in the folder signs ${contentFile}.`
            : !present.has(contentFile)
              ? `${contentFile} is missing: what ${signatureFile} signs cannot be checked.`
              : undefined;
    if (missing) {
      const detail = present.has(signatureFile) ? contentFile : signatureFile;
      checks.push({ step, signer: kind.signer, file: signatureFile, outcome: { ok: false, code: 'EVIDENCE_FILE_MISSING', message: missing, detail } });
      continue;
    }
    let cms: Uint8Array, content: Uint8Array;
    try {
      [cms, content] = [bytes(join(folder, signatureFile)), bytes(join(folder, contentFile))];
    } catch (error) {
      const message = `${signatureFile} or ${contentFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`;
      checks.push({ step, signer: kind.signer, file: signatureFile, outcome: { ok: false, code: 'EVIDENCE_FILE_UNREADABLE', message, detail: signatureFile } });
      continue;
    }
    const trust: TrustAnchors = {
      signerRoots: kind.tempCaMaySign ? [...tempCa, ...cardRoots] : cardRoots,
      countersignerRoots: cardRoots,
      timeStampAuthorities: tsa,
      crls,
    };
    const outcomes = await verifyEachYearsLater(cms, content, trust, now);
    // A paper record signs a scan by its hash, for one step: the scan beside it must be that one.
    const mismatch = kind.signer === 'paper-record' && outcomes.signer.ok ? paperMismatch(folder, names, step, content) : undefined;
    const signerOutcome = mismatch ? { ok: false as const, code: 'EVIDENCE_PAPER_MISMATCH' as const, message: mismatch, detail: contentFile } : outcomes.signer;
    checks.push({ step, signer: kind.signer, file: signatureFile, outcome: signerOutcome });
    for (const outcome of outcomes.countersignatures) checks.push({ step, signer: 'countersignature', file: signatureFile, outcome });
  }
  return { folder, anchors, notes, checks };
}

/** The report the CLI prints: the anchors trusted, one line per signature, and the count. */
export function describeEvidenceVerification(result: EvidenceVerification): string[] {
  const lines = [`Trust anchors (compare each SHA-256 with the one your agency published; the folder's own are only as good as its source):`];
  for (const a of result.anchors) lines.push(`  ${a.role.padEnd(9)} ${a.sha256}  ${a.subject.replace(/\n/g, ', ')}  (${a.file})`);
  lines.push(...result.notes);
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
      const revocation = {
        checked: 'not revoked on a CRL current then or issued since',
        stale: 'revocation unknown at that time: the CRLs kept of an issuer are all older',
        none: 'revocation not checked: no CRL of an issuer is kept',
      }[verdict.revocation];
      lines.push(`${head} valid      ${when}; ${revocation}; signed by ${verdict.subject.replace(/\n/g, ', ')}`);
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
    const certificates = ders.map((der) => new X509Certificate(der));
    // Read as the path validator reads a root (PKI.js as well as OpenSSL), once, here.
    new CardPathValidator(certificates);
    return certificates;
  } catch {
    throw new OperatorError(`${file} holds a certificate that cannot be read.`, 2);
  }
}

/** The CRLs the folder keeps: those signatures relied on (`crls/*.pem`) and the temp CA's at export; each must read as a CRL. */
function keptCrls(folder: string): Uint8Array[] {
  const files: { file: string; ders: () => Uint8Array[] }[] = [];
  const crlFolder = join(folder, 'crls');
  try {
    if (existsSync(crlFolder)) {
      for (const name of readdirSync(crlFolder)
        .filter((n) => n.endsWith('.pem'))
        .sort()) {
        const file = join(crlFolder, name);
        files.push({ file, ders: () => fromPem(readFileSync(file, 'utf8'), 'X509 CRL') });
      }
    }
    const tempCaCrl = join(folder, 'trust', 'temp-ca.crl');
    if (existsSync(tempCaCrl)) files.push({ file: tempCaCrl, ders: () => [bytes(tempCaCrl)] });
  } catch (error) {
    throw new OperatorError(`${crlFolder} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, 2);
  }
  return files.flatMap(({ file, ders }) => {
    try {
      const read = ders();
      if (read.length === 0) throw new Error('no CRL in it');
      for (const der of read) readCrl(der); // read here once, and kept for the verifier
      return read;
    } catch {
      throw new OperatorError(`${file} is not a readable CRL: the revocations it holds cannot be checked. Restore it from the export.`, 2);
    }
  });
}

/**
 * Why a paper record (`PaperResignRecord`, whose signature stands) does not fit its folder: it
 * names another step, or the scan beside it (`step-N.paper-scan.*`) is not the one it hashes.
 */
function paperMismatch(folder: string, names: readonly string[], step: number, record: Uint8Array): string | undefined {
  let fields: { step?: unknown; scanSha256?: unknown };
  try {
    fields = JSON.parse(new TextDecoder().decode(record)) as typeof fields;
  } catch {
    return `step-${step}.paper-record.json is not the JSON of a paper record.`;
  }
  if (fields.step !== step) return `step-${step}.paper-record.json is the record of step ${String(fields.step)}, not of step ${step}.`;
  const scans = names.filter((n) => n.startsWith(`step-${step}.paper-scan.`));
  if (scans.length !== 1)
    return `step ${step} has ${scans.length === 0 ? 'no' : 'more than one'} paper scan (step-${step}.paper-scan.*): the record names one by its SHA-256.`;
  let sha256: string;
  try {
    sha256 = createHash('sha256')
      .update(readFileSync(join(folder, scans[0]!)))
      .digest('hex');
  } catch (error) {
    return `${scans[0]} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`;
  }
  if (sha256 !== fields.scanSha256) return `${scans[0]} is not the scan the unit head's record names (its SHA-256 differs).`;
  return undefined;
}

/** The steps the folder's README lists ("step N: …"), as export-evidence writes it. */
function stepsListedIn(folder: string): number[] {
  try {
    return [...readFileSync(join(folder, 'README.txt'), 'utf8').matchAll(/^step ([1-9]\d*): /gm)].map((m) => Number(m[1]));
  } catch {
    return [];
  }
}

/** The runs of step numbers from 1 to the highest in `steps` that are not in it, as [first, last]. */
function absentRuns(steps: ReadonlySet<number>): [number, number][] {
  const sorted = [...steps].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  let next = 1;
  for (const n of sorted) {
    if (n > next) runs.push([next, n - 1]);
    next = n + 1;
  }
  return runs;
}

const bytes = (file: string) => new Uint8Array(readFileSync(file));
