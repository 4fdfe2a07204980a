/**
 * Runs one storage suite against both backends (the pg-boss `pgliteTest` idea):
 * - PGlite in memory, always;
 * - PostgreSQL when TEST_DATABASE_URL is set, in a fresh database created for the suite
 *   (CREATE DATABASE roster_t_<random>) and dropped after it. Without the variable that half is
 *   registered with describe.skip, so the report shows it as skipped instead of leaving it out.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Backend, type OpenDatabase } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;

export interface BackendContext {
  backend: Backend;
  /** The open database of the running suite. */
  handle: () => OpenDatabase;
  /**
   * Opens another, independent handle on the same database (PostgreSQL: a new pool on the
   * suite's database; PGlite: not possible, an in-memory database has one handle).
   */
  openAnother: () => Promise<OpenDatabase>;
}

export interface EachBackendOptions {
  /** Apply migrations before the suite (default true). */
  migrate?: boolean;
}

/**
 * Declares the suite once per backend.
 *
 * @example
 * describeEachBackend('mapping presets', (getDb) => {
 *   it('round-trips', async () => { await savePreset(getDb(), tenantId, preset); });
 * });
 */
export function describeEachBackend(
  name: string,
  body: (getDb: () => Kysely<Database>, ctx: BackendContext) => void,
  options: EachBackendOptions = {},
): void {
  const migrate = options.migrate ?? true;

  describe(`${name} [pglite]`, () => {
    let handle: OpenDatabase | undefined;
    beforeAll(async () => {
      handle = await openDatabase({ memory: true });
      if (migrate) await migrateToLatest(handle.db);
    });
    afterAll(async () => {
      await handle?.close();
    });
    const get = (): OpenDatabase => handle ?? notOpen();
    body(() => get().db, {
      backend: 'pglite',
      handle: get,
      openAnother: () => Promise.reject(new Error('an in-memory PGlite database has one handle')),
    });
  });

  if (!TEST_DATABASE_URL) {
    describe.skip(`${name} [postgres] (TEST_DATABASE_URL not set)`, () => {
      body(notOpen, { backend: 'postgres', handle: notOpen, openAnother: notOpen });
    });
    return;
  }

  describe(`${name} [postgres]`, () => {
    let database: TestDatabase | undefined;
    let handle: OpenDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase();
      handle = await openDatabase({ databaseUrl: database.url });
      if (migrate) await migrateToLatest(handle.db);
    });
    afterAll(async () => {
      await handle?.close();
      await database?.drop();
    });
    const get = (): OpenDatabase => handle ?? notOpen();
    body(() => get().db, {
      backend: 'postgres',
      handle: get,
      openAnother: () => openDatabase({ databaseUrl: database?.url ?? notOpen() }),
    });
  });
}

export interface TestDatabase {
  /** URL of the new database (TEST_DATABASE_URL with another database name). */
  url: string;
  /** Drops it, ending any connections still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates an empty PostgreSQL database on the TEST_DATABASE_URL server.
 *
 * @example
 * const tdb = await createTestDatabase(); try { ... tdb.url ... } finally { await tdb.drop(); }
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `roster_t_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function notOpen(): never {
  throw new Error('the database of this suite is not open (used outside a test?)');
}
