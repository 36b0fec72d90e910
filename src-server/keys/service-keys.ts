import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OperatorError } from '../operations/operator-error.js';
import type { Storage } from '../storage/database.js';
import { TempCertAuthority } from '../temp-ca/authority.js';
import { makeTempCa } from '../temp-ca/make-temp-ca.js';
import { issuedTempCertificates } from '../temp-ca/start-check.js';
import { TimeStampAuthority, makeTsa } from '../timestamp/authority.js';
import type { SealKey } from './seal.js';
import { loadOrMakeSealedKey, sealedCertificate, type ServiceKeyPair, type ServiceKeyPurpose } from './sealed-service-keys.js';

/** What decides where the temp CA and the built-in TSA come from (a part of ServiceConfig). */
export interface ServiceKeyConfig {
  dataDir: string;
  tempCaCertPath?: string;
  tempCaKeyPath?: string;
  tsaCertPath?: string;
  tsaKeyPath?: string;
  tsaUrl?: string;
  tempCertValidityDays?: number;
}

const TEMP_CA_NAME = 'CN=GongwenDesk Temporary Certificate CA,O=GongwenDesk,C=TW';
const TSA_NAME = 'CN=GongwenDesk Time-Stamping Authority,O=GongwenDesk,C=TW';

/**
 * Where each key comes from, in order: files the configuration names (GONGWEN_TEMP_CA_*,
 * GONGWEN_TSA_* or an external GONGWEN_TSA_URL); else, with a seal key, the database (shared by
 * every instance on it); else, on SQLite only, the data folder (one instance, as before). On
 * PostgreSQL, which several instances share, a per-instance data folder would give each its own CA
 * and TSA, so the start is refused instead. Refused too: a database that holds sealed keys started
 * without the seal key (a data-folder CA beside the shared one would split the service in two).
 */
export async function requireOneKeySource(config: ServiceKeyConfig, storage: Storage, sealKey: SealKey | undefined): Promise<void> {
  if (sealKey) return;
  const sealed = (await sealedCertificate(storage, 'temp-ca')) ?? (await sealedCertificate(storage, 'tsa'));
  const tempCaFiles = Boolean(config.tempCaCertPath || config.tempCaKeyPath);
  const tsaElsewhere = Boolean(config.tsaUrl || config.tsaCertPath || config.tsaKeyPath);
  if (sealed && !(tempCaFiles && tsaElsewhere))
    throw new OperatorError(
      'The database holds the temp CA and time-stamping key sealed for every instance, but GONGWEN_SEAL_KEY_FILE is not set: give this instance the seal key file the others use. Nothing was made.',
      2,
    );
  if (storage.dialect === 'postgres' && !(tempCaFiles && tsaElsewhere))
    throw new OperatorError(
      'With PostgreSQL every instance must use one temp CA and one time-stamping key: set GONGWEN_SEAL_KEY_FILE to a file holding 32 random bytes in base64 (`openssl rand -base64 32`, mode 600), the same file on every instance, and they are kept in the database sealed under it; or give every instance the same GONGWEN_TEMP_CA_CERT and GONGWEN_TEMP_CA_KEY, and GONGWEN_TSA_CERT and GONGWEN_TSA_KEY (or GONGWEN_TSA_URL). Nothing was made.',
      2,
    );
}

