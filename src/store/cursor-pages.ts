import type { CompiledQuery, QueryResult } from 'kysely';

/** Runs one statement on the connection that owns the cursor and returns its rows. */
export type RunStatement = (sql: string, parameters: readonly unknown[]) => Promise<unknown[]>;

let cursorCount = 0;

/**
 * Reads a query's rows in pages through a server-side cursor, so that neither the database
 * driver nor Roster ever holds the whole result. Must run inside a transaction on one
 * connection (cursors live until the end of their transaction); the caller opens and ends it.
 *
 * Only SELECT/VALUES queries can be read this way (PostgreSQL refuses DECLARE for others).
 *
 * @example
 * for await (const page of readCursorPages(run, compiled, 1000)) handle(page.rows);
 */
export async function* readCursorPages<R>(
  run: RunStatement,
  query: CompiledQuery,
  chunkSize: number,
): AsyncGenerator<QueryResult<R>> {
  const name = `roster_cursor_${++cursorCount}`;
  await run(`declare ${name} no scroll cursor for ${query.sql}`, query.parameters);
  let open = true;
  try {
    for (;;) {
      const rows = (await run(`fetch forward ${chunkSize} from ${name}`, [])) as R[];
      if (rows.length > 0) yield { rows };
      if (rows.length < chunkSize) break;
    }
    open = false;
    await run(`close ${name}`, []);
  } finally {
    if (open) {
      // The consumer stopped early or a fetch failed; in a failed transaction CLOSE fails as
      // well, and the transaction's end removes the cursor anyway.
      await run(`close ${name}`, []).catch(() => undefined);
    }
  }
}
