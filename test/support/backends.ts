/**
 * Runs one storage suite against both backends (the pg-boss `pgliteTest` idea):
 * - PGlite in memory, always;
 * - PostgreSQL when TEST_DATABASE_URL is set, in a fresh database created for the suite
 *   (CREATE DATABASE roster_t_<random>) and dropped after it. Without the variable that half is
 *   registered with describe.skip, so the report shows it as skipped instead of leaving it out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      handle = await openDatabase({ memory: true, loadDataDir: await pgliteTemplate(migrate) });
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

const templates = new Map<boolean, Promise<Blob>>();

/**
 * A PGlite data directory to start suites from, empty or migrated. Creating a cluster (initdb)
 * costs seconds of CPU per suite; loading a tarball costs under one. The tarball is cached in
 * the system temp folder under a hash of the PGlite version and the migration sources, so every
 * test process shares it and a changed migration gets a new one.
 *
 * @example
 * await openDatabase({ memory: true, loadDataDir: await pgliteTemplate(true) });
 */
export function pgliteTemplate(migrated: boolean): Promise<Blob> {
  let template = templates.get(migrated);
  if (!template) {
    template = loadOrBuildTemplate(migrated);
    templates.set(migrated, template);
  }
  return template;
}

async function loadOrBuildTemplate(migrated: boolean): Promise<Blob> {
  const file = join(tmpdir(), `roster-pglite-${await templateKey(migrated)}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not built yet by any test process.
  }
  const handle = await openDatabase({ memory: true });
  try {
    if (migrated) await migrateToLatest(handle.db);
    if (handle.raw.kind !== 'pglite') throw new Error('expected PGlite');
    const tarball = await handle.raw.pglite.dumpDataDir('none');
    // Written under a unique name, then renamed: processes racing to build it never read half a file.
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, new Uint8Array(await tarball.arrayBuffer()));
    await rename(partial, file);
    return tarball;
  } finally {
    await handle.close();
  }
}

async function templateKey(migrated: boolean): Promise<string> {
  const hash = createHash('sha256').update(migrated ? 'migrated' : 'empty');
  const pglitePackage = new URL(
    '../../node_modules/@electric-sql/pglite/package.json',
    import.meta.url,
  );
  hash.update(await readFile(pglitePackage));
  if (migrated) {
    const dir = new URL('../../src/store/migrations/', import.meta.url);
    for (const name of (await readdir(dir)).sort()) {
      hash.update(name).update(await readFile(new URL(name, dir)));
    }
    // migrateToLatest also seeds the default tenant.
    hash.update(await readFile(new URL('../../src/store/tenants.ts', import.meta.url)));
  }
  return hash.digest('hex').slice(0, 16);
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
