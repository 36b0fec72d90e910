import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Evidence } from '../../src-shared/common/api/documents.js';
import { attachCountersignature } from '../../src-shared/node/cms/countersign.js';
import { parseCountersignerInfo, parseSignedData } from '../../src-shared/node/cms/parse.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { issuedBy, toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { oid } from '../../src-shared/node/cms/oids.js';
import type { ServiceContext } from '../context.js';
import { signedSteps } from '../storage/steps.js';
import { encodeSignedData } from '../../src-shared/node/cms/sign.js';
import { currentTempCaCrl } from '../temp-ca/crl.js';
import { withSignatureTimeStamp } from '../timestamp/attach.js';
import { readTimeStampToken } from '../timestamp/read-token.js';
import { timeStampsOfSteps, type StoredTimeStamp } from '../timestamp/signature-time-stamps.js';

/**
 * The evidence of a document's signatures, checkable without this project: for each signed step N,
 * `step-N.payload` (the exact signed bytes) and `step-N.p7s` (DER CMS with certificates and any
 * countersignatures), and `trust/` with the temp CA and the card roots. Each SignerInfo carries
 * its RFC 3161 token as the signature-time-stamp unsigned attribute (CAdES-T); the tokens are
 * also beside it (`step-N.signature.tst`, over `step-N.signature-value`; likewise for the
 * countersignature), with the TSAs' certificates in `trust/tsa.pem`, and the temp CA's CRL
 * (`trust/temp-ca.crl`, DER) as it stood at the export. The CRLs each card signature's
 * revocation check relied on are kept as `crls/<SHA-256>.pem`, and the README's cms command for a
 * signature checked against a current CRL uses them with -crl_check.
 */
