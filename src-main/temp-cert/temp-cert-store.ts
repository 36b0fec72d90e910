import { KeyObject, X509Certificate, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_AGENCY_POLICY } from '../../src-shared/common/api/policy.js';
import type { TempCertStatus } from '../../src-shared/common/api/temp-cert.js';
import type { TempCertView } from '../../src-shared/common/ipc/outputs.js';
import { keyObjectSigner } from '../../src-shared/node/cms/key-signer.js';
import type { CmsSigner } from '../../src-shared/node/cms/signer.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { x509 } from '../../src-shared/node/pki/x509.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { SecretStore } from '../keychain/keychain.js';
import type { ServiceClient } from '../service-client/service-client.js';
import { openSealedKey, sealKey } from './sealed-key.js';
import { unlockBackoff, type UnlockBackoff } from './unlock-backoff.js';

/** The temp cert as this PC holds it: the certificate and chain on disk, the key sealed in the keychain. */
export interface LocalTempCert {
  account: string;
  serial: string;
  /** DER, base64 */
  certificate: string;
  chain: string[];
  notAfter: string;
  pcLabel: string;
  enabledAt: string;
  /** The end of the agency's period for this certificate (its notAfter too); absent: no time limit, renewed before expiry. */
  periodEnd?: string | null;
}

/** Renew when less than this is left (or a third of the certificate's life, if that is less). */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/**
 * IFT930 on this PC: apply, enable and download (the key pair is made here, only the CSR leaves),
 * unlock once per login, sign offline, disable and delete. The private key rests in the OS
 * keychain sealed under the temp-cert password; if the keychain cannot be used, nothing is
 * stored anywhere else.
 */
export class TempCertStore {
  private readonly unlocked = new Map<string, { key: KeyObject; cert: LocalTempCert }>();