/** The temp CA: configured files, else sealed in the database, else the data folder (SQLite). */
export async function loadTempCa(
  config: ServiceKeyConfig,
  storage: Storage,
  sealKey: SealKey | undefined,
  issuedSoFar: number,
  crlUrl: string,
): Promise<{ ca: TempCertAuthority; where: string }> {
  const validity = config.tempCertValidityDays;
  if (config.tempCaCertPath || config.tempCaKeyPath || !sealKey) {
    const ca = await TempCertAuthority.loadOrCreate({
      certPath: config.tempCaCertPath,
      keyPath: config.tempCaKeyPath,
      dataDir: config.dataDir,
      validityDays: validity,
      issuedSoFar,
      crlUrl,
    });
    await requireSameAsSealed(storage, 'temp-ca', ca.certificateDer);
    return { ca, where: config.tempCaCertPath ?? join(config.dataDir, 'temp-ca') };
  }
  const folder = join(config.dataDir, 'temp-ca');
  const pair = await loadOrMakeSealedKey(
    storage,
    sealKey,
    'temp-ca',
    movedInOrNew(folder, 'temp-ca', 'temp CA', () => makeTempCa(TEMP_CA_NAME)),
    async (trx) => {
      // Inside the transaction that keeps the new CA: certificates issued by another CA (a data
      // folder's that is gone) would all be untrusted under a new one.
      const n = (await issuedTempCertificates(trx)).count;
      return n === 0
        ? null
        : `${n} temporary certificate${n === 1 ? ' was' : 's were'} issued by a temp CA that is neither in the database nor in ${folder}. Restore ${folder} from the data folder's backup (it is then moved into the database, sealed), or set GONGWEN_TEMP_CA_CERT and GONGWEN_TEMP_CA_KEY to that CA. No new CA was made: it would leave those certificates untrusted.`;
    },
  );
  return { ca: await TempCertAuthority.fromPem(pair.certPem, pair.keyPem, validity, crlUrl), where: 'the database (sealed_service_keys)' };
}

/** The built-in TSA: configured files, else sealed in the database, else the data folder (SQLite). */
export async function loadBuiltInTsa(config: ServiceKeyConfig, storage: Storage, sealKey: SealKey | undefined): Promise<TimeStampAuthority> {
  if (config.tsaCertPath || config.tsaKeyPath || !sealKey) {
    const tsa = await TimeStampAuthority.loadOrCreate({ certPath: config.tsaCertPath, keyPath: config.tsaKeyPath, dataDir: config.dataDir });
    await requireSameAsSealed(storage, 'tsa', tsa.certificateDer);
    return tsa;
  }
  const folder = join(config.dataDir, 'tsa');
  const pair = await loadOrMakeSealedKey(
    storage,
    sealKey,
    'tsa',
    movedInOrNew(folder, 'tsa', 'time-stamping authority', () => makeTsa(TSA_NAME)),
  );
  return TimeStampAuthority.fromPem(pair.certPem, pair.keyPem);
}

/** Configured files over a database that holds a sealed key: they must be that key, or instances would differ. */
async function requireSameAsSealed(storage: Storage, purpose: ServiceKeyPurpose, certificate: Uint8Array): Promise<void> {
  const sealed = await sealedCertificate(storage, purpose);
  if (sealed && !Buffer.from(sealed).equals(Buffer.from(certificate)))
    throw new OperatorError(
      `The ${purpose === 'tsa' ? 'time-stamping authority' : 'temp CA'} configured for this instance is not the one sealed in the database for every instance: unset its GONGWEN_* files and set GONGWEN_SEAL_KEY_FILE instead.`,
      2,
    );
}

/** The data folder's key (an earlier start's, moved into the database), else a new one. */
function movedInOrNew(folder: string, stem: string, name: string, make: () => Promise<ServiceKeyPair>) {
  return async () => (await dataFolderPair(folder, stem, name)) ?? { ...(await make()), isNew: true };
}

/** A key and certificate an earlier start made in the data folder, to move into the database (not new). */
async function dataFolderPair(folder: string, stem: string, name: string): Promise<(ServiceKeyPair & { isNew: false }) | null> {
  const certPath = join(folder, `${stem}.cert.pem`);
  const keyPath = join(folder, `${stem}.key.pem`);
  const [hasCert, hasKey] = [existsSync(certPath), existsSync(keyPath)];
  if (!hasCert && !hasKey) return null;
  if (hasCert !== hasKey)
    throw new OperatorError(
      `The ${name} ${hasCert ? `key ${keyPath}` : `certificate ${certPath}`} is missing (its ${hasCert ? 'certificate' : 'key'} is there), so it cannot be moved into the database. Restore ${folder} from the data folder's backup. No new ${name} was made.`,
    );
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPem, keyPem, isNew: false };
}
