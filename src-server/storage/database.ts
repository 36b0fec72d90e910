import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import * as initial from './migrations/20261127-0001-initial.js';
import * as documentSequences from './migrations/20261127-0002-document-sequences.js';
import * as pendingResignOrder from './migrations/20261127-0003-pending-resign-order.js';
import * as countersignatureBeside from './migrations/20261127-0004-countersignature-beside-signature.js';
import * as signatureValue from './migrations/20261127-0005-signature-value.js';
import * as signatureTimeStamps from './migrations/20261130-0010-signature-time-stamps.js';
import * as cardIntermediates from './migrations/20261130-0011-card-intermediates.js';
import * as cardLogin from './migrations/20261130-0013-card-login.js';
import * as unitHeads from './migrations/20261130-0030-unit-heads.js';
import * as tempCaCrls from './migrations/20261130-0031-temp-ca-crls.js';
import * as tempCertApproval from './migrations/20261130-0032-temp-cert-approval.js';
import * as organisation from './migrations/20261130-0040-organisation.js';
import * as resignOnBehalf from './migrations/20261130-0050-resign-on-behalf.js';
import * as attachmentUploads from './migrations/20261130-0060-attachment-uploads.js';
import * as cardCrls from './migrations/20261130-0070-card-crls.js';
import * as adminConsole from './migrations/20261130-0080-admin-console.js';
import * as sealedServiceKeys from './migrations/20261130-0090-sealed-service-keys.js';
import * as reliedTempCaCrls from './migrations/20261130-0100-relied-temp-ca-crls.js';
import * as consoleCardLogins from './migrations/20261130-0120-console-card-logins.js';
import * as auditPending from './migrations/20261201-0130-audit-pending.js';
import { auditSealer } from '../audit/audit-sealer.js';
import { ensurePrivateFile } from './private-files.js';
import { groupCommit, transactionPerUnit, type WriteRunner } from './group-commit.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Applies a unit of writes atomically (grouped with concurrent ones on SQLite; see group-commit.ts). */
  write: WriteRunner;
  close(): Promise<void>;
  /** SQLite: calls `listener` with the number of write units of each group commit (for /metrics). */
  observeCommitBatches?: (listener: (units: number) => void) => void;
  /**
   * Chains the audit entries committed so far (PostgreSQL: each write starts a round after its
   * commit but is answered without waiting for it; SQLite chains at once, so nothing is left).
   * Every reader of `audit_log` calls it first, so the chain it reads holds every answered write.
   */
  sealAudit: () => Promise<void>;
  /** PostgreSQL: the pool's connections as the driver counts them (for /metrics). */
  poolUse?: () => { total: number; idle: number; waiting: number };
}

/**
 * Opens the service's database: `postgres://…` for PostgreSQL (several service instances may
 * share it), anything else is a SQLite file (the embedded default; `:memory:` for a test).
 * Migrations run to the latest on open.
 */
export async function openStorage(url: string): Promise<Storage> {
  const storage = url.startsWith('postgres://') || url.startsWith('postgresql://') ? openPostgres(url) : openSqlite(url.replace(/^sqlite:/, ''));
  await migrateToLatest(storage);
  // Entries left pending by an instance that stopped between a commit and its sealing.
  await storage.sealAudit();
  return storage;
}

function openSqlite(path: string): Storage {
  if (path !== ':memory:') {
    // SQLite makes the -wal and -shm files with the database file's mode, so 0600 carries over.
    // A folder made here is 0700; one the operator chose is theirs (the data folder is closed by createContext).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    ensurePrivateFile(path);
  }
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // An answered send must survive a power cut: the WAL is synced at every commit (NORMAL would
  // sync only at checkpoints and could lose the last commits). Group commit pays for it.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const batchListeners: ((units: number) => void)[] = [];
  const write = groupCommit(db, (units) => batchListeners.forEach((listener) => listener(units)));
  return {
    db,
    dialect: 'sqlite',
    write,
    close: () => db.destroy(),
    observeCommitBatches: (listener) => void batchListeners.push(listener),
    sealAudit: () => Promise.resolve(),
  };
}

