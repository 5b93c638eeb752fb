import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

/**
 * Test databases: PGlite always; PostgreSQL whenever TEST_DATABASE_URL or DATABASE_URL is set. Each test file
 * gets a fresh, migrated database of its own (a new in-memory PGlite, or a new PostgreSQL database created on
 * the server and dropped at the end). TEST_DATABASES=postgres (or pglite) restricts the list.
 */
export type TestDatabaseKind = 'pglite' | 'postgres';

export function postgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function testDatabaseKinds(): TestDatabaseKind[] {
  const kinds: TestDatabaseKind[] = ['pglite'];
  if (postgresUrl()) kinds.push('postgres');
  const only = process.env.TEST_DATABASES?.split(',').map((k) => k.trim());
  return only ? kinds.filter((k) => only.includes(k)) : kinds;
}

export interface TestDatabase extends Database {
  kind: TestDatabaseKind;
  /** every SQL statement run through drizzle since the last reset */
  statements: string[];
  resetStatements(): void;
  /** PostgreSQL only: the URL of this test's own database */
  url?: string;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A fresh, migrated database of `kind`. PostgreSQL: created on `serverUrl` (default: TEST_DATABASE_URL or DATABASE_URL;
 * test/support/throwaway-cluster.ts passes its own cluster's) and dropped by `close()`.
 */
export async function openTestDatabase(kind: TestDatabaseKind, serverUrl = postgresUrl()): Promise<TestDatabase> {
  const statements: string[] = [];
  const logger = { logQuery: (query: string) => void statements.push(query) };
  if (kind === 'pglite') {
    const database = await openDatabase({ pgliteDir: 'memory://', logger });
    await migrateDatabase(database);
    statements.length = 0;
    return { ...database, kind, statements, resetStatements: () => void (statements.length = 0) };
  }
  if (!serverUrl) throw new Error('no PostgreSQL URL for tests');
  const name = `cqg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  const database = await openDatabase({ url, logger, poolSize: 5 });
  await migrateDatabase(database);
  statements.length = 0;
  return {
    ...database,
    kind,
    url,
    statements,
    resetStatements: () => void (statements.length = 0),
    close: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
