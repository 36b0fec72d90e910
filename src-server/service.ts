import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AgencyPolicy } from '../src-shared/common/api/policy.js';
import { PasswordGuard } from './accounts/password-guard.js';
import type { ServiceContext } from './context.js';
import { loadAgencyPolicy } from './policy/agency-policy.js';
import { parseTrustedProxies } from './http/tls.js';
import { SignerPolicy } from './signatures/signer-policy.js';
import { CardRevocation } from './revocation/card-revocation.js';
import { OperatorError } from './operations/operator-error.js';
import { openStorage } from './storage/database.js';
import { ensurePrivateFolder } from './storage/private-files.js';
import type { TempCertAuthority } from './temp-ca/authority.js';
import { readSealKey } from './keys/seal.js';
import { loadBuiltInTsa, loadTempCa, requireOneKeySource } from './keys/service-keys.js';
import { issuedTempCertificates, requireIssuer } from './temp-ca/start-check.js';
import { fromPem } from '../src-shared/node/pki/x509.js';
import type { TimeStampAuthority } from './timestamp/authority.js';
import { RemoteTimeStampAuthority } from './timestamp/remote.js';
import { keepTsaCertificates } from './timestamp/signature-time-stamps.js';

/**
 * Configuration, from the environment in the CLI:
 *   GONGWEN_DATA_DIR        data folder (default ./data): SQLite file, temp CA on first start
 *   DATABASE_URL            postgres://… to use PostgreSQL instead of SQLite
 *   GONGWEN_TEMP_CA_CERT / GONGWEN_TEMP_CA_KEY   the temp CA (unset: sealed in the database with
 *                           GONGWEN_SEAL_KEY_FILE, else made in the data folder on SQLite)
 *   GONGWEN_SEAL_KEY_FILE   32 random bytes (base64) sealing the temp CA and TSA keys kept in the
 *                           database for every instance; required with PostgreSQL unless the
 *                           GONGWEN_TEMP_CA_* and GONGWEN_TSA_* files are shared (docs/security.md)
 *   GONGWEN_CARD_ROOTS      PEM file of trusted card roots (default <data>/trust/card-roots.pem)
 *   GONGWEN_SESSION_HOURS   how long a login lasts (default 10)
 *   GONGWEN_TEMP_CERT_DAYS  validity of a temporary certificate issued from now on (default 365)
 *   GONGWEN_TSA_CERT / GONGWEN_TSA_KEY   the built-in time-stamping authority (made in <data>/tsa if unset)
 *   GONGWEN_TIME_STAMP_SKEW_SECONDS      how far a signing time may lie after its time-stamp (default 300)
 *   GONGWEN_TSA_URL / GONGWEN_TSA_TRUST  an external RFC 3161 TSA instead, and the PEM file of its trusted certificates
 *   GONGWEN_BENCH_WITHOUT_TIME_STAMPS=1  benchmarks only: take no time-stamps (to measure their cost); never in service
 *   GONGWEN_TLS_CERT / GONGWEN_TLS_KEY   serve HTTPS with this certificate and key (PEM); GONGWEN_TRUST_PROXY the reverse proxies believed
 *   GONGWEN_CARD_CRLS       CRLs of the card CAs: files or http(s) URLs, separated by spaces or commas
 *   GONGWEN_CRL_GRACE_HOURS how long past its nextUpdate the last good card CRL is relied on (default 24)
 *   GONGWEN_POLICY          the agency's policy for 補簽 and temp certs (a JSON file; unset: the seed's rules)
 *   GONGWEN_PUBLIC_URL      the service's address as clients and relying parties reach it (default
 *                           http://127.0.0.1:<PORT or 8380>); temp certificates name <it>/api/temp-ca/crl
 *   GONGWEN_ADMINISTRATORS  accounts (comma-separated) that may use the admin API (separation, all units' figures)
 * The README's configuration reference lists these and the rest (PORT, GONGWEN_LOG_LEVEL …).
 */
