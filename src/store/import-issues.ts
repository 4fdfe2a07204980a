/**
 * Reading an import's stored row issues back: the first ones for a summary, or all of them in
 * row order, page by page, for the error report.
 */
import type { Kysely } from 'kysely';
import type { RowIssue } from '../core/model/issue.ts';
import type { Database } from './schema.ts';

export interface StoredIssue extends RowIssue {
  id: number;
}

/**
 * The import's issues in row order (file-level issues first), `limit` at most, after the given
 * position (keyset paging: pass the last issue of the previous page).
 *
 * @example
 * const first = await listImportIssues(db, tenantId, importId, { limit: 100 });
 */
export async function listImportIssues(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  options: { limit: number; after?: StoredIssue },
): Promise<StoredIssue[]> {
  let q = db
    .selectFrom('import_issues')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId);
  const after = options.after;
  if (after) {
    // Rows sort as (coalesce(row_number, 0), id): file-level issues (row null) come first.
    const row = after.row ?? 0;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn.coalesce('row_number', eb.lit(0)), '>', row),
        eb.and([eb(eb.fn.coalesce('row_number', eb.lit(0)), '=', row), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy((eb) => eb.fn.coalesce('row_number', eb.lit(0)))
    .orderBy('id')
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    row: r.row_number,
    column: r.column_name,
    ...(r.column_index !== null ? { columnIndex: r.column_index } : {}),
    field: r.field,
    value: r.value,
    code: r.code,
    severity: r.severity,
    message: r.message,
  }));
}

/**
 * Every issue of an import in row order, a page at a time (memory bounded by the page size).
 *
 * @example
 * for await (const issue of eachImportIssue(db, tenantId, importId)) write(issue);
 */
export async function* eachImportIssue(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  pageSize = 5000,
): AsyncGenerator<StoredIssue> {
  let after: StoredIssue | undefined;
  for (;;) {
    const page = await listImportIssues(db, tenantId, importId, {
      limit: pageSize,
      ...(after ? { after } : {}),
    });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}
