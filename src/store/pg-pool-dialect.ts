/**
 * Kysely's PostgreSQL dialect over a `pg.Pool`, plus streaming that needs no extra package:
 * Kysely's own `stream()` on PostgreSQL requires `pg-cursor`; this one pages through a
 * server-side cursor (DECLARE/FETCH) exactly like the PGlite dialect does, so `query.stream(n)`
 * behaves the same on both backends.
 *
 * Everything else (queries, transactions, savepoints, migration lock) is Kysely's
 * PostgresDriver unchanged.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { Pool } from 'pg';
import { readCursorPages } from './cursor-pages.ts';
import { enterTenantScope, leaveTenantScope } from './tenant-scope.ts';

export interface PgPoolDialectConfig {
  pool: Pool;
}

/**
 * Kysely dialect over a node-postgres pool, with cursor streaming.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PgPoolDialect({ pool: new pg.Pool({ connectionString }) }) });
 */
export class PgPoolDialect implements Dialect {
  readonly #config: PgPoolDialectConfig;

  constructor(config: PgPoolDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PgPoolDriver(new PostgresDriver({ pool: this.#config.pool }));
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** Kysely's PostgresConnection, a class it does not export. */
type InnerConnection = Parameters<PostgresDriver['releaseConnection']>[0];

/**
 * Delegates to Kysely's PostgresDriver, tracks whether each connection is in a transaction, and
 * applies the caller's tenant scope (tenant-scope.ts) for as long as it holds a connection.
 */
class PgPoolDriver implements Driver {
  readonly #inner: PostgresDriver;

  constructor(inner: PostgresDriver) {
    this.#inner = inner;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection();
    try {
      await enterTenantScope(inner);
    } catch (err) {
      await this.#inner.releaseConnection(inner as InnerConnection);
      throw err;
    }
    return new CursorConnection(inner);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const inner = unwrap(connection).inner;
    // If leaving fails the connection stays marked, and its next holder leaves the scope first.
    await leaveTenantScope(inner).catch(() => undefined);
    await this.#inner.releaseConnection(inner as InnerConnection);
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const c = unwrap(connection);
    await this.#inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = unwrap(connection);
    c.inTransaction = false;
    await this.#inner.commitTransaction(c.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = unwrap(connection);
    c.inTransaction = false;
    await this.#inner.rollbackTransaction(c.inner);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.savepoint(unwrap(connection).inner, name, compileQuery);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.rollbackToSavepoint(unwrap(connection).inner, name, compileQuery);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.releaseSavepoint(unwrap(connection).inner, name, compileQuery);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

class CursorConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>(query);
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    const ownTransaction = !this.inTransaction;
    // A cursor lives only inside a transaction; a read-only one is enough for a stream.
    if (ownTransaction) await this.inner.executeQuery(CompiledQuery.raw('begin read only'));
    let finished = false;
    try {
      yield* readCursorPages<R>(
        async (sql, parameters) =>
          (await this.inner.executeQuery(CompiledQuery.raw(sql, [...parameters]))).rows,
        query,
        chunkSize,
      );
      finished = true;
    } finally {
      if (ownTransaction) {
        await this.inner.executeQuery(CompiledQuery.raw(finished ? 'commit' : 'rollback'));
      }
    }
  }
}

function unwrap(connection: DatabaseConnection): CursorConnection {
  if (!(connection instanceof CursorConnection)) {
    throw new TypeError('PgPoolDriver was handed a connection it did not create');
  }
  return connection;
}