/**
 * Kysely prepares every query anew; with better-sqlite3 that preparation cost more than running
 * the query. The service runs the same few dozen statements over and over, so prepared statements
 * are kept, by their SQL text (parameters are bound at each run).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const prepared = new Map<string, SqliteDatabase.Statement>();
  const prepare = (sql: string) => {
    let statement = prepared.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      if (prepared.size >= 500) prepared.clear(); // ad-hoc SQL must not grow this without bound
      prepared.set(sql, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, { get: (target, name) => (name === 'prepare' ? prepare : Reflect.get(target, name, target)) });
}

function openPostgres(url: string): Storage {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  // A dropped connection (PostgreSQL restarted, a network cut) must not crash the service. Idle
  // clients report it on the pool; a client that is checked out reports it on itself, and with no
  // listener that would be an uncaught exception. The request in progress fails (a 500 the client
  // retries) and the pool discards the broken client.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const poolUse = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
  const sealAudit = auditSealer(transactionPerUnit(db), (error) => {
    // The writes have committed; their entries stay pending for the next round. The message and
    // code only: no row's content.
    const { message, code } = error as { message?: unknown; code?: unknown };
    console.warn(`audit sealing failed, entries left pending for the next round: ${String(message)}${code ? ` (${String(code)})` : ''}`);
  });
  // The round a write starts is awaited by nobody but readers and close: a stopped instance's
  // last entries are sealed by the next round anywhere, or at the next start.
  const close = async () => {
    await sealAudit();
    await db.destroy();
  };
  return { db, dialect: 'postgres', write: transactionPerUnit(db, sealAudit), close, poolUse, sealAudit };
}

function migrationsOf(storage: Storage): Record<string, Migration> {
  const blob = storage.dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    '20261127-0001-initial': { up: (db) => initial.up(db, blob) },
    '20261127-0002-document-sequences': { up: (db) => documentSequences.up(db) },
    '20261127-0003-pending-resign-order': { up: (db) => pendingResignOrder.up(db) },
    '20261127-0004-countersignature-beside-signature': { up: (db) => countersignatureBeside.up(db, blob) },
    '20261127-0005-signature-value': { up: (db) => signatureValue.up(db, blob) },
    '20261130-0010-signature-time-stamps': { up: (db) => signatureTimeStamps.up(db, blob) },
    '20261130-0011-card-intermediates': { up: (db) => cardIntermediates.up(db) },
    '20261130-0013-card-login': { up: (db) => cardLogin.up(db) },
    '20261130-0030-unit-heads': { up: (db) => unitHeads.up(db) },
    '20261130-0031-temp-ca-crls': { up: (db) => tempCaCrls.up(db, blob) },
    '20261130-0032-temp-cert-approval': { up: (db) => tempCertApproval.up(db) },
    '20261130-0040-organisation': { up: (db) => organisation.up(db) },
    '20261130-0050-resign-on-behalf': { up: (db) => resignOnBehalf.up(db, blob) },
    '20261130-0060-attachment-uploads': { up: (db) => attachmentUploads.up(db, blob) },
    '20261130-0070-card-crls': { up: (db) => cardCrls.up(db, blob) },
    '20261130-0080-admin-console': { up: (db) => adminConsole.up(db) },
    '20261130-0090-sealed-service-keys': { up: (db) => sealedServiceKeys.up(db, blob) },
    '20261130-0100-relied-temp-ca-crls': { up: (db) => reliedTempCaCrls.up(db, blob) },
    '20261130-0120-console-card-logins': { up: (db) => consoleCardLogins.up(db) },
    '20261201-0130-audit-pending': { up: (db) => auditPending.up(db, blob) },
  };
}

function migratorOf(storage: Storage): Migrator {
  const migrations = migrationsOf(storage);
  return new Migrator({ db: storage.db, provider: { getMigrations: async () => migrations } });
}

/** The migrations this build knows that the database has not applied (readiness: none). */
export async function pendingMigrations(storage: Storage): Promise<string[]> {
  const known = await migratorOf(storage).getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

async function migrateToLatest(storage: Storage): Promise<void> {
  const { error } = await migratorOf(storage).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** True when a write failed on a UNIQUE or PRIMARY KEY constraint, in either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
