import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { GongwenError } from '../../src-shared/common/errors.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import type { Database } from '../storage/schema.js';
import { pathCertificateOf, readPathCertificate, type PathCertificate } from '../signatures/path-certificate.js';
import type { X509Certificate } from 'node:crypto';
import { acceptCrl, crlIssuedBy, CrlRefused, normalSerial, revokedOf } from './crl.js';

/** What one signature's revocation check relied on for one issuer of the signer's path. */
export interface ReliedCrl {
  /** The CA that issued the checked certificate. */
  issuerSha256: string;
  /** The CRL consulted, or null when there was none for that issuer. */
  crlSha256: string | null;
  /** current: within nextUpdate; grace: past it, within the grace; stale: past the grace; none: no CRL. */
  status: 'current' | 'grace' | 'stale' | 'none';
}

/** One source's outcome in a refresh, for the log and the CLI. */
export interface RefreshOutcome {
  source: string;
  outcome: 'accepted' | 'unchanged' | 'refused' | 'unreachable';
  detail: string;
  sha256?: string;
}

export interface CardRevocationOptions {
  /** Files or http(s) URLs of CRLs for the card roots and intermediates (GONGWEN_CARD_CRLS). */
  sources: readonly string[];
  /** How long past its nextUpdate the last good CRL is still relied on (soft-fail). */
  graceMs: number;
  now: () => Date;
  fetchTimeoutMs?: number;
}

const HOUR_MS = 3600 * 1000;
const MAX_CRL_BYTES = 16 * 1024 * 1024;

/**
 * Revocation of card certificates by CRL. CRLs come from configured sources (files or URLs),
 * fetched at start, on a schedule and on demand (`refresh`); one is kept only when it parses, is
 * signed by a card root or a registered intermediate, and is not past its nextUpdate: a refused one
 * is reported and never trusted, and the last good one stays. Kept in the database (once, by
 * SHA-256), so every instance on the database checks against the same CRL.
 *
 * Soft-fail (docs/security.md): when no current CRL is held for an issuer, a signature is still
 * accepted, and the record says so (grace, stale or none); a certificate listed in the latest CRL
 * held, stale or not, is refused with CERT_REVOKED.
 */
