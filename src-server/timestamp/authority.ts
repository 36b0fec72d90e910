import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeInOneBuffer } from '../../src-shared/node/cms/der-writer.js';
import { signerIdentity, sha256, type SignerIdentity } from '../../src-shared/node/cms/signer-info.js';
import { toPem, x509 } from '../../src-shared/node/pki/x509.js';
import { makeSelfSignedEcKey } from '../keys/self-signed.js';
import { OperatorError } from '../operations/operator-error.js';
import { encodeTimeStampToken, encodeTstInfo, tsOid } from './token.js';

/**
 * Room for a token and every element inside it, each level of nesting a copy of what it holds:
 * 5.7 KB with the built-in TSA's own certificate (480 octets; one of 1 KB still fits). What does
 * not fit is allocated as usual. The token keeps the whole buffer alive until it is dropped (a
 * 補簽 batch holds one per step until its commit), so it is no larger than a token needs.
 */
const TOKEN_ARENA_OCTETS = 8192;

/** A time-stamp token and what the service keeps of it without parsing it again. */
export interface TimeStamp {
  /** DER of the TimeStampToken (a ContentInfo of SignedData over TSTInfo). */
  token: Uint8Array;
  genTime: Date;
  /** SHA-256 (hex) of the certificate of the TSA that signed it. */
  tsaCertificateSha256: string;
}

/**
 * The built-in time-stamping authority (RFC 3161): its own ECDSA P-256 key and a self-signed
 * certificate whose only purpose is time-stamping (extendedKeyUsage timeStamping, critical). It
 * answers the service itself, at the moment a signature is accepted, so a send never waits on
 * the network; an external TSA is the alternative (docs/architecture.md).
 */
export class TimeStampAuthority {
  readonly certificate: X509Certificate;
  readonly certificateDer: Uint8Array;
  readonly certificateSha256: string;
  private readonly identity: SignerIdentity;

  private constructor(
    certPem: string,
    private readonly key: KeyObject,
  ) {
    this.certificate = new X509Certificate(certPem);
    this.certificateDer = new Uint8Array(this.certificate.raw);
    this.certificateSha256 = this.certificate.fingerprint256.replace(/:/g, '').toLowerCase();
    this.identity = signerIdentity({ certificate: this.certificateDer, keyAlgorithm: 'EC' });
  }

  static fromPem(certPem: string, keyPem: string): TimeStampAuthority {
    const certificate = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!certificate.checkPrivateKey(key)) throw new OperatorError('The time-stamping authority key does not belong to its certificate.');
    return new TimeStampAuthority(certPem, key);
  }

  /**
   * Loads the TSA from the configured files, or from `<dataDir>/tsa/`, making it there on first
   * start (key file mode 0600, written before the certificate) as the temp CA is made. A
   * configured file that cannot be read refuses the start; nothing is made in its place.
   * `notBefore` lets the demo's TSA cover the demo's 2014 documents.
   */
  static async loadOrCreate(options: { certPath?: string; keyPath?: string; dataDir: string; notBefore?: Date }): Promise<TimeStampAuthority> {
    const folder = join(options.dataDir, 'tsa');
    const certPath = options.certPath ?? join(folder, 'tsa.cert.pem');
    const keyPath = options.keyPath ?? join(folder, 'tsa.key.pem');
    if (options.certPath || options.keyPath) {
      const certPem = await readConfigured(certPath, 'certificate', options.certPath ? 'GONGWEN_TSA_CERT' : undefined);
      const keyPem = await readConfigured(keyPath, 'key', options.keyPath ? 'GONGWEN_TSA_KEY' : undefined);
      return TimeStampAuthority.fromPem(certPem, keyPem);
    }
    const [hasCert, hasKey] = [existsSync(certPath), existsSync(keyPath)];
    if (hasCert !== hasKey) {
      const [missing, present] = hasCert ? [`key ${keyPath}`, 'certificate'] : [`certificate ${certPath}`, 'key'];
      // Unlike the temp CA, a new TSA leaves nothing untrusted (tokens carry their certificate and
      // the evidence its trust), but a half-present TSA is damage the operator should see.
      throw new OperatorError(
        `The time-stamping authority ${missing} is missing (its ${present} is there). Restore ${folder} from the data folder's backup, or remove ${folder} to have a new one made (earlier time-stamps stay checkable with the old certificate, kept in each evidence export).`,
      );
    }
    if (!hasCert) {
      const made = await makeTsa('CN=GongwenDesk Time-Stamping Authority,O=GongwenDesk,C=TW', new Date(), options.notBefore);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await writeFile(keyPath, made.keyPem, { mode: 0o600 });
      await writeFile(certPath, made.certPem);
      return TimeStampAuthority.fromPem(made.certPem, made.keyPem);
    }
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return TimeStampAuthority.fromPem(certPem, keyPem);
  }

  /** A token over `imprint` (a SHA-256) at `now`. */
  timeStampImprint(imprint: Uint8Array, now: Date): TimeStamp {
    const genTime = new Date(Math.floor(now.getTime() / 1000) * 1000);
    // Serials are random (positive, 16 octets): unique across instances without a shared counter.
    const serial = Uint8Array.from([0x40, ...randomBytes(15)]);
    const token = encodeInOneBuffer(TOKEN_ARENA_OCTETS, () =>
      encodeTimeStampToken(encodeTstInfo({ imprint, serial, genTime }), { identity: this.identity, certificate: this.certificateDer, key: this.key }),
    );
    return { token, genTime, tsaCertificateSha256: this.certificateSha256 };
  }

  /** CAdES-T: a token over a SignerInfo's signature value (its SHA-256 is the imprint). `_options` is the external TSA's. */
  timeStampSignature(signatureValue: Uint8Array, now: Date, _options?: { evenIfDown?: boolean }): Promise<TimeStamp> {
    // A promise, as the external TSA's answer is: the two are interchangeable to their callers.
    return Promise.resolve(this.timeStampImprint(sha256(signatureValue), now));
  }

  /** What evidence trusts this TSA's tokens under: its own self-signed certificate. */
  get trustedCertificatesDer(): readonly Uint8Array[] {
    return [this.certificateDer];
  }

  get certificatePem(): string {
    return toPem(this.certificateDer, 'CERTIFICATE');
  }
}

/** A TSA key and self-signed certificate: digitalSignature, extendedKeyUsage timeStamping (critical), 30 years. */
export function makeTsa(name: string, now = new Date(), notBefore = new Date(now.getTime() - 24 * 3600 * 1000)): Promise<{ certPem: string; keyPem: string }> {
  return makeSelfSignedEcKey(
    {
      name,
      notBefore,
      // Tokens are checked for decades; the key is renewed long before (docs/security.md).
      years: 30,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([tsOid.timeStamping], true),
      ],
    },
    now,
  );
}

async function readConfigured(path: string, what: 'certificate' | 'key', variable: string | undefined): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OperatorError(
      `Cannot read the time-stamping authority ${what} ${path}${variable ? ` (${variable})` : ''}: ${code === 'ENOENT' ? 'no such file' : code}.`,
    );
  }
}
