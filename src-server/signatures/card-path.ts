import type { X509Certificate } from 'node:crypto';
import { issuedBy } from '../../src-shared/node/pki/x509.js';
import { GongwenError, type ErrorCode } from '../../src-shared/common/errors.js';
import { sha256Hex } from '../temp-ca/authority.js';
import { carriedSha256, pathCertificateOf, readPathCertificate, type PathCertificate } from './path-certificate.js';
import { assertSigningProfile } from './signing-profile.js';

/** Intermediates between a leaf and its root, at most (GCA cards sit under one). */
const MAX_INTERMEDIATES = 4;
/** Complete candidate paths judged at most, and issuer links followed at most: a bound on hostile input. */
const MAX_PATHS = 8;
const MAX_LINKS = 256;

/** The project's algorithm rule, applied to every certificate of a path as to the signature itself. */
const acceptedSignatureAlgorithms = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);
const acceptedCurves = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;

/**
 * A card certificate with the paths (leaf first, configured root last) that passed RFC 5280 §6.1
 * basic path validation apart from the time, which depends on the signature (`assertValidAt`).
 */
export class ValidatedCard {
  constructor(
    readonly leaf: PathCertificate,
    readonly paths: readonly (readonly PathCertificate[])[],
  ) {}

  /**
   * Every certificate of a path, root included, must be within its validity at each of `times`
   * (the signing time and now): the leaf's failure is CERT_EXPIRED, a CA's CERT_CHAIN_EXPIRED.
   * Another valid path (a re-keyed intermediate carried beside the old one) may save the day.
   */
  assertValidAt(times: readonly Date[]): void {
    let first: GongwenError | undefined;
    for (const path of this.paths) {
      const failure = pathTimeFailure(path, times);
      if (!failure) return;
      first ??= failure;
    }
    throw first!;
  }
}

/** Why `path` (leaf first, root last) does not hold at one of `times`, or undefined when every certificate is within its validity. */
export function pathTimeFailure(path: readonly PathCertificate[], times: readonly Date[]): GongwenError | undefined {
  for (const [i, c] of path.entries()) {
    for (const t of times) {
      const ms = t.getTime();
      if (ms < c.notBefore.getTime() || ms > c.notAfter.getTime()) {
        return i === 0 ? new GongwenError('CERT_EXPIRED') : new GongwenError('CERT_CHAIN_EXPIRED', `${c.subject} at ${t.toISOString()}`);
      }
    }
  }
  return undefined;
}

/**
 * The one validator for card certificates (sending, 補簽, registration): builds the paths from the
 * leaf through the carried certificates to a configured root, with OpenSSL's `checkIssued`
 * (names, key identifiers, the issuer's keyCertSign) and `verify` (the signature) for each link,
 * then runs RFC 5280 §6.1 over each: basicConstraints cA on every issuer, keyUsage keyCertSign,
 * pathLenConstraint (the root's too, as OpenSSL does), no unknown critical extension at any
 * level, the project's algorithm rule on every certificate; and the leaf's signing profile.
 * Validity is per signature (`ValidatedCard.assertValidAt`). Revocation is not checked here yet.
 */
export class CardPathValidator {
  private readonly roots: PathCertificate[];
  /** Paths already found valid, by leaf and carried set: the roots do not change while the service runs. */
  private readonly validated = new Map<string, ValidatedCard>();

  constructor(roots: readonly X509Certificate[]) {
    this.roots = roots.map(pathCertificateOf);
  }

  validate(leafCertificate: X509Certificate, carried: readonly Uint8Array[]): ValidatedCard {
    const leafSha256 = sha256Hex(leafCertificate);
    // Every carried certificate must read as one (they are stored and exported with the signature).
    const carriedBySha = new Map<string, Uint8Array>();
    for (const der of carried) {
      const sha256 = carriedSha256(der);
      if (sha256 !== leafSha256 && !this.roots.some((r) => r.sha256 === sha256)) carriedBySha.set(sha256, der);
    }
    const key = `${leafSha256}|${[...carriedBySha.keys()].sort().join(',')}`;
    const hit = this.validated.get(key);
    if (hit) return hit;
    const leaf = pathCertificateOf(leafCertificate);
    const others = new Map([...carriedBySha].map(([sha256, der]) => [sha256, readPathCertificate(der)]));

    if (this.roots.some((r) => r.sha256 === leaf.sha256)) {
      // A configured root cannot sign a step: say why (it is a CA) rather than "untrusted".
      assertSigningProfile(leaf);
      throw new GongwenError('CERT_UNTRUSTED', 'a trust anchor cannot sign');
    }
    const candidates = this.buildPaths(leaf, [...others.values()]);
    if (candidates.length === 0) throw new GongwenError('CERT_UNTRUSTED', 'no path to a configured card root');
    assertSigningProfile(leaf);
    const valid: PathCertificate[][] = [];
    let first: GongwenError | undefined;
    for (const path of candidates) {
      try {
        processPath(path);
        valid.push(path);
      } catch (error) {
        if (!(error instanceof GongwenError)) throw error;
        first ??= error;
      }
    }
    if (valid.length === 0) throw first!;
    const card = new ValidatedCard(leaf, valid);
    if (this.validated.size >= 4096) this.validated.clear();
    this.validated.set(key, card);
    return card;
  }