export class CardRevocation {
  private readonly revokedBySha = new Map<string, ReadonlyMap<string, Date>>();
  /** Whether the CRLs kept under one certificate (the first hash) are the CA of another (`sameCa`). */
  private readonly sameCaPairs = new Map<string, boolean>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly roots: readonly X509Certificate[],
    private readonly options: CardRevocationOptions,
  ) {}

  get sources(): readonly string[] {
    return this.options.sources;
  }

  /** Fetches every source once; a source that fails leaves what is kept as it was. */
  async refresh(): Promise<RefreshOutcome[]> {
    const issuers = await this.issuers();
    const outcomes: RefreshOutcome[] = [];
    for (const source of this.options.sources) {
      let bytes: Uint8Array;
      try {
        bytes = await this.fetchSource(source);
      } catch (error) {
        outcomes.push({ source, outcome: 'unreachable', detail: error instanceof Error ? error.message : String(error) });
        continue;
      }
      try {
        const now = this.options.now();
        const crl = await acceptCrl(bytes, issuers, now, 5 * 60 * 1000);
        const inserted = await this.db
          .insertInto('card_crls')
          .values({
            sha256: crl.sha256,
            der: crl.der,
            issuer_sha256: crl.issuerSha256,
            this_update: crl.thisUpdate.toISOString(),
            next_update: crl.nextUpdate.toISOString(),
            fetched_at: now.toISOString(),
          })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .executeTakeFirst();
        const fresh = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
        outcomes.push({
          source,
          outcome: fresh ? 'accepted' : 'unchanged',
          detail: `thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${crl.nextUpdate.toISOString()}, ${crl.revoked.size} revoked`,
          sha256: crl.sha256,
        });
      } catch (error) {
        if (!(error instanceof CrlRefused)) throw error;
        outcomes.push({ source, outcome: 'refused', detail: error.message });
      }
    }
    return outcomes;
  }

  /** When to refresh next: hourly, or sooner when a kept CRL's nextUpdate comes first (at least a minute away). */
  async nextRefreshInMs(): Promise<number> {
    const row = await this.db
      .selectFrom('card_crls')
      .select((eb) => eb.fn.max('next_update').as('n'))
      .groupBy('issuer_sha256')
      .execute();
    const now = this.options.now().getTime();
    let delay = HOUR_MS;
    for (const r of row) {
      const until = new Date(String(r.n)).getTime() - now;
      if (until > 0) delay = Math.min(delay, until);
    }
    return Math.max(60_000, delay);
  }

  /**
   * Every certificate of a path below its root against its issuer's latest CRL: a revoked one is
   * CERT_REVOKED naming its serial and revocation date. Of several valid paths the first with none
   * revoked is the one relied on.
   */
  async check(paths: readonly (readonly PathCertificate[])[]): Promise<ReliedCrl[]> {
    let first: GongwenError | undefined;
    for (const path of paths) {
      const relied: ReliedCrl[] = [];
      let refused: GongwenError | undefined;
      for (let i = 0; i < path.length - 1 && !refused; i++) {
        const issuer = path[i + 1]!;
        const { relied: one, revoked } = await this.checkOne(path[i]!, issuer);
        if (revoked) refused = revoked;
        relied.push(one);
      }
      if (!refused) return relied;
      first ??= refused;
    }
    throw first ?? new GongwenError('CERT_UNTRUSTED', 'no path');
  }

  private async checkOne(certificate: PathCertificate, issuer: PathCertificate): Promise<{ relied: ReliedCrl; revoked?: GongwenError }> {
    const latest = await this.db
      .selectFrom('card_crls')
      .select(['sha256', 'der', 'next_update'])
      .where('issuer_sha256', 'in', await this.sameCa(issuer))
      .orderBy('this_update', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!latest) return { relied: { issuerSha256: issuer.sha256, crlSha256: null, status: 'none' } };
    const past = this.options.now().getTime() - new Date(latest.next_update).getTime();
    const status = past <= 0 ? 'current' : past <= this.options.graceMs ? 'grace' : 'stale';
    const relied: ReliedCrl = { issuerSha256: issuer.sha256, crlSha256: latest.sha256, status };
    const revokedAt = this.revokedIn(latest.sha256, latest.der).get(normalSerial(certificate.serial));
    if (!revokedAt) return { relied };
    const who = certificate.subject.replaceAll('\n', ', ');
    return {
      relied,
      revoked: new GongwenError(
        'CERT_REVOKED',
        `serial ${normalSerial(certificate.serial)} (${who}) revoked at ${revokedAt.toISOString()}, CRL ${latest.sha256}`,
      ),
    };
  }

  /**
   * The certificates CRLs were accepted under that are the same CA as `issuer`: their CRLs name it
   * and verify under its key (a re-issued or cross-certified CA certificate signs for the same
   * list). Judged from the CRLs themselves, so it holds after the certificate a CRL was accepted
   * under is no longer configured. A path through another certificate of a CA than the one its
   * CRL was accepted under must not escape it.
   */
  private async sameCa(issuer: PathCertificate): Promise<string[]> {
    const holders = await this.db.selectFrom('card_crls').select('issuer_sha256').distinct().execute();
    const same = [issuer.sha256];
    for (const { issuer_sha256: holder } of holders) {
      if (holder === issuer.sha256) continue;
      const pair = `${holder}>${issuer.sha256}`;
      let signs = this.sameCaPairs.get(pair);
      if (signs === undefined) {
        const one = await this.db.selectFrom('card_crls').select('der').where('issuer_sha256', '=', holder).limit(1).executeTakeFirstOrThrow();
        signs = await crlIssuedBy(new x509.X509Crl(new Uint8Array(one.der)), new x509.X509Certificate(issuer.der));
        this.sameCaPairs.set(pair, signs);
      }
      if (signs) same.push(holder);
    }
    return same;
  }

  private revokedIn(sha256: string, der: Uint8Array): ReadonlyMap<string, Date> {
    let revoked = this.revokedBySha.get(sha256);
    if (!revoked) {
      // Accepted (parsed and verified) before it was stored: reading it again cannot fail.
      revoked = revokedOf(new x509.X509Crl(new Uint8Array(der)));
      if (this.revokedBySha.size >= 64) this.revokedBySha.clear();
      this.revokedBySha.set(sha256, revoked);
    }
    return revoked;
  }

  /** The CAs whose CRLs are accepted: the card roots and the intermediates registered cards sit under. */
  private async issuers(): Promise<PathCertificate[]> {
    const registered = await this.db.selectFrom('card_certificates').select('intermediates').where('intermediates', 'is not', null).execute();
    const hashes = [...new Set(registered.flatMap((r) => JSON.parse(r.intermediates!) as string[]))];
    const rows = hashes.length ? await this.db.selectFrom('carried_certificates').select('der').where('sha256', 'in', hashes).execute() : [];
    return [...this.roots.map(pathCertificateOf), ...rows.map((r) => readPathCertificate(new Uint8Array(r.der)))];
  }

  private async fetchSource(source: string): Promise<Uint8Array> {
    if (!/^https?:\/\//.test(source)) return new Uint8Array(await readFile(source));
    const response = await fetch(source, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 10_000), redirect: 'follow' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_CRL_BYTES) throw new Error(`larger than ${MAX_CRL_BYTES} bytes`);
    return body;
  }
}

/** Records, with the signature, what its revocation check relied on (in the signature's transaction). */
export async function storeReliedCrls(
  trx: Kysely<Database>,
  rows: readonly { stepId: string; signer: 'signature' | 'countersignature' | 'paper-record'; relied: readonly ReliedCrl[] }[],
): Promise<void> {
  const values = rows.flatMap((r) =>
    r.relied.map((c) => ({ step_id: r.stepId, signer: r.signer, issuer_sha256: c.issuerSha256, crl_sha256: c.crlSha256, status: c.status })),
  );
  if (values.length > 0) await trx.insertInto('signature_crls').values(values).execute();
}