  constructor(
    private readonly dataDir: string,
    private readonly keychain: SecretStore,
    private readonly client: ServiceClient,
    private readonly backoff: UnlockBackoff = unlockBackoff,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private file(account: string): string {
    return join(this.dataDir, 'temp-cert', `${encodeURIComponent(account)}.json`);
  }

  /** Every certificate enabled on this PC for the account, kept when the key is wiped (IFT940 checks against it). */
  private enabledFile(account: string): string {
    return join(this.dataDir, 'temp-cert', `${encodeURIComponent(account)}.enabled.json`);
  }

  /** One keychain entry per account and service, so that two services never share a key. */
  private secretName(account: string): string {
    return `${account}@${this.client.baseUrl.host}`;
  }

  async local(account: string): Promise<LocalTempCert | null> {
    try {
      return JSON.parse(await readFile(this.file(account), 'utf8')) as LocalTempCert;
    } catch {
      return null;
    }
  }

  async view(account: string): Promise<TempCertView> {
    const [remote, local, policy] = await Promise.all([
      this.client.tempCertStatus(),
      this.local(account),
      this.client.policy().then(
        (p) => p.tempCert,
        () => DEFAULT_AGENCY_POLICY.tempCert, // a service from before the policy: the seed's rules
      ),
    ]);
    return { ...combine(remote, local, this.unlocked.has(account), this.now()), policy };
  }

  /**
   * 申請憑證. The login password is asked again: the service will not change this on a session alone.
   * `periodEnd`: the end asked for, where the agency's policy sets a period.
   */
  async apply(password: string, reason: string, loginPassword: string, pcLabel?: string, periodEnd?: string): Promise<TempCertStatus> {
    return this.client.applyForTempCert({ password, reason, loginPassword, ...(pcLabel ? { pcLabel } : {}), ...(periodEnd ? { periodEnd } : {}) });
  }

  /** 啟用並下載憑證. The password is checked by the service and seals the key here; the login password is asked again. */
  async enable(account: string, password: string, pcLabel: string, loginPassword: string): Promise<LocalTempCert> {
    await this.keychain.assertAvailable(); // before the service issues anything
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${account}`, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const issued = await this.client.enableTempCert({ password, pcLabel, csr: Buffer.from(csr.rawData).toString('base64'), loginPassword });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    try {
      const sealed = await sealKey(pkcs8, password, `${account}:${issued.serial}`);
      await this.keychain.set(this.secretName(account), sealed);
    } finally {
      pkcs8.fill(0);
    }
    // The period, if the agency sets one: the send dialog says when it ends, before signing.
    const periodEnd = (await this.client.tempCertStatus().catch(() => null))?.periodEnd ?? null;
    const cert: LocalTempCert = {
      account,
      serial: issued.serial,
      certificate: issued.certificate,
      chain: issued.chain,
      notAfter: issued.notAfter,
      pcLabel,
      enabledAt: new Date().toISOString(),
      periodEnd,
    };
    await this.keep(cert);
    this.unlocked.set(account, { key: KeyObject.from(keys.privateKey), cert });
    return cert;
  }

  /** The certificate on disk, and in the list of those enabled here. */
  private async keep(cert: LocalTempCert): Promise<void> {
    await mkdir(join(this.dataDir, 'temp-cert'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.enabledFile(cert.account), JSON.stringify([...(await this.enabledHere(cert.account)), cert.certificate]));
    await writeFileAtomic(this.file(cert.account), JSON.stringify(cert, null, 2));
  }

  /**
   * The temp certificates (base64 DER) enabled on this PC for the account, the present one and
   * those before it: their keys were made here and never left, so a signature by one of them was
   * made on this PC. Only certificates are kept (public); disabling wipes the key, not this list.
   */
  async enabledHere(account: string): Promise<string[]> {
    const enabled = new Set<string>();
    try {
      for (const certificate of JSON.parse(await readFile(this.enabledFile(account), 'utf8')) as unknown[])
        if (typeof certificate === 'string') enabled.add(certificate);
    } catch {
      // none enabled here yet, or enabled before this list was kept: the present certificate below
    }
    const present = await this.local(account);
    if (present) enabled.add(present.certificate);
    return [...enabled];
  }

  /** Once per login: the password opens the sealed key, which stays in memory until logout. */
  async unlock(account: string, password: string): Promise<void> {
    const cert = await this.local(account);
    if (!cert) throw new GongwenError('TEMP_CERT_NOT_ENABLED');
    const sealed = await this.keychain.get(this.secretName(account));
    if (!sealed) throw new GongwenError('TEMP_CERT_NOT_ENABLED', 'the key is not in the keychain');
    this.backoff.check(account);
    const pkcs8 = await openSealedKey(sealed, password, `${account}:${cert.serial}`).catch((error: unknown) => {
      if (error instanceof GongwenError && error.code === 'TEMP_CERT_PASSWORD_WRONG') this.backoff.failed(account);
      throw error;
    });
    this.backoff.succeeded(account);
    try {
      const renewed = this.dueForRenewal(cert) ? await this.renew(cert, pkcs8, password).catch(() => null) : null;
      this.unlocked.set(account, { key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), cert: renewed ?? cert });
    } finally {
      pkcs8.fill(0);
    }
  }

  /** Without a period (the seed's 無限期), a certificate near its end is renewed at the unlock. */
  private dueForRenewal(cert: LocalTempCert): boolean {
    if (cert.periodEnd) return false;
    const c = certificateOf(cert);
    const [from, to] = [new Date(c.validFrom).getTime(), new Date(c.validTo).getTime()];
    return to - this.now().getTime() < Math.min(RENEW_BEFORE_MS, (to - from) / 3);
  }

  /**
   * Renewal with the password just given (asked once, at the unlock): a CSR for the same key, no
   * new application; the key is sealed again under the new serial. A failure (offline, refused)
   * leaves the present certificate in use: the next unlock tries again.
   */
  private async renew(cert: LocalTempCert, pkcs8: Buffer, password: string): Promise<LocalTempCert> {
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const keys = {
      privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['verify'],
      ),
    };
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cert.account}`, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const issued = await this.client.renewTempCert({ password, serial: cert.serial, csr: Buffer.from(csr.rawData).toString('base64') });
    await this.keychain.set(this.secretName(cert.account), await sealKey(pkcs8, password, `${cert.account}:${issued.serial}`));
    const renewed: LocalTempCert = { ...cert, serial: issued.serial, certificate: issued.certificate, chain: issued.chain, notAfter: issued.notAfter };
    await this.keep(renewed);
    return renewed;
  }

  isUnlocked(account: string): boolean {
    return this.unlocked.has(account);
  }

  /** Signs offline: no call to the service. */
  signer(account: string): CmsSigner {
    const entry = this.unlocked.get(account);
    if (!entry) throw new GongwenError('TEMP_CERT_LOCKED');
    // Said here, before signing: the service would refuse the step anyway.
    if (entry.cert.periodEnd && new Date(entry.cert.periodEnd) <= this.now()) throw new GongwenError('TEMP_CERT_PERIOD_ENDED');
    const der = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
    return keyObjectSigner(der(entry.cert.certificate), entry.key, entry.cert.chain.map(der));
  }

  /** Logout: the key leaves memory. */
  lock(account?: string): void {
    if (account) this.unlocked.delete(account);
    else this.unlocked.clear();
  }

  /** 臨時憑證停用: revoked by the service, wiped from this PC. */
  async disable(account: string): Promise<TempCertStatus> {
    const status = await this.client.disableTempCert();
    await this.wipe(account);
    return status;
  }

  /** 刪除憑證: the application withdrawn, the key wiped from this PC. */
  async delete(account: string, loginPassword: string, pcLabel?: string): Promise<TempCertStatus> {
    const status = await this.client.deleteTempCert({ loginPassword, ...(pcLabel ? { pcLabel } : {}) });
    await this.wipe(account);
    return status;
  }

  async wipe(account: string): Promise<void> {
    this.unlocked.delete(account);
    await this.keychain.delete(this.secretName(account));
    await rm(this.file(account), { force: true });
  }
}

function combine(remote: TempCertStatus, local: LocalTempCert | null, unlocked: boolean, now: Date): TempCertView {
  // A certificate revoked or expired on the service is no use here, whatever the PC still holds.
  const live = local && remote.certificates.some((c) => c.serial === local.serial && c.revokedAt === null) && new Date(local.notAfter) > now;
  const elsewhere = remote.certificates.some((c) => c.live ?? (c.revokedAt === null && new Date(c.notAfter) > now));
  const state: TempCertView['state'] =
    remote.state === 'none'
      ? 'none'
      : remote.state === 'disabled'
        ? 'disabled'
        : remote.phase === 'pending-approval' || remote.phase === 'rejected'
          ? remote.phase
          : live
            ? 'enabled-here'
            : elsewhere
              ? 'enabled-elsewhere'
              : 'applied';
  const summary =
    local && live ? { account: local.account, serial: local.serial, notAfter: local.notAfter, pcLabel: local.pcLabel, enabledAt: local.enabledAt } : null;
  return {
    state,
    reason: remote.reason,
    appliedAt: remote.appliedAt,
    local: summary,
    unlocked: unlocked && state === 'enabled-here',
    periodEnd: remote.periodEnd ?? null,
    decision: remote.decision ?? null,
  };
}

export function certificateOf(local: LocalTempCert): X509Certificate {
  return new X509Certificate(Buffer.from(local.certificate, 'base64'));
}
