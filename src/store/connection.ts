/**
 * Opens Roster's database: embedded PGlite by default, a PostgreSQL server when a URL is given.
 * Both come back as the same `Kysely<Database>` and read values the same way
 * (value-parsers.ts); bulk code that needs COPY reaches the driver underneath through `raw`.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely } from 'kysely';
import pg from 'pg';
import { RosterError } from '../core/errors.ts';
import { PgPoolDialect } from './pg-pool-dialect.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { Database } from './schema.ts';
import { redactPassword, redactUrl } from './redact-url.ts';
import { PG_TYPE, VALUE_PARSERS } from './value-parsers.ts';

export type Backend = 'pglite' | 'postgres';

/** The driver under Kysely, for what Kysely cannot do (COPY). */
export type RawClient = { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; pool: pg.Pool };

export interface OpenDatabaseOptions {
  /** postgres:// URL of a PostgreSQL server. When set, PGlite is not used. */
  databaseUrl?: string;
  /** Folder of the embedded database (created when missing). Required for PGlite unless memory. */
  dataDir?: string;
  /** Embedded database in memory only (tests, dry runs). */
  memory?: boolean;
  /**
   * PGlite only: start from this data directory tarball (from PGlite's `dumpDataDir`) instead of
   * an empty cluster, e.g. a migrated template in tests. The target must not hold a database.
   */
  loadDataDir?: Blob;
  /** Most pooled connections to PostgreSQL (default 10). */
  poolSize?: number;
  /**
   * Receives errors of idle pooled PostgreSQL connections (server restart, network). Without a
   * listener node-postgres would crash the process; the default writes one line to stderr.
   */
  onPoolError?: (err: Error) => void;
}

export interface OpenDatabase {
  db: Kysely<Database>;
  backend: Backend;
  raw: RawClient;
  /** Closes Kysely and the driver (PGlite flushes its files; the pool ends its connections). */
  close(): Promise<void>;
}

/**
 * Opens the database described by the options.
 *
 * @example
 * const { db, close } = await openDatabase({ dataDir: './roster-data' });
 * try { await migrateToLatest(db); } finally { await close(); }
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<OpenDatabase> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPGlite(opts);
}

async function openPGlite(opts: OpenDatabaseOptions): Promise<OpenDatabase> {
  let dataDir: string | undefined;
  if (!opts.memory) {
    if (!opts.dataDir) {
      throw new RosterError(
        'CONFIG_INVALID',
        'The embedded database needs a data directory (ROSTER_DATA_DIR) or memory: true',
      );
    }
    dataDir = resolve(opts.dataDir);
  }
  let pglite: PGlite;
  try {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    pglite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      extensions: { pg_trgm },
      parsers: VALUE_PARSERS,
    });
  } catch (err) {
    const where = dataDir ? `in ${dataDir}` : 'in memory';
    throw new RosterError(
      'DB_CONNECT_FAILED',
      `Could not open the embedded database ${where}: ${messageOf(err)}`,
      dataDir ? { dataDir } : {},
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    backend: 'pglite',
    raw: { kind: 'pglite', pglite },
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<OpenDatabase> {
  const safeUrl = redactUrl(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      application_name: 'roster',
      types: { getTypeParser: typeParser },
    });
  } catch (err) {
    // pg parses the URL in the constructor; its message may quote the URL, password included.
    throw new RosterError(
      'DB_CONNECT_FAILED',
      `Invalid database URL ${safeUrl}`,
      {},
      { cause: err },
    );
  }
  const onError =
    opts.onPoolError ??
    ((err: Error) => process.stderr.write(`roster: database connection lost: ${err.message}\n`));
  pool.on('error', onError);
  try {
    // Fail now with a clear message rather than at the first query deep inside an import.
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new RosterError(
      'DB_CONNECT_FAILED',
      `Could not connect to PostgreSQL at ${safeUrl}: ${redactPassword(messageOf(err), url)}`,
      { url: safeUrl },
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PgPoolDialect({ pool }) });
  return {
    db,
    backend: 'postgres',
    raw: { kind: 'postgres', pool },
    close: () => db.destroy(),
  };
}

const typeParser = ((oid: number, format?: string) => {
  if (format !== 'binary') {
    if (oid === PG_TYPE.INT8) return VALUE_PARSERS[PG_TYPE.INT8];
    if (oid === PG_TYPE.DATE) return VALUE_PARSERS[PG_TYPE.DATE];
  }
  return format === undefined
    ? pg.types.getTypeParser(oid)
    : pg.types.getTypeParser(oid, format as 'text');
}) as typeof pg.types.getTypeParser;

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    // Connecting to "localhost" tries ::1 and 127.0.0.1; node reports both in an AggregateError
    // with an empty message of its own.
    return err.errors.map(messageOf).join('; ');
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
