import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The databases every service suite runs against: SQLite always, PostgreSQL when the test command
 * started one (GONGWEN_TEST_POSTGRES_URL). Each test database is new and is dropped afterwards.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export type DatabaseKind = 'sqlite' | 'postgres';

export function databaseKinds(): DatabaseKind[] {
  // Node 24 without a better-sqlite3 built for its ABI (test/env/node24.sh says why): PostgreSQL only.
  if (process.env.GONGWEN_TEST_DATABASES === 'postgres') {
    if (!process.env.GONGWEN_TEST_POSTGRES_URL) throw new Error('GONGWEN_TEST_DATABASES=postgres needs GONGWEN_TEST_POSTGRES_URL');
    return ['postgres'];
  }
  if (process.env.GONGWEN_TEST_POSTGRES_URL) return ['sqlite', 'postgres'];
  if (process.env.CI) throw new Error('GONGWEN_TEST_POSTGRES_URL is not set: run the tests with npm test, which starts PostgreSQL');
  console.warn('PostgreSQL suites not run: GONGWEN_TEST_POSTGRES_URL is not set (npm test sets it).');
  return ['sqlite'];
}

export async function createTestDatabase(kind: DatabaseKind, postgresUrl = process.env.GONGWEN_TEST_POSTGRES_URL): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gongwen-db-'));
    return { url: join(dir, 'test.sqlite'), drop: async () => {} };
  }
  const base = postgresUrl!;
  const name = `gw_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