export async function buildEvidence(ctx: ServiceContext, documentId: string): Promise<Evidence> {
  const { db } = ctx.storage;
  const doc = await db.selectFrom('documents').select(['id', 'number']).where('id', '=', documentId).executeTakeFirst();
  if (!doc) throw new GongwenError('DOCUMENT_NOT_FOUND');
  const steps = await signedSteps(db, doc.id);
  const files: Evidence['files'] = [];
  const add = (name: string, bytes: Uint8Array | string) => files.push({ name, contentBase64: Buffer.from(bytes).toString('base64') });
  const carried = await carriedCertificates(
    ctx,
    steps.map((s) => s.resign_certificates),
  );
  const intermediates = await cardIntermediates(
    ctx,
    steps.flatMap((s) => [s.temp_cert_used ? null : s.signer_certificate_sha256, s.resign_certificate_sha256, s.paper_certificate_sha256]),
  );
  // Every exported SignedData carries the card intermediates (outside what any signature covers).
  const withPath = (cms: Uint8Array) => withCertificates(cms, intermediates);
  const timeStamps = await timeStampsOfSteps(
    db,
    steps.map((s) => s.id),
  );
  const relied = await reliedCrls(
    ctx,
    steps.map((s) => s.id),
  );
  for (const [sha256, der] of relied.ders) add(`crls/${sha256}.pem`, toPem(der, 'X509 CRL'));
  const stampOf = (stepId: string, signer: StoredTimeStamp['signer']) => timeStamps.stamps.find((t) => t.stepId === stepId && t.signer === signer);
  const stamped: StampedStep[] = [];
  for (const s of steps) {
    const own = stampOf(s.id, 'signature')?.token;
    const counterRow = s.countersignature ? stampOf(s.id, 'countersignature') : undefined;
    const counter = counterRow?.token;
    add(`step-${s.seq}.payload`, s.payload!);
    const signature = own ? withOwnTimeStamp(s.signature!, own) : s.signature!;
    const countersignature = s.countersignature && counter ? stampedCountersignature(s.countersignature, counter) : s.countersignature;
    add(`step-${s.seq}.p7s`, withPath(countersignature ? withCountersignature(signature, countersignature, s.resign_certificates, carried) : signature));
    if (own) add(`step-${s.seq}.signature.tst`, own);
    const inside = countersignatureInside(s);
    // What the step's token and the countersignature are over: the SignerInfo's signature octets.
    if (own || s.countersignature || inside) add(`step-${s.seq}.signature-value`, parseSignedData(s.signature!).signerInfos[0]!.signature);
    if (s.countersignature && counter) {
      add(`step-${s.seq}.countersignature.tst`, counter);
      add(`step-${s.seq}.countersignature-value`, parseCountersignerInfo(s.countersignature).signature);
    }
    if (countersignature) add(`step-${s.seq}.countersignature.p7s`, withPath(countersignatureAlone(countersignature, s.resign_certificates, carried)));
    if (inside) add(`step-${s.seq}.countersignature.p7s`, encodeSignedData(inside.certificates, [inside.countersignature]));
    const paperRow = s.paper_signature ? stampOf(s.id, 'paper-record') : undefined;
    if (s.paper_scan && s.paper_record && s.paper_signature) {
      add(`step-${s.seq}.paper-scan.${SCAN_EXTENSIONS[s.paper_scan_media_type ?? ''] ?? 'bin'}`, s.paper_scan);
      add(`step-${s.seq}.paper-record.json`, s.paper_record);
      const paperToken = paperRow?.token;
      // The head's signature with its token as the signature-time-stamp attribute, as for a step's.
      add(`step-${s.seq}.paper-record.p7s`, withPath(paperToken ? withOwnTimeStamp(s.paper_signature, paperToken) : s.paper_signature));
      if (paperToken) {
        add(`step-${s.seq}.paper-record.tst`, paperToken);
        add(`step-${s.seq}.paper-record-value`, parseSignedData(s.paper_signature).signerInfos[0]!.signature);
      }
    }
    const ownRow = stampOf(s.id, 'signature');
    stamped.push({
      resign: resignOf(s),
      seq: s.seq,
      temp_cert_used: s.temp_cert_used,
      resigned_at: s.resigned_at,
      signing_time: s.signing_time,
      countersigned: s.countersignature !== null || inside !== null,
      countersignatureInside: inside !== null,
      signatureTimeStamp: ownRow?.genTime ?? null,
      countersignatureTimeStamp: counterRow?.genTime ?? null,
      paperRecordTimeStamp: paperRow?.genTime ?? null,
      pending: [
        ...(ownRow && !ownRow.token ? ['signature'] : []),
        ...(counterRow && !counterRow.token ? ['countersignature'] : []),
        ...(paperRow && !paperRow.token ? ['paper record'] : []),
      ],
      signatureCrls: relied.of(s.id, 'signature'),
      countersignatureCrls: relied.of(s.id, 'countersignature'),
      paperRecordCrls: relied.of(s.id, 'paper-record'),
    });
  }
  add('trust/temp-ca.pem', toPem(ctx.tempCa.certificateDer, 'CERTIFICATE'));
  // The temp CA's current CRL, so a relying party holding only the evidence can see revocations.
  add('trust/temp-ca.crl', (await currentTempCaCrl(ctx)).der);
  add('trust/card-roots.pem', ctx.cardRoots.map((r) => r.toString()).join(''));
  // The TSAs that issued this document's tokens (a replaced TSA's certificate stays on record).
  const tsaCertificates = timeStamps.tsaCertificates.length ? timeStamps.tsaCertificates : [ctx.timeStampAuthority.certificateDer];
  const tokenCertificates = timeStamps.stamps.flatMap((s) => (s.token ? readTimeStampToken(s.token).certificates : []));
  add('trust/tsa.pem', (await withTsaIssuers(ctx, tsaCertificates, tokenCertificates)).map((c) => toPem(c, 'CERTIFICATE')).join(''));
  add('README.txt', readme(doc.number, stamped));
  return { documentNumber: doc.number, files };
}

interface ReliedOn {
  sha256: string | null;
  status: string;
  /** The CRL's thisUpdate and nextUpdate (ISO), when it is kept. */
  thisUpdate: string | null;
  nextUpdate: string | null;
}

/**
 * What each signature's revocation check relied on (`signature_crls`), and the CRLs themselves,
 * by SHA-256, each once.
 */
