/**
 * The floor of the export benchmark: one SELECT of the columns a default export writes, for
 * PostgreSQL to render as CSV itself (`COPY (...) TO STDOUT WITH CSV`). It reads the same rows
 * and columns as runExport with the default fields: standard, custom, consent, audit and the
 * segment names; lists joined with `|`, consent as true/false/blank. Values are in PostgreSQL's
 * text forms (timestamps as `2025-10-14 14:30:00+00`), and there is no formula guard, no
 * keyset paging, no JavaScript: the fastest this database can hand over the same data.
 */
import type { Kysely } from 'kysely';
import { selectColumns, type ExportColumn } from '../src/core/export/index.ts';
import { listCustomFields } from '../src/store/custom-fields.ts';
import type { Database } from '../src/store/schema.ts';

const IDENT = /^[a-z][a-z0-9_]*$/;

function ident(key: string): string {
  if (!IDENT.test(key)) throw new Error(`not a plain column name: ${key}`);
  return key;
}

function expression(column: ExportColumn): string {
  switch (column.kind) {
    case 'field':
      return column.type === 'list'
        ? `nullif(array_to_string(c.${ident(column.key)}, '|'), '')`
        : `c.${ident(column.key)}`;
    case 'custom':
      return `c.custom ->> '${ident(column.key)}'`;
    case 'consent': {
      const status = `c.${column.key === 'sms_opt_in' ? 'sms' : 'email'}_consent_status`;
      return `case ${status} when 'opted_in' then 'true' when 'opted_out' then 'false' end`;
    }
    case 'segments':
      return `nullif(array_to_string(array(select s.name from segment_members sm
        join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id
        where sm.tenant_id = c.tenant_id and sm.contact_id = c.id order by s.name), '|'), '')`;
  }
}

/**
 * The floor's SELECT for a tenant (placeholder `$1` = the tenant id) with the default export's
 * columns, named by their CSV headers.
 *
 * @example
 * const { sql, params } = await floorQuery(db, tenantId);
 * // sql: select c.email as "email", ... from contacts c where c.tenant_id = $1
 */
export async function floorQuery(
  db: Kysely<Database>,
  tenantId: string,
): Promise<{ sql: string; params: [string]; columns: number }> {
  const columns = selectColumns(undefined, await listCustomFields(db, tenantId));
  const list = columns.map((c) => `${expression(c)} as "${c.header}"`).join(',\n  ');
  return {
    sql: `select ${list}\nfrom contacts c where c.tenant_id = $1`,
    params: [tenantId],
    columns: columns.length,
  };
}
