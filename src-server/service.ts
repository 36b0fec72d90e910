import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PasswordGuard } from './accounts/password-guard.js';
import type { ServiceContext } from './context.js';
import { SignerPolicy } from './signatures/signer-policy.js';
import { openStorage } from './storage/database.js';
import { TempCertAuthority } from './temp-ca/authority.js';
import { fromPem } from '../src-shared/pki/x509.js';

/**
 * Configuration, from the environment in the CLI:
 *   GONGWEN_DATA_DIR        data folder (default ./data): SQLite file, temp CA on first start
 *   DATABASE_URL            postgres://… to use PostgreSQL instead of SQLite
 *   GONGWEN_TEMP_CA_CERT / GONGWEN_TEMP_CA_KEY   the temp CA (made in the data folder if unset)
 *   GONGWEN_CARD_ROOTS      PEM file of trusted card roots (default <data>/trust/card-roots.pem)
 */
export interface ServiceConfig {
  dataDir: string;
  databaseUrl?: string;
  tempCaCertPath?: string;
  tempCaKeyPath?: string;
  cardRootsPath?: string;
  tempCertValidityDays?: number;
  sessionHours?: number;
  now?: () => Date;
}

export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    dataDir: resolve(env.GONGWEN_DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    tempCaCertPath: env.GONGWEN_TEMP_CA_CERT || undefined,
    tempCaKeyPath: env.GONGWEN_TEMP_CA_KEY || undefined,
    cardRootsPath: env.GONGWEN_CARD_ROOTS || undefined,
  };
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
  const storage = await openStorage(config.databaseUrl ?? join(config.dataDir, 'gongwen.sqlite'));
  const tempCa = await TempCertAuthority.loadOrCreate({ certPath: config.tempCaCertPath, keyPath: config.tempCaKeyPath, dataDir: config.dataDir, validityDays: config.tempCertValidityDays });
  const cardRoots = await loadCardRoots(config.cardRootsPath ?? join(config.dataDir, 'trust', 'card-roots.pem'));
  const now = config.now ?? (() => new Date());
  return {
    storage,
    now,
    tempCa,
    cardRoots,
    signerPolicy: new SignerPolicy(storage.db, tempCa, cardRoots),
    passwordGuard: new PasswordGuard(storage, now),
    sessionHours: config.sessionHours ?? 10,
    clockSkewMs: 5 * 60 * 1000,
  };
}
