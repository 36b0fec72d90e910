import { KeyObject, X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
}

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
    const [remote, local] = await Promise.all([this.client.tempCertStatus(), this.local(account)]);
    return combine(remote, local, this.unlocked.has(account));
  }

  /** 申請憑證. The login password is asked again: the service will not change this on a session alone. */
  async apply(password: string, reason: string, loginPassword: string, pcLabel?: string): Promise<TempCertStatus> {
    return this.client.applyForTempCert({ password, reason, loginPassword, ...(pcLabel ? { pcLabel } : {}) });
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
    const cert: LocalTempCert = {
      account,
      serial: issued.serial,
      certificate: issued.certificate,
      chain: issued.chain,
      notAfter: issued.notAfter,
      pcLabel,
      enabledAt: new Date().toISOString(),
    };
    await mkdir(join(this.dataDir, 'temp-cert'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.enabledFile(account), JSON.stringify([...(await this.enabledHere(account)), cert.certificate]));
    await writeFileAtomic(this.file(account), JSON.stringify(cert, null, 2));
    this.unlocked.set(account, { key: KeyObject.from(keys.privateKey), cert });
    return cert;
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
      this.unlocked.set(account, { key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), cert });
    } finally {
      pkcs8.fill(0);
    }
  }

  isUnlocked(account: string): boolean {
    return this.unlocked.has(account);
  }

  /** Signs offline: no call to the service. */
  signer(account: string): CmsSigner {
    const entry = this.unlocked.get(account);
    if (!entry) throw new GongwenError('TEMP_CERT_LOCKED');
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

function combine(remote: TempCertStatus, local: LocalTempCert | null, unlocked: boolean): TempCertView {
  // A certificate revoked or expired on the service is no use here, whatever the PC still holds.
  const live = local && remote.certificates.some((c) => c.serial === local.serial && c.revokedAt === null) && new Date(local.notAfter) > new Date();
  const state = remote.state === 'none' ? 'none' : remote.state === 'disabled' ? 'disabled' : live ? 'enabled-here' : 'applied';
  const summary =
    local && live ? { account: local.account, serial: local.serial, notAfter: local.notAfter, pcLabel: local.pcLabel, enabledAt: local.enabledAt } : null;
  return { state, reason: remote.reason, appliedAt: remote.appliedAt, local: summary, unlocked: unlocked && state === 'enabled-here' };
}

export function certificateOf(local: LocalTempCert): X509Certificate {
  return new X509Certificate(Buffer.from(local.certificate, 'base64'));
}