export interface ServiceConfig {
  dataDir: string;
  databaseUrl?: string;
  tempCaCertPath?: string;
  tempCaKeyPath?: string;
  /** GONGWEN_SEAL_KEY_FILE: the key sealing the temp CA's and TSA's keys kept in the database. */
  sealKeyPath?: string;
  cardRootsPath?: string;
  tempCertValidityDays?: number;
  sessionHours?: number;
  tsaCertPath?: string;
  tsaKeyPath?: string;
  timeStampSkewSeconds?: number;
  tsaUrl?: string;
  tsaTrustPath?: string;
  /** The agency's policy file; `policy` (tests) takes precedence over it. */
  policyPath?: string;
  policy?: AgencyPolicy;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  trustedProxies?: string[];
  /** The service's public base URL (no trailing slash): temp certificates' CRL distribution point. */
  publicUrl?: string;
  /** Accounts that may use the admin API (GONGWEN_ADMINISTRATORS); none when unset. */
  administrators?: readonly string[];
  /** Card CRL sources (files or http(s) URLs), fetched at start, hourly and on demand. */
  cardCrlSources?: string[];
  crlGraceHours?: number;
  /**
   * Bench only: take no time-stamps, so `npm run bench` can measure what time-stamping costs in the
   * same run. Signatures accepted so are not CAdES-T; never set it for a service in use.
   */
  benchWithoutTimeStamps?: boolean;
  now?: () => Date;
}

export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    dataDir: resolve(env.GONGWEN_DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    tempCaCertPath: env.GONGWEN_TEMP_CA_CERT || undefined,
    tempCaKeyPath: env.GONGWEN_TEMP_CA_KEY || undefined,
    sealKeyPath: env.GONGWEN_SEAL_KEY_FILE || undefined,
    cardRootsPath: env.GONGWEN_CARD_ROOTS || undefined,
    sessionHours: wholeNumber(env, 'GONGWEN_SESSION_HOURS', 1, 24 * 7),
    tempCertValidityDays: wholeNumber(env, 'GONGWEN_TEMP_CERT_DAYS', 1, 3650),
    tsaCertPath: env.GONGWEN_TSA_CERT || undefined,
    tsaKeyPath: env.GONGWEN_TSA_KEY || undefined,
    timeStampSkewSeconds: wholeNumber(env, 'GONGWEN_TIME_STAMP_SKEW_SECONDS', 0, 3600),
    tsaUrl: env.GONGWEN_TSA_URL || undefined,
    tsaTrustPath: env.GONGWEN_TSA_TRUST || undefined,
    policyPath: env.GONGWEN_POLICY || undefined,
    tlsCertPath: env.GONGWEN_TLS_CERT || undefined,
    tlsKeyPath: env.GONGWEN_TLS_KEY || undefined,
    trustedProxies: parseTrustedProxies(env.GONGWEN_TRUST_PROXY),
    publicUrl: publicUrl(env),
    administrators: (env.GONGWEN_ADMINISTRATORS ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    cardCrlSources: env.GONGWEN_CARD_CRLS ? env.GONGWEN_CARD_CRLS.split(/[\s,]+/).filter(Boolean) : undefined,
    crlGraceHours: wholeNumber(env, 'GONGWEN_CRL_GRACE_HOURS', 0, 24 * 30),
    benchWithoutTimeStamps: env.GONGWEN_BENCH_WITHOUT_TIME_STAMPS === '1',
  };
}

/**
 * GONGWEN_PUBLIC_URL, checked: an http(s) URL with no credentials, query or fragment, since it is
 * written into every temp certificate issued (a wrong one cannot be taken back). Unset: this
 * machine's loopback address at PORT, right for one PC and for tests, and named in the README.
 */
export function publicUrl(env: NodeJS.ProcessEnv): string {
  const text = env.GONGWEN_PUBLIC_URL;
  if (!text) return `http://127.0.0.1:${/^\d{1,5}$/.test(env.PORT ?? '') ? env.PORT : '8380'}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OperatorError(`GONGWEN_PUBLIC_URL must be an http(s) URL such as https://gongwen.example.gov.tw, not "${text}".`, 2);
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash || text.includes('#') || text.includes('?'))
    throw new OperatorError(
      `GONGWEN_PUBLIC_URL must be an http(s) URL without user name, password, query or fragment (it is written into every temp certificate), not "${text}".`,
      2,
    );
  return url.toString().replace(/\/+$/, '');
}

/** A whole number from the environment within [min, max]; unset is undefined (the default applies). */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (!text) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new OperatorError(`${name} must be a whole number from ${min} to ${max}, not "${text}".`, 2);
  return value;
}

