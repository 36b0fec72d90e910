import { X509Certificate, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GongwenError } from '../../src-shared/common/errors.js';
import { oid } from '../../src-shared/node/cms/oids.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { makeTempCa } from './make-temp-ca.js';
import { OperatorError } from '../operations/operator-error.js';

const UID = '0.9.2342.19200300.100.1.1';
type SigningKey = Parameters<typeof x509.X509CrlGenerator.create>[0]['signingKey'];
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface IssuedTempCertificate {
  der: Uint8Array;
  serial: string;
  sha256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
}

/** What one CRL says besides its entries (RFC 5280 §5.1.2.4–5, §5.2.3). */
export interface CrlIssue {
  /** The CRL number: from the database, higher than any issued before. */
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

const CRL_NUMBER = '2.5.29.20';

/**
 * The temp-cert CA (IFT930's issuer): signs the certificate for a key made on the clerk's PC,
 * from its CSR, and the CRL of revoked temporary certificates. Its certificates carry the
 * project's temporary-certificate policy and name the account, so no one mistakes one for a card.
 */
export class TempCertAuthority {
  readonly certificate: X509Certificate;
  private readonly caPublicKey: KeyObject;
  readonly certificateDer: Uint8Array;
  private readonly certificateX509: x509.X509Certificate;

  private constructor(
    certPem: string,
    private readonly signingKey: SigningKey,
    readonly validityDays: number,
    /** The CRL distribution point every certificate names (the service's CRL URL); null: none. */
    readonly crlUrl: string | null,
  ) {
    this.certificate = new X509Certificate(certPem);
    this.caPublicKey = this.certificate.publicKey;
    this.certificateDer = new Uint8Array(this.certificate.raw);
    this.certificateX509 = new x509.X509Certificate(this.certificateDer);
  }

  static async fromPem(certPem: string, keyPem: string, validityDays = 365, crlUrl: string | null = null): Promise<TempCertAuthority> {
    const keyObject: KeyObject = createPrivateKey(keyPem);
    const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    return new TempCertAuthority(certPem, key as unknown as SigningKey, validityDays, crlUrl);
  }

  /**
   * Loads the CA from the given files, or, when neither is configured nor present, makes one in
   * `<dataDir>/temp-ca/` on first start (key file mode 0600). A new CA is made only while no
   * temporary certificate has been issued (`issuedSoFar`, from the database): after that, a
   * missing CA is a lost key or another instance's data folder, and a new CA would leave every
   * certificate issued so far untrusted, so the start is refused with what to restore.
   */
  static async loadOrCreate(options: {
    certPath?: string;
    keyPath?: string;
    dataDir: string;
    validityDays?: number;
    issuedSoFar?: number;
    crlUrl?: string | null;
  }): Promise<TempCertAuthority> {
    const crlUrl = options.crlUrl ?? null;
    const folder = join(options.dataDir, 'temp-ca');
    const certPath = options.certPath ?? join(folder, 'temp-ca.cert.pem');
    const keyPath = options.keyPath ?? join(folder, 'temp-ca.key.pem');
    const issued = options.issuedSoFar ?? 0;
    if (options.certPath || options.keyPath) {
      // Configured: read it or say which file is wrong; never make one in its place.
      const certPem = await readConfigured(certPath, 'certificate', options.certPath ? 'GONGWEN_TEMP_CA_CERT' : undefined);
      const keyPem = await readConfigured(keyPath, 'key', options.keyPath ? 'GONGWEN_TEMP_CA_KEY' : undefined);
      return TempCertAuthority.fromPem(certPem, keyPem, options.validityDays, crlUrl);
    }
    const [hasCert, hasKey] = [existsSync(certPath), existsSync(keyPath)];
    if (hasCert !== hasKey) {
      const [missing, present] = hasCert ? [`key ${keyPath}`, 'certificate'] : [`certificate ${certPath}`, 'key'];
      const instead = issued === 0 ? ` No temporary certificate has been issued yet, so you may instead remove ${folder} to have a new temp CA made.` : '';
      throw new OperatorError(
        `The temp CA ${missing} is missing (its ${present} is there). Restore ${folder} from the data folder's backup: a new CA would leave every temporary certificate issued so far untrusted.${instead}`,
      );
    }
    if (!hasCert) {
      if (issued > 0) {
        throw new OperatorError(
          `${issued} temporary certificate${issued === 1 ? ' was' : 's were'} issued by a temp CA that is not in ${folder}. Restore ${folder} from the data folder's backup, or set GONGWEN_TEMP_CA_CERT and GONGWEN_TEMP_CA_KEY to that CA (every instance on one database needs the same one). No new CA was made: it would leave those certificates untrusted.`,
        );
      }
      const made = await makeTempCa('CN=GongwenDesk Temporary Certificate CA,O=GongwenDesk,C=TW');
      await mkdir(folder, { recursive: true, mode: 0o700 });
      // The key first: a start cut between the two writes leaves a key without a certificate, refused above.
      await writeFile(keyPath, made.keyPem, { mode: 0o600 });
      await writeFile(certPath, made.certPem);
      return TempCertAuthority.fromPem(made.certPem, made.keyPem, options.validityDays, crlUrl);
    }
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return TempCertAuthority.fromPem(certPem, keyPem, options.validityDays, crlUrl);
  }