async function reliedCrls(ctx: ServiceContext, stepIds: readonly string[]) {
  const { db } = ctx.storage;
  const rows = stepIds.length
    ? await db
        .selectFrom('signature_crls')
        .selectAll()
        .where('step_id', 'in', [...stepIds])
        .execute()
    : [];
  const hashes = [...new Set(rows.flatMap((r) => (r.crl_sha256 ? [r.crl_sha256] : [])))];
  // A card signature relied on card CRLs, a temp-cert signature on the temp CA's own.
  const kept = hashes.length
    ? [
        ...(await db.selectFrom('card_crls').select(['sha256', 'der']).where('sha256', 'in', hashes).execute()),
        ...(await db.selectFrom('relied_temp_ca_crls').select(['sha256', 'der']).where('sha256', 'in', hashes).execute()),
      ]
    : [];
  const ders = new Map(kept.map((r) => [r.sha256, new Uint8Array(r.der)]));
  const periods = new Map(
    [...ders].map(([sha256, der]) => {
      const crl = new x509.X509Crl(der);
      return [sha256, { thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate?.toISOString() ?? null }];
    }),
  );
  return {
    ders,
    of: (stepId: string, signer: string): ReliedOn[] =>
      rows
        .filter((r) => r.step_id === stepId && r.signer === signer)
        .map((r) => {
          const period = r.crl_sha256 ? periods.get(r.crl_sha256) : undefined;
          return { sha256: period ? r.crl_sha256 : null, status: r.status, thisUpdate: period?.thisUpdate ?? null, nextUpdate: period?.nextUpdate ?? null };
        }),
  };
}

/**
 * The TSA certificates with every issuer on record (`tsa_certificates`) above them: an external
 * TSA's tokens name its own certificate, issued by the root the service was configured to trust or
 * by a CA under it, and `openssl ts -verify -CAfile` needs that root to end the chain. A CA that is
 * not on record but came in the tokens themselves (`carried`) is a link to follow, not a
 * certificate to trust: openssl finds it in the token. The built-in TSA's certificate is its own issuer.
 */