  /** Paths leaf → … → root, shortest first, without loops, at most MAX_INTERMEDIATES deep. */
  private buildPaths(leaf: PathCertificate, intermediates: PathCertificate[]): PathCertificate[][] {
    const issuers = new Map<string, PathCertificate[]>();
    let links = 0;
    const issuersOf = (c: PathCertificate) => {
      let found = issuers.get(c.sha256);
      if (!found) {
        found = [...this.roots, ...intermediates].filter((candidate) => candidate.sha256 !== c.sha256 && issued(candidate, c));
        issuers.set(c.sha256, found);
      }
      return found;
    };
    const complete: PathCertificate[][] = [];
    let level: PathCertificate[][] = [[leaf]];
    for (let depth = 0; depth <= MAX_INTERMEDIATES && level.length > 0 && complete.length < MAX_PATHS; depth++) {
      const next: PathCertificate[][] = [];
      for (const path of level) {
        for (const issuer of issuersOf(path[path.length - 1]!)) {
          if (++links > MAX_LINKS) return complete;
          if (this.roots.includes(issuer)) complete.push([...path, issuer]);
          else if (!path.includes(issuer)) next.push([...path, issuer]);
        }
      }
      level = next;
    }
    return complete.slice(0, MAX_PATHS);
  }
}

function issued(issuer: PathCertificate, subject: PathCertificate): boolean {
  return issuedBy(subject.x509, issuer.x509);
}

/** RFC 5280 §6.1.3/§6.1.4 apart from validity, over a path leaf first, root last. */
function processPath(path: readonly PathCertificate[]): void {
  const last = path.length - 1;
  for (let i = last; i >= 0; i--) {
    const c = path[i]!;
    const where = i === 0 ? 'signing certificate' : c.subject;
    if (c.unknownCritical.length > 0) refuse('CERT_CRITICAL_EXTENSION', `${where}: ${c.unknownCritical.join(', ')}`);
    checkKey(c, where);
    // The root's self-signature is not part of the path (it is trusted as configured).
    if (i < last && !acceptedSignatureAlgorithms.has(c.signatureAlgorithm)) refuse('CERT_WEAK_ALGORITHM', `${where}: signed with ${c.signatureAlgorithm}`);
    if (i === 0) continue;
    if (!c.ca) refuse('CERT_CHAIN_NOT_CA', `${c.subject}: basicConstraints cA is not set`);
    if (c.keyUsage && !c.keyUsage.keyCertSign) refuse('CERT_CHAIN_NOT_CA', `${c.subject}: keyUsage lacks keyCertSign`);
    if (c.pathLength !== undefined) {
      // Non-self-issued intermediates below this CA (§6.1.4 (l), (m)).
      const below = path.slice(1, i).filter((x) => x.x509.subject !== x.x509.issuer).length;
      if (below > c.pathLength) refuse('CERT_CHAIN_PATH_LENGTH', `${c.subject} allows ${c.pathLength} below it`);
    }
  }
}

function checkKey(c: PathCertificate, where: string): void {
  let type: string | undefined;
  let details: { modulusLength?: number; namedCurve?: string } | undefined;
  try {
    const key = c.x509.publicKey;
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails;
  } catch {
    refuse('CERT_WEAK_ALGORITHM', `${where}: unsupported public key`);
  }
  if (type === 'rsa') {
    if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) refuse('CERT_WEAK_ALGORITHM', `${where}: RSA key of ${details?.modulusLength ?? 0} bits`);
  } else if (type === 'ec') {
    if (!acceptedCurves.has(details?.namedCurve ?? '')) refuse('CERT_WEAK_ALGORITHM', `${where}: EC curve ${details?.namedCurve ?? 'unknown'}`);
  } else {
    refuse('CERT_WEAK_ALGORITHM', `${where}: ${type ?? 'unknown'} key`);
  }
}

function refuse(code: ErrorCode, detail: string): never {
  throw new GongwenError(code, detail);
}