  /** Certificates whose signature by this CA was already checked (a verify on every send otherwise). */
  private readonly knownIssued = new Set<string>();

  /** Did this CA issue `certificate`? (name and signature; the database answers the rest.) */
  issued(certificate: X509Certificate): boolean {
    const fingerprint = certificate.fingerprint256;
    if (this.knownIssued.has(fingerprint)) return true;
    const issued = certificate.checkIssued(this.certificate) && certificate.verify(this.caPublicKey);
    if (issued) {
      if (this.knownIssued.size > 10_000) this.knownIssued.clear();
      this.knownIssued.add(fingerprint);
    }
    return issued;
  }

  /** Checks a CSR from the client: well-formed, self-signed, ECDSA P-256. Returns its public key. */
  async checkCsr(csrDer: Uint8Array): Promise<x509.PublicKey> {
    // The x509 library throws its own errors from deep inside (a damaged curve, a bad key), some
    // only when a field is first read: anything that is not our refusal is still the sender's fault.
    try {
      const csr = new x509.Pkcs10CertificateRequest(csrDer);
      const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
      if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') throw new GongwenError('CSR_INVALID', 'the key must be ECDSA P-256');
      if (!(await csr.verify())) throw new GongwenError('CSR_INVALID', 'the request is not signed by its own key');
      return csr.publicKey;
    } catch (error) {
      if (error instanceof GongwenError) throw error;
      throw new GongwenError('CSR_INVALID', 'not a well-formed PKCS#10 request');
    }
  }

  /**
   * `notAfter`: where the agency's policy sets a period, the certificate ends with it (never later
   * than the CA's validity); otherwise `validityDays` from now.
   */
  async issue(publicKey: x509.PublicKey, holder: { account: string; name: string }, now: Date, endsAt?: Date): Promise<IssuedTempCertificate> {
    const serial = '40' + randomBytes(15).toString('hex'); // positive, 16 octets, unguessable
    const notBefore = new Date(now.getTime() - 5 * 60 * 1000);
    const byValidity = new Date(now.getTime() + this.validityDays * 24 * 3600 * 1000);
    const notAfter = endsAt && endsAt < byValidity ? endsAt : byValidity;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: new x509.Name([{ CN: [`${holder.name} (臨時憑證)`] }, { [UID]: [holder.account] }, { O: ['GongwenDesk Temporary Certificate'] }]),
      issuer: this.certificateX509.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.CertificatePolicyExtension([oid.tempCertPolicy]),
        await this.authorityKeyIdentifier(),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        // Where a relying party holding only the certificate finds its CRL (RFC 5280 §4.2.1.13).
        ...(this.crlUrl ? [new x509.CRLDistributionPointsExtension([this.crlUrl])] : []),
      ],
    });
    const der = new Uint8Array(cert.rawData);
    const node = new X509Certificate(der);
    return { der, serial: node.serialNumber.toLowerCase(), sha256: sha256Hex(node), notBefore: new Date(node.validFrom), notAfter: new Date(node.validTo) };
  }

  /** A v2 CRL with the extensions RFC 5280 §5.2 requires: authority key identifier and CRL number. */
  async crl(revoked: readonly RevokedEntry[], issue: CrlIssue): Promise<Uint8Array> {
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.certificateX509.subjectName,
      thisUpdate: issue.thisUpdate,
      nextUpdate: issue.nextUpdate,
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.revokedAt, reason: x509.X509CrlReason.cessationOfOperation })),
      extensions: [await this.authorityKeyIdentifier(), new x509.Extension(CRL_NUMBER, false, derInteger(issue.number))],
      signingKey: this.signingKey,
      signingAlgorithm: ECDSA_SHA256,
    });
    return new Uint8Array(crl.rawData);
  }

  /** The CA certificate's own subject key identifier where it has one (a configured CA's may not be the SHA-1 of its key). */
  private authorityKeyIdentifier(): Promise<x509.AuthorityKeyIdentifierExtension> {
    const ski = this.certificateX509.getExtension(x509.SubjectKeyIdentifierExtension);
    if (ski) return Promise.resolve(new x509.AuthorityKeyIdentifierExtension(ski.keyId));
    return x509.AuthorityKeyIdentifierExtension.create(this.certificateX509);
  }
}

async function readConfigured(path: string, what: 'certificate' | 'key', variable: string | undefined): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OperatorError(`Cannot read the temp CA ${what} ${path}${variable ? ` (${variable})` : ''}: ${code === 'ENOENT' ? 'no such file' : code}.`);
  }
}

/** DER INTEGER of a non-negative whole number (the CRL number's extension value). */
function derInteger(value: number): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  const body = Buffer.from(hex, 'hex');
  return new Uint8Array([0x02, body.length, ...body]);
}

export function sha256Hex(certificate: X509Certificate): string {
  return certificate.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** The account a temp certificate names (UID in its subject). */
export function accountOfTempCertificate(certificate: X509Certificate): string | null {
  const match = /(?:^|\n)UID=([^\n]+)/.exec(certificate.subject);
  return match?.[1] ?? null;
}
