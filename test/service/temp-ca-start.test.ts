import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempCa } from '../../src-server/temp-ca/make-temp-ca.js';
import { buildApp } from '../../src-server/http/app.js';
import { createContext } from '../../src-server/service.js';
import { createTestDatabase } from '../helpers/databases.js';
import { testPki } from '../helpers/demo-pki.js';
import { Clerk, seedPeople, type TestService } from '../helpers/service.js';

const caFiles = (dataDir: string) => ({ cert: join(dataDir, 'temp-ca', 'temp-ca.cert.pem'), key: join(dataDir, 'temp-ca', 'temp-ca.key.pem') });

/** A data folder whose temp CA (made there on first start) has issued one temp certificate. */
async function dataFolderThatIssued(databaseUrl: string, kind: 'sqlite' | 'postgres'): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-ca-'));
  mkdirSync(join(dataDir, 'trust'));
  writeFileSync(join(dataDir, 'trust', 'card-roots.pem'), (await testPki()).gcaRootPem);
  const ctx = await createContext({ dataDir, databaseUrl });
  await seedPeople(ctx);
  const app = await buildApp(ctx);
  const service: TestService = {
    app,
    ctx,
    dataDir,
    kind,
    clock: { offsetMs: 0 },
    close: () => app.close(),
    twin: () => Promise.reject(new Error('no twin in this test')),
  };
  await (await Clerk.login(service, 'chen.chiming')).enableTempCert();
  await app.close();
  return dataDir;
}

/**
 * The temp CA is made in the data folder on first start. Once it has issued certificates, a start
 * without it (a lost key, a restored database without temp-ca/, a second instance with its own
 * data folder) must not quietly make a new CA, under which every issued temp certificate would be
 * untrusted: it refuses, in a sentence that says what to restore. SQLite only: on PostgreSQL the
 * temp CA is never a data folder's (shared-ca.test.ts, sealed-keys.test.ts).
 */
describe.each(['sqlite'] as const)('starting without the temp CA that issued certificates, on %s', (kind) => {
  it('refuses when the key is missing, and makes nothing new', async () => {
    const database = await createTestDatabase(kind);
    try {
      const dataDir = await dataFolderThatIssued(database.url, kind);
      const { cert, key } = caFiles(dataDir);
      const certBefore = readFileSync(cert, 'utf8');
      rmSync(key);
      await expect(createContext({ dataDir, databaseUrl: database.url })).rejects.toThrow(/temp CA key .* is missing/);
      expect(readFileSync(cert, 'utf8')).toBe(certBefore);
      expect(existsSync(key)).toBe(false);
    } finally {
      await database.drop();
    }
  });

  it('refuses a second data folder with no temp CA over the same database (another instance)', async () => {
    const database = await createTestDatabase(kind);
    try {
      await dataFolderThatIssued(database.url, kind);
      const other = mkdtempSync(join(tmpdir(), 'gongwen-ca-other-'));
      await expect(createContext({ dataDir: other, databaseUrl: database.url })).rejects.toThrow(/1 temporary certificate.* issued/);
      expect(existsSync(caFiles(other).cert)).toBe(false);
    } finally {
      await database.drop();
    }
  });

  it('refuses a temp CA that is not the one that issued the certificates', async () => {
    const database = await createTestDatabase(kind);
    try {
      const dataDir = await dataFolderThatIssued(database.url, kind);
      const stranger = await makeTempCa('CN=Another Temporary Certificate CA,O=GongwenDesk,C=TW');
      writeFileSync(caFiles(dataDir).cert, stranger.certPem);
      writeFileSync(caFiles(dataDir).key, stranger.keyPem);
      await expect(createContext({ dataDir, databaseUrl: database.url })).rejects.toThrow(/did not issue/);
    } finally {
      await database.drop();
    }
  });
});

describe('a half-present temp CA before any certificate was issued', () => {
  it('refuses rather than replace the certificate that is there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gongwen-ca-'));
    const ctx = await createContext({ dataDir });
    await ctx.storage.close();
    const { cert, key } = caFiles(dataDir);
    const certBefore = readFileSync(cert, 'utf8');
    rmSync(key);
    await expect(createContext({ dataDir })).rejects.toThrow(/temp CA key .* is missing/);
    expect(readFileSync(cert, 'utf8')).toBe(certBefore);
  });
});