export async function loadCardRoots(path: string): Promise<X509Certificate[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return []; // no trusted card roots yet: card signatures are refused until an administrator adds some
  }
  return fromPem(text).map((der) => new X509Certificate(der));
}

export async function createContext(config: ServiceConfig): Promise<ServiceContext> {
  ensurePrivateFolder(config.dataDir); // also with PostgreSQL: the temp CA's key lives here
  const storage = await openStorage(config.databaseUrl ?? join(config.dataDir, 'gongwen.sqlite'));
  let tempCa: TempCertAuthority;
  let policy: AgencyPolicy;
  let tsa: TimeStampAuthority | RemoteTimeStampAuthority;
  try {
    policy = config.policy ?? (await loadAgencyPolicy(config.policyPath));
    const sealKey = config.sealKeyPath ? await readSealKey(config.sealKeyPath) : undefined;
    await requireOneKeySource(config, storage, sealKey);
    const issued = await issuedTempCertificates(storage.db);
    const loaded = await loadTempCa(config, storage, sealKey, issued.count, `${config.publicUrl ?? 'http://127.0.0.1:8380'}/api/temp-ca/crl`);
    tempCa = loaded.ca;
    if (issued.latest) requireIssuer(tempCa, issued.latest, loaded.where);
    tsa = config.tsaUrl ? await remoteTsa(config.tsaUrl, config.tsaTrustPath) : await loadBuiltInTsa(config, storage, sealKey);
    await keepTsaCertificates(storage.db, tsa.trustedCertificatesDer);
  } catch (error) {
    await storage.close(); // a refused start leaves no connection open
    throw error;
  }
  const cardRoots = await loadCardRoots(config.cardRootsPath ?? join(config.dataDir, 'trust', 'card-roots.pem'));
  const now = config.now ?? (() => new Date());
  const cardRevocation = new CardRevocation(storage.db, cardRoots, {
    sources: config.cardCrlSources ?? [],
    graceMs: (config.crlGraceHours ?? 24) * 3600 * 1000,
    now,
  });
  // Fetched at start; a source down or a CRL refused is said, and the service starts (soft-fail).
  if (config.benchWithoutTimeStamps) console.warn('GONGWEN_BENCH_WITHOUT_TIME_STAMPS=1: no time-stamps are taken (for benchmarks only)');
  for (const r of await cardRevocation.refresh())
    if (r.outcome === 'refused' || r.outcome === 'unreachable') console.warn(`card CRL ${r.source} ${r.outcome}: ${r.detail}`);
  return {
    storage,
    now,
    tempCa,
    cardRoots,
    cardRevocation,
    signerPolicy: new SignerPolicy(storage.db, tempCa, cardRoots, cardRevocation),
    passwordGuard: new PasswordGuard(storage, now),
    sessionHours: config.sessionHours ?? 10,
    clockSkewMs: 5 * 60 * 1000,
    timeStampAuthority: tsa,
    timeStampSkewMs: (config.timeStampSkewSeconds ?? 300) * 1000,
    withoutTimeStampsForBench: config.benchWithoutTimeStamps === true,
    policy,
    administrators: new Set(config.administrators ?? []),
  };
}

/** An external TSA: its URL and the PEM file of the certificates trusted for its tokens (required). */
async function remoteTsa(url: string, trustPath: string | undefined): Promise<RemoteTimeStampAuthority> {
  if (!/^https?:\/\//.test(url)) throw new OperatorError(`GONGWEN_TSA_URL must be an http(s) URL, not "${url}".`, 2);
  const text = trustPath ? await readFile(trustPath, 'utf8').catch(() => '') : '';
  const trusted = fromPem(text).map((der) => new X509Certificate(der));
  if (trusted.length === 0)
    throw new OperatorError(
      `GONGWEN_TSA_URL is set, so GONGWEN_TSA_TRUST must name a PEM file of the TSA's trusted certificates${trustPath ? ` (${trustPath} holds none or cannot be read)` : ''}.`,
      2,
    );
  // One quick retry in the send itself; beyond that the token is fetched later from the queue.
  return new RemoteTimeStampAuthority({ url, trusted, attempts: 2, backoffMs: 100, timeoutMs: 3000, downForMs: 30_000 });
}
