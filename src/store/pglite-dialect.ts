/**
 * A Kysely dialect for PGlite (embedded PostgreSQL in WebAssembly). Kysely 0.28 ships none.
 *
 * Concurrency rule: PGlite has one connection. The driver hands it to one Kysely user at a time
 * (a mutex around acquire/release), so two concurrent Kysely transactions run one after the
 * other instead of interleaving their statements. Transactions also go through PGlite's own
 * `transaction()`, which locks the instance for other users of the raw PGlite object (bulk COPY,
 * pg-boss) until COMMIT. The flip side: code that holds a transaction and then waits for a query
 * on `db` instead of `trx` waits for itself forever. Use the transaction object inside it.
 *
 * Streaming (`query.stream(n)`) reads pages of n rows through a server-side cursor, inside the
 * caller's transaction or a short read transaction of its own.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
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
import { readCursorPages } from './cursor-pages.ts';
import { Mutex } from './mutex.ts';
import { enterTenantScope, leaveTenantScope } from './tenant-scope.ts';

export interface PGliteDialectConfig {
  /** An open (or opening) PGlite instance. The dialect closes it when Kysely is destroyed. */
  pglite: PGlite;
}

/**
 * Kysely dialect over one PGlite instance.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config.pglite);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    // PGlite is PostgreSQL: transactional DDL, RETURNING and advisory locks all work.
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/**
 * Hands out the single PGlite connection, one holder at a time.
 *
 * @example
 * const driver = new PGliteDriver(pglite); // normally created by PGliteDialect
 */
export class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;
  #release: (() => void) | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    try {
      // The caller's tenant scope (tenant-scope.ts) holds for as long as it holds the connection.
      await enterTenantScope(this.#connection);
    } catch (err) {
      release();
      throw err;
    }
    this.#release = release;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    // If leaving fails the connection stays marked, and its next holder leaves the scope first.
    await leaveTenantScope(this.#connection).catch(() => undefined);
    release?.();
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await asPGlite(connection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await asPGlite(connection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await asPGlite(connection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close();
  }
}

/** The one connection to a PGlite instance; remembers the transaction it is in, if any. */
class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #tx: Transaction | undefined;
  #decide: ((commit: boolean) => void) | undefined;
  #ended: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await (this.#tx ?? this.#pglite).query<R>(query.sql, [...query.parameters], {
      rowMode: 'object',
    });
    // Same rule as Kysely's PostgresConnection: only data-changing commands report a count.
    const changes =
      result.command === 'INSERT' ||
      result.command === 'UPDATE' ||
      result.command === 'DELETE' ||
      result.command === 'MERGE';
    const count = result.rowCount ?? result.affectedRows;
    return changes && count !== undefined
      ? { rows: result.rows, numAffectedRows: BigInt(count) }
      : { rows: result.rows };
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    const ownTransaction = this.#tx === undefined;
    if (ownTransaction) await this.begin({ accessMode: 'read only' });
    let finished = false;
    try {
      yield* readCursorPages<R>(
        async (sql, parameters) => (await this.#runner().query(sql, [...parameters])).rows,
        query,
        chunkSize,
      );
      finished = true;
    } finally {
      if (ownTransaction) await (finished ? this.commit() : this.rollback());
    }
  }

  /**
   * Opens a transaction through PGlite's `transaction()` and keeps it open until commit() or
   * rollback() decides how it ends.
   */
  async begin(settings: TransactionSettings): Promise<void> {
    if (this.#tx) throw new Error('PGlite connection is already in a transaction');
    let opened!: (tx: Transaction) => void;
    const begun = new Promise<Transaction>((resolve) => (opened = resolve));
    const decided = new Promise<boolean>((resolve) => (this.#decide = resolve));
    const ended = this.#pglite.transaction(async (tx) => {
      opened(tx);
      if (!(await decided)) await tx.rollback();
    });
    this.#ended = ended;
    this.#tx = await Promise.race([
      begun,
      ended.then(() => {
        throw new Error('PGlite transaction ended before it began');
      }),
    ]);
    const characteristics = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ].filter(Boolean);
    if (characteristics.length > 0) {
      try {
        await this.#tx.query(`set transaction ${characteristics.join(', ')}`);
      } catch (err) {
        await this.rollback();
        throw err;
      }
    }
  }

  async commit(): Promise<void> {
    const ended = this.#end(true);
    await ended;
  }

  async rollback(): Promise<void> {
    const ended = this.#end(false);
    // Kysely rolls back after a failure and then rethrows that failure; an error from ROLLBACK
    // itself would hide the one that matters.
    await ended?.catch(() => undefined);
  }

  #end(commit: boolean): Promise<void> | undefined {
    const decide = this.#decide;
    const ended = this.#ended;
    this.#tx = undefined;
    this.#decide = undefined;
    this.#ended = undefined;
    decide?.(commit);
    return ended;
  }

  #runner(): PGlite | Transaction {
    return this.#tx ?? this.#pglite;
  }
}

function asPGlite(connection: DatabaseConnection): PGliteConnection {
  if (!(connection instanceof PGliteConnection)) {
    throw new TypeError('PGliteDriver was handed a connection it did not create');
  }
  return connection;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