async function withTsaIssuers(ctx: ServiceContext, certificates: readonly Uint8Array[], carried: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const onRecord = (await ctx.storage.db.selectFrom('tsa_certificates').select('der').orderBy('sha256').execute()).map((r) => new X509Certificate(r.der));
  const links = [...onRecord, ...carried.map((c) => new X509Certificate(c))];
  const reached = certificates.map((c) => new X509Certificate(c));
  // Grows as issuers are found; each certificate joins once, so it ends.
  for (let i = 0; i < reached.length; i++) {
    const subject = reached[i]!;
    for (const candidate of links) if (!reached.some((c) => c.raw.equals(candidate.raw)) && issuedBy(subject, candidate)) reached.push(candidate);
  }
  const trusted = reached.filter((c, i) => i < certificates.length || onRecord.some((r) => r.raw.equals(c.raw)));
  return trusted.map((c) => new Uint8Array(c.raw));
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
function withCountersignature(
  signature: Uint8Array,
  countersignature: Uint8Array,
  certificateHashes: string | null,
  carried: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  const certificates = carriedOf(certificateHashes, carried);
  return attachCountersignature(parseSignedData(signature), countersignature, certificates);
}

/**
 * The countersignature (with its token) as a detached CMS SignedData of its own, its content the
 * countersigned signature value: openssl cannot verify a countersignature inside a SignerInfo,
 * but `openssl smime -verify` verifies this, with -content step-N.signature-value.
 * The SignerInfo is the one in step-N.p7s: the stored one with its token as an unsigned attribute
 * (its signed attributes and the card's signature over them unchanged).
 */
/**
 * The CA certificates between the card roots and the cards that signed, as each card was
 * registered with them: a card under an intermediate (a GCA card under GRCA) signs with its own
 * certificate alone, and the service completed its path from what registration kept. Without
 * them no verifier holding only the card roots could build the path.
 */
async function cardIntermediates(ctx: ServiceContext, cardSha256s: readonly (string | null)[]): Promise<Uint8Array[]> {
  const cards = [...new Set(cardSha256s.filter((h): h is string => h !== null))];
  if (cards.length === 0) return [];
  const rows = await ctx.storage.db.selectFrom('card_certificates').select('intermediates').where('sha256', 'in', cards).execute();
  const carried = await carriedCertificates(
    ctx,
    rows.map((r) => r.intermediates),
  );
  return [...carried.values()];
}

/** `cms` with `extra` among its certificates (those not there already); the SignerInfos as they were. */
function withCertificates(cms: Uint8Array, extra: readonly Uint8Array[]): Uint8Array {
  if (extra.length === 0) return cms;
  const parsed = parseSignedData(cms);
  const missing = extra.filter((c) => !parsed.certificates.some((had) => Buffer.from(had).equals(c)));
  if (missing.length === 0) return cms;
  return encodeSignedData(
    [...parsed.certificates, ...missing],
    parsed.signerInfos.map((s) => s.encoding),
    parsed.crls,
  );
}

function countersignatureAlone(countersignature: Uint8Array, certificateHashes: string | null, carried: ReadonlyMap<string, Uint8Array>): Uint8Array {
  return encodeSignedData(carriedOf(certificateHashes, carried), [countersignature]);
}

function carriedOf(certificateHashes: string | null, carried: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
  return (JSON.parse(certificateHashes ?? '[]') as string[]).map((h) => {
    const found = carried.get(h);
    if (!found) throw new GongwenError('INTERNAL', `carried certificate ${h} is missing`);
    return found;
  });
}

/** The step's signature with its token as the signature-time-stamp attribute of its (first) SignerInfo. */
function withOwnTimeStamp(signature: Uint8Array, token: Uint8Array): Uint8Array {
  const parsed = parseSignedData(signature);
  const signerInfos = parsed.signerInfos.map((s, i) => (i === 0 ? withSignatureTimeStamp(s.encoding, s.unsignedAttributes, token) : s.encoding));
  return encodeSignedData(parsed.certificates, signerInfos, parsed.crls);
}

/**
 * A step re-signed before migration 0004: 補簽 then rewrote the signature, so the card's
 * countersignature is inside it (an unsigned attribute of its SignerInfo) with the card's
 * certificates among the SignedData's, and nothing is kept beside it. Read out, it is written as
 * step-N.countersignature.p7s like any other, so the same command checks it. Null for any other step.
 */
function countersignatureInside(s: {
  countersignature: Uint8Array | null;
  resigned_at: string | null;
  resign_kind: string | null;
  signature: Uint8Array | null;
}) {
  if (s.countersignature || !s.resigned_at || s.resign_kind === 'paper' || !s.signature) return null;
  const parsed = parseSignedData(s.signature);
  const counter = parsed.signerInfos[0]?.countersignatures[0];
  return counter ? { countersignature: counter.encoding, certificates: parsed.certificates } : null;
}

function stampedCountersignature(countersignature: Uint8Array, token: Uint8Array): Uint8Array {
  return withSignatureTimeStamp(countersignature, parseCountersignerInfo(countersignature).unsignedAttributes, token);
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

/** The file name of a paper re-sign's scan, by the media type its first bytes showed. */
const SCAN_EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg' };

/** How a re-signed step was re-signed, as the README says it: who, for whom, by which right, why. */
interface ResignFacts {
  kind: 'self' | 'on-behalf' | 'paper';
  by: string | null;
  forAccount: string;
  right: string | null;
  reason: string | null;
  paperScan: string | null;
  paperScanSha256: string | null;
}

function resignOf(s: Awaited<ReturnType<typeof signedSteps>>[number]): ResignFacts | null {
  if (!s.resigned_at || !s.resign_kind) return null;
  const scan = s.paper_scan_media_type ? `step-${s.seq}.paper-scan.${SCAN_EXTENSIONS[s.paper_scan_media_type] ?? 'bin'}` : null;
  return {
    kind: s.resign_kind as ResignFacts['kind'],
    by: s.resigned_by ?? null,
    forAccount: s.holder_account,
    right: s.resign_right,
    reason: s.resign_reason,
    paperScan: scan,
    paperScanSha256: s.paper_scan_sha256 ?? null,
  };
}

interface StampedStep {
  resign: ResignFacts | null;
  seq: number;
  temp_cert_used: number;
  resigned_at: string | null;
  signing_time: string | null;
  /** Re-signed with a card: a countersignature is kept (a paper re-sign has none). */
  countersigned: boolean;
  /** Re-signed before migration 0004: the countersignature is inside the stored signature, with no token. */
  countersignatureInside: boolean;
  /** genTime of the token over the step's signature value, over the countersignature's. */
  signatureTimeStamp: string | null;
  countersignatureTimeStamp: string | null;
  /** genTime of the token over the unit head's signature on a paper record. */
  paperRecordTimeStamp: string | null;
  /** Which of the step's SignerInfos have their token still pending (the TSA was unreachable). */
  pending: string[];
  /** The revocation data each SignerInfo's check relied on, per issuer of its path (none recorded: empty). */
  signatureCrls: ReliedOn[];
  countersignatureCrls: ReliedOn[];
  paperRecordCrls: ReliedOn[];
}

/**
 * For a signature whose check relied on current CRLs for every issuer of its path: a command that
 * puts the trust anchors and those CRLs in one file (openssl cms has no -CRLfile; it reads CRLs from
 * its -CAfile), and the -CAfile and -crl_check options that use it. Null when any CRL was missing
 * or past its nextUpdate (soft-fail: openssl would refuse a stale CRL; the README says why instead).
 */
function crlCheck(bundle: string, ca: string, crls: readonly ReliedOn[], at: string | null): { prepare: string; ca: string; options: string } | null {
  if (crls.length === 0 || crls.some((c) => c.sha256 === null || c.status !== 'current')) return null;
  if (at && crls.some((c) => !covers(c, at))) return null;
  return {
    prepare: `cat ${ca} ${crls.map((c) => `crls/${c.sha256}.pem`).join(' ')} > ${bundle}`,
    ca: bundle,
    options: crls.length === 1 ? ' -crl_check' : ' -crl_check_all',
  };
}

/**
 * Whether openssl takes `crl` as valid at `at` (-attime, whole seconds): thisUpdate not after it,
 * nextUpdate after it (openssl 3 calls a CRL expired at its nextUpdate's very second). A token
 * fetched late (the TSA was down past the CRL's nextUpdate), or a pending one checked at the
 * signer's earlier claim, can fall outside the CRL the service relied on when it accepted the
 * signature; openssl's -crl_check would then fail for the CRL's dates.
 */
function covers(crl: ReliedOn, at: string): boolean {
  const t = seconds(at);
  return crl.thisUpdate !== null && seconds(crl.thisUpdate) <= t && (crl.nextUpdate === null || t < seconds(crl.nextUpdate));
}

/** The README's line for CRLs relied on that do not cover the time a command checks at; none when they do. */
function uncoveredCrls(crls: readonly ReliedOn[], at: string | null): string[] {
  const outside = at ? crls.filter((c) => c.sha256 !== null && c.status === 'current' && !covers(c, at)) : [];
  return outside.map(
    (c) =>
      `  crls/${c.sha256}.pem (${c.thisUpdate} to ${c.nextUpdate}) does not cover ${at}, so -crl_check is left out: the service relied on it when it accepted the signature, and it did not list the certificate.`,
  );
}

function describeCrls(crls: readonly ReliedOn[]): string {
  return crls.map((c) => (c.sha256 ? `crls/${c.sha256}.pem (${c.status})` : 'no CRL available (accepted under the soft-fail rule)')).join(', ');
}

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/**
 * The re-sign countersignature's commands: its token over its own signature value, then the
 * countersignature alone (step-N.countersignature.p7s, a detached SignedData over step-N.signature-value)
 * as of the token's time, against the card CRLs its check relied on.
 */
function countersignatureCommands(s: StampedStep): string[] {
  const lines: string[] = [];
  const at = s.countersignatureTimeStamp ?? s.resigned_at;
  const revocation = crlCheck(`step-${s.seq}.countersignature.ca-and-crls.pem`, 'trust/card-roots.pem', s.countersignatureCrls, at);
  // openssl smime, not cms: cms demands a content-type signed attribute, which RFC 5652 §11.4
  // forbids in a countersignature; smime (the PKCS #7 code) checks the message-digest against
  // the content and the card's signature over the signed attributes all the same.
  const verify = `openssl smime -verify -inform DER -in step-${s.seq}.countersignature.p7s -binary -content step-${s.seq}.signature-value -CAfile ${revocation?.ca ?? 'trust/card-roots.pem'} -purpose any -out /dev/null${revocation?.options ?? ''}`;
  if (s.countersignatureTimeStamp) {
    lines.push(
      `  re-sign countersignature time-stamped ${s.countersignatureTimeStamp}; it is over the signature value, checked as of that time (the token's genTime):`,
    );
    lines.push(`$ openssl ts -verify -token_in -in step-${s.seq}.countersignature.tst -data step-${s.seq}.countersignature-value -CAfile trust/tsa.pem`);
  } else if (s.countersignatureInside) {
    lines.push(
      '  re-signed before time-stamping began, and before the service kept countersignatures apart (migration 0004): the',
      `  countersignature is inside step-${s.seq}.p7s, written out alone as step-${s.seq}.countersignature.p7s. It has no time-stamp`,
      '  and no CRL was recorded for it: it is checked as of the re-sign time the service recorded (its own record, not a',
      '  time-stamp; nothing proves the countersignature existed then) and without revocation data:',
    );
  } else if (s.pending.includes('countersignature')) {
    lines.push("  re-sign countersignature, time-stamp pending: checked as of the service's acceptance of the re-sign, until the token arrives:");
  } else if (s.resigned_at) {
    lines.push(
      '  no time-stamp (re-signed before time-stamping began): checked as of the re-sign time the service recorded (its own record, not a time-stamp):',
    );
  }
  if (revocation) lines.push(`  the card roots and the CRLs the re-sign relied on, in one file for -crl_check:`, `$ ${revocation.prepare}`);
  lines.push(...uncoveredCrls(s.countersignatureCrls, at));
  if (at) lines.push(`$ ${verify} -attime ${seconds(at)}`);
  return lines;
}

/**
 * A paper re-sign's commands: the scan's hash, named in the record; the token over the unit head's
 * signature value; that signature as of the token's time, against the card CRLs its check relied on.
 */
function paperRecordCommands(s: StampedStep, r: ResignFacts): string[] {
  const record = `step-${s.seq}.paper-record`;
  const lines = [
    `  re-signed on paper (紙本補簽) for ${r.forAccount}, recorded by ${r.by ?? '?'} (unit head); reason (原因): ${r.reason ?? ''}`,
    `  the scan is ${r.paperScan ?? '?'} (SHA-256 ${r.paperScanSha256 ?? '?'}, named in the record); the unit head's card signed ${record}.json:`,
  ];
  const revocation = crlCheck(`${record}.ca-and-crls.pem`, 'trust/card-roots.pem', s.paperRecordCrls, s.paperRecordTimeStamp ?? s.resigned_at);
  if (s.paperRecordCrls.length > 0) lines.push(`  unit head's card revocation checked against: ${describeCrls(s.paperRecordCrls)}`);
  if (revocation) lines.push(`  the card roots and the CRLs the paper record relied on, in one file for -crl_check:`, `$ ${revocation.prepare}`);
  lines.push(...uncoveredCrls(s.paperRecordCrls, s.paperRecordTimeStamp ?? s.resigned_at));
  const verify = `openssl cms -verify -inform DER -in ${record}.p7s -binary -content ${record}.json -CAfile ${revocation?.ca ?? 'trust/card-roots.pem'} -purpose any -out /dev/null${revocation?.options ?? ''}`;
  if (s.paperRecordTimeStamp) {
    lines.push(
      `  paper record time-stamped ${s.paperRecordTimeStamp}; the head's signature as of that time (-attime is the token's genTime, not the head's claim):`,
    );
    lines.push(`$ openssl ts -verify -token_in -in ${record}.tst -data ${record}-value -CAfile trust/tsa.pem`);
    lines.push(`$ ${verify} -attime ${seconds(s.paperRecordTimeStamp)}`);
  } else if (s.resigned_at) {
    // The service's own record of the re-sign, as for a card countersignature and as the console
    // shows it: never the head's claimed signing time.
    lines.push(
      s.pending.includes('paper record')
        ? "  paper record, time-stamp pending: checked as of the service's recording of it, until the token arrives:"
        : "  no time-stamp (recorded before paper records were time-stamped): checked as of the service's recording of it (its own record, not a time-stamp):",
    );
    lines.push(`$ ${verify} -attime ${seconds(s.resigned_at)}`);
  }
  lines.push(`$ openssl dgst -sha256 ${r.paperScan ?? ''}`);
  return lines;
}

/**
 * The README: what each file is, then per step the exact commands that check it. Every command
 * line begins with "$ " and runs in the evidence folder as written (the tests run them so).
 */
function readme(number: string, steps: readonly StampedStep[]): string {
  const lines = [
    `Evidence of the signatures on document ${number} (公文文號 ${number}).`,
    '',
    'Each signed step N has step-N.payload, the exact bytes that were signed (RFC 8785 JSON), and',
    'step-N.p7s, a detached CMS SignedData (DER) carrying the signer certificate (and, for a card',
    'under an intermediate CA, the CA certificates between it and trust/card-roots.pem).',
    '',
    'Time-stamps (RFC 3161, CAdES-T). Each signature and each re-sign countersignature has a token',
    'from a time-stamping authority over its signature value: the unsigned attribute',
    'signature-time-stamp (1.2.840.113549.1.9.16.2.14) of its SignerInfo in step-N.p7s, and the',
    "same token beside it, step-N.signature.tst over step-N.signature-value (the SignerInfo's",
    'signature octets) and step-N.countersignature.tst over step-N.countersignature-value. The',
    'TSA certificates are in trust/tsa.pem. openssl ts -verify proves the signature value existed',
    "at the token's time; openssl cms -verify then checks the signature as of that time (-attime),",
    "so no time is taken from the signer's own claim (its signing-time attribute).",
    "A paper re-sign (紙本補簽) is the unit head's card signature over step-N.paper-record.json; it",
    'has its token the same way (in step-N.paper-record.p7s, and step-N.paper-record.tst over',
    'step-N.paper-record-value), and the CRLs the card was checked against are kept in crls/.',
    '',
    'Revocation: the CRLs each signature relied on when the service accepted it are in crls/, named',
    "by their SHA-256: for a card, its issuers' CRLs; for a temporary certificate, the temp CA's own",
    'CRL of that moment (a certificate revoked later is not on it). Where the check relied on a',
    'current CRL, the commands below put it beside the trust anchors (openssl reads CRLs from its',
    '-CAfile) and verify with -crl_check: a certificate on that CRL fails with "certificate revoked".',
    '',
    'Trust: card signatures chain to trust/card-roots.pem, temporary-certificate signatures to',
    'trust/temp-ca.pem. A certificate may have expired since; that is why -attime is given.',
    "trust/temp-ca.crl is the temp CA's CRL (DER, RFC 5280) at the time of this export, the one each",
    'temporary certificate names as its CRL distribution point: openssl crl -inform DER -in',
    'trust/temp-ca.crl -CAfile trust/temp-ca.pem -noout -text. A temporary certificate disabled or',
    'deleted after it signed is listed with its revocation date; the time-stamp shows the',
    'signature is older than that date.',
    'Show the re-sign (補簽) countersignature: openssl cms -cmsout -print -inform DER -in step-N.p7s',
    '  It is the unsigned attribute countersignature (1.2.840.113549.1.9.6) of the SignerInfo: its',
    "  message-digest is the SHA-256 of that SignerInfo's signature value, its signing certificate",
    '  chains to trust/card-roots.pem, and the re-sign note is the UTF8String of attribute',
    '  2.25.148236149808349953054963097656526251520.2.',
    '  To verify it, step-N.countersignature.p7s holds that same SignerInfo (as in step-N.p7s, with',
    '  its time-stamp) as a detached SignedData of its own, whose content is step-N.signature-value, the',
    '  value it countersigns. It is checked with openssl smime -verify: openssl cms -verify refuses any',
    '  SignerInfo without a content-type attribute, and RFC 5652 §11.4 forbids that attribute in a',
    '  countersignature; smime checks the message-digest against the content and the card signature',
    '  over the signed attributes, and the card certificate as of the -attime given.',
    '',
    'With GongwenDesk installed, one command checks every signature in this folder the same way,',
    'each as of its own time-stamp, and prints the SHA-256 of the trust anchors it used (compare them',
    "with the ones your agency published, or name the agency's files with --card-roots, --temp-ca",
    'and --tsa): gongwen-server verify-evidence <this folder>.',
    '',
    'Commands, step by step (run in this folder):',
  ];
  for (const s of steps) {
    const resigned = s.resign?.kind === 'paper' ? `, re-signed on paper at ${s.resigned_at}` : `, re-signed with the card at ${s.resigned_at}`;
    const how = s.temp_cert_used ? `temporary certificate${s.resigned_at ? resigned : ', not yet re-signed'}` : 'card';
    const claimed = s.signing_time ? `, signing time claimed by the signer ${s.signing_time}` : '';
    lines.push('', `step ${s.seq}: ${how}${claimed}`);
    for (const which of s.pending)
      lines.push(`  time-stamp pending for the ${which}: the time-stamping authority was unreachable; it is fetched later, export again to include it.`);
    const ca = s.temp_cert_used ? 'trust/temp-ca.pem' : 'trust/card-roots.pem';
    const checkedAt = s.signatureTimeStamp ?? s.signing_time;
    const revocation = crlCheck(`step-${s.seq}.ca-and-crls.pem`, ca, s.signatureCrls, checkedAt);
    const verify = `openssl cms -verify -inform DER -in step-${s.seq}.p7s -binary -content step-${s.seq}.payload -CAfile ${revocation?.ca ?? ca} -purpose any -out /dev/null${revocation?.options ?? ''}`;
    if (revocation) lines.push(`  the trust anchors and the CRLs relied on, in one file for -crl_check:`, `$ ${revocation.prepare}`);
    if (s.signatureCrls.length > 0) lines.push(`  revocation checked against: ${describeCrls(s.signatureCrls)}`);
    lines.push(...uncoveredCrls(s.signatureCrls, checkedAt));
    if (s.countersignatureCrls.length > 0) lines.push(`  re-sign card's revocation checked against: ${describeCrls(s.countersignatureCrls)}`);
    if (s.signatureTimeStamp) {
      lines.push(`  time-stamped ${s.signatureTimeStamp}; the signature as of that time (-attime is the token's genTime, not the signer's claim):`);
      lines.push(`$ openssl ts -verify -token_in -in step-${s.seq}.signature.tst -data step-${s.seq}.signature-value -CAfile trust/tsa.pem`);
      lines.push(`$ ${verify} -attime ${seconds(s.signatureTimeStamp)}`);
    } else if (s.signing_time) {
      lines.push(
        s.pending.includes('signature')
          ? "  as of the signer's claimed time only, until the time-stamp arrives:"
          : "  no time-stamp (signed before time-stamping began): as of the signer's claimed time only:",
      );
      lines.push(`$ ${verify} -attime ${seconds(s.signing_time)}`);
    }
    const r = s.resign;
    if (r && r.kind === 'on-behalf') {
      lines.push(
        `  re-signed on behalf (代為補簽) of ${r.forAccount} by ${r.by ?? '?'} as ${r.right === 'unit-head' ? 'unit head (主管)' : 'deputy (代理人)'}; reason (原因): ${r.reason ?? ''}`,
        `  the countersignature's signed attributes carry the reason (${oid.resignReason}) and the signer's account (${oid.resignOnBehalfOf}).`,
      );
    }
    if (r && r.kind === 'paper') lines.push(...paperRecordCommands(s, r));
    if (s.countersigned) lines.push(...countersignatureCommands(s));
  }
  lines.push('');
  return lines.join('\n');
}
