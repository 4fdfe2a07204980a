/**
 * Contacts for an export, read a page at a time, in one of two ways:
 *
 * - **keyset** (the default, and the only way on PGlite): pages in id order, each one short query
 *   that starts after the last id of the previous page. No cursor or transaction stays open while
 *   a slow sink drains, which matters on PGlite: it has one connection, and a transaction held for
 *   a whole export would block every other query of the process (pg-boss, HTTP requests).
 * - **snapshot** (PostgreSQL): one server-side cursor in a REPEATABLE READ, READ ONLY transaction
 *   on a pooled connection of its own. The table is read once in its physical order (ids are
 *   random UUIDs, so id order costs a random heap read per row once the table outgrows the
 *   cache), and the whole export sees one snapshot: a contact changed or added meanwhile is
 *   neither repeated nor missed. The next page is fetched while the caller writes the current one.
 *
 * Both read timestamps as ISO text made by the database (the exact text `toISOString` gives), so
 * the driver never builds a Date per value only for the export to turn it back into text.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { ExportContact } from '../core/export/types.ts';
import type { ConsentStatus, FieldValue } from '../core/model/contact.ts';
import { STANDARD_FIELDS } from '../core/model/fields.ts';
import type { Backend } from './connection.ts';
import { columnSqlType, customValuesOf } from './contact-columns.ts';
import type { Database } from './schema.ts';

type ContactRow = Record<string, unknown>;

/** Every stored standard field (not the virtual full name nor the opt-in flags, which are consent). */
const STORED_FIELDS = STANDARD_FIELDS.filter(
  (f) => f.virtual !== true && f.key !== 'email_opt_in' && f.key !== 'sms_opt_in',
).map((f) => ({ key: f.key, type: columnSqlType(f) }));

/**
 * A row's standard fields as one object literal with every key written out (`{"email":
 * row["email"] ?? null, ...}`), built once from STORED_FIELDS' own keys (never from input). A
 * loop over the keys costs ~3x as much per row: every load and store in it is keyed by a
 * different name, so V8 cannot cache where the property is, and it grows the object key by key.
 */
const fieldsOf = new Function(
  'row',
  `return {${STORED_FIELDS.map((f) => `${JSON.stringify(f.key)}: row[${JSON.stringify(f.key)}] ?? null`).join(', ')}};`,
) as (row: ContactRow) => Record<string, FieldValue>;

export interface ExportSelection {
  /** A compiled filter: SQL over alias `c` with placeholders starting at `$4`. */
  where?: { sql: string; params: readonly unknown[] };
  /** Only members of this segment. */
  segmentId?: string;
  /** Only these contact ids. */
  ids?: readonly string[];
}

/** Placeholders $1..$3 are the tenant, the last id and the page size; a filter starts at $4. */
export const EXPORT_FILTER_PARAM_OFFSET = 3;

export interface ExportPagesOptions {
  /**
   * The backend `db` runs on. `postgres` reads one snapshot through a cursor (order unspecified);
   * anything else, or nothing, reads keyset pages in id order.
   */
  backend?: Backend;
}

/**
 * The selected contacts of a tenant, a page at a time. Keyset pages come in id order; with
 * `{ backend: 'postgres' }` the pages come from one snapshot in no specified order (compare
 * them as a set). Every page but the last holds `pageSize` contacts.
 *
 * @example
 * for await (const page of exportPages(db, tenantId, {}, 2000, { backend: open.backend })) {
 *   await writer.writePage(page);
 * }
 */
export async function* exportPages(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
  pageSize = 2000,
  options: ExportPagesOptions = {},
): AsyncGenerator<ExportContact[]> {
  if (options.backend === 'postgres') yield* snapshotPages(db, tenantId, selection, pageSize);
  else yield* keysetPages(db, tenantId, selection, pageSize);
}

/**
 * The backend a Kysely instance runs on, for callers that were handed only `db`: PGlite names
 * itself in `version()`.
 *
 * @example
 * const backend = await databaseBackend(db); // 'pglite' | 'postgres'
 */
export async function databaseBackend(db: Kysely<Database>): Promise<Backend> {
  const result = await db.executeQuery<{ version: string }>(
    CompiledQuery.raw('select version() as version'),
  );
  return result.rows[0]?.version.includes('PGlite') ? 'pglite' : 'postgres';
}

/**
 * How many contacts the selection holds now (for a progress bar; rows added meanwhile may make
 * the export a little longer).
 *
 * @example
 * const total = await countSelection(db, tenantId, { segmentId });
 */
export async function countSelection(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
): Promise<number> {
  const params: unknown[] = [tenantId, FIRST_ID, Number.MAX_SAFE_INTEGER];
  const conditions = selectionConditions(selection, params);
  const result = await db.executeQuery<{ n: string | number }>(
    CompiledQuery.raw(
      `select count(*) as n from (select 1 from contacts c where ${conditions.join(' and ')} limit $3) x`,
      [...params],
    ),
  );
  return Number(result.rows[0]?.n ?? 0);
}

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** `toISOString`'s text (`2025-10-01T10:00:00.000Z`) for a timestamptz, made by the database. */
const isoText = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The select list both ways share; dates already read as `YYYY-MM-DD` (value-parsers.ts). */
const SELECT_LIST = [
  'c.id',
  'c.custom',
  'c.email_consent_status',
  `${isoText('c.email_consent_at')} as email_consent_at`,
  'c.email_consent_source',
  'c.sms_consent_status',
  `${isoText('c.sms_consent_at')} as sms_consent_at`,
  'c.sms_consent_source',
  ...STORED_FIELDS.map((f) =>
    f.type === 'timestamptz' ? `${isoText(`c.${f.key}`)} as ${f.key}` : `c.${f.key}`,
  ),
].join(', ');

/** Segment names of a page's contacts: one query per page instead of a subquery per row. */
const SEGMENT_NAMES_SQL = `
  select sm.contact_id as id, array_agg(s.name order by s.name) as names
  from segment_members sm
  join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id
  where sm.tenant_id = $1 and sm.contact_id = any($2::uuid[])
  group by sm.contact_id`;

async function* keysetPages(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
  pageSize: number,
): AsyncGenerator<ExportContact[]> {
  const params: unknown[] = [tenantId, FIRST_ID, pageSize];
  const conditions = selectionConditions(selection, params);
  const text = `select ${SELECT_LIST} from contacts c where ${conditions.join(' and ')}
    order by c.id limit $3`;
  for (;;) {
    const { rows } = await db.executeQuery<ContactRow>(CompiledQuery.raw(text, [...params]));
    if (rows.length > 0) yield await toExportContacts(db, tenantId, rows);
    if (rows.length < pageSize) return;
    params[1] = rows[rows.length - 1]!['id'];
  }
}

/** The cursor's name; unique within its transaction, which holds no other cursor. */
const CURSOR = 'roster_export_contacts';

async function* snapshotPages(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
  pageSize: number,
): AsyncGenerator<ExportContact[]> {
  // $2 and $3 stay in the text (a filter's placeholders start at $4): every id is above the
  // nil uuid, and LIMIT NULL is no limit.
  const params: unknown[] = [tenantId, FIRST_ID, null];
  const conditions = selectionConditions(selection, params);
  const trx = await db
    .startTransaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute();
  let committed = false;
  let next: Promise<ContactRow[]> | undefined;
  try {
    // The export reads every row of the cursor: plan for all of them, not for a fast first page.
    await trx.executeQuery(CompiledQuery.raw('set local cursor_tuple_fraction = 1'));
    await trx.executeQuery(
      CompiledQuery.raw(
        `declare ${CURSOR} no scroll cursor for
          select ${SELECT_LIST} from contacts c where ${conditions.join(' and ')} limit $3`,
        params,
      ),
    );
    const fetchPage = async (): Promise<ContactRow[]> =>
      (
        await trx.executeQuery<ContactRow>(
          CompiledQuery.raw(`fetch forward ${pageSize} from ${CURSOR}`),
        )
      ).rows;
    next = fetchPage();
    for (;;) {
      const rows = await next;
      next = undefined;
      const segments = segmentNames(trx, tenantId, rows);
      if (rows.length === pageSize) {
        // Queued behind this page's segment names on the same connection: the server reads the
        // next page while the caller writes this one. Handled now, awaited (and thrown) later.
        next = fetchPage();
        void next.catch(() => undefined);
      }
      if (rows.length > 0) yield toContacts(rows, await segments);
      if (next === undefined) break;
    }
    await trx.executeQuery(CompiledQuery.raw(`close ${CURSOR}`));
    await trx.commit().execute();
    committed = true;
  } finally {
    if (!committed) {
      // Stopped early or failed: let a fetch still under way end before the rollback.
      await next?.catch(() => undefined);
      // Kysely releases the connection even when the rollback fails; the first error is the one
      // worth reporting.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
    }
  }
}

async function toExportContacts(
  db: Kysely<Database>,
  tenantId: string,
  rows: ContactRow[],
): Promise<ExportContact[]> {
  return toContacts(rows, await segmentNames(db, tenantId, rows));
}

async function segmentNames(
  db: Kysely<Database>,
  tenantId: string,
  rows: readonly ContactRow[],
): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  if (rows.length === 0) return names;
  const ids = rows.map((r) => r['id']);
  const result = await db.executeQuery<{ id: string; names: string[] }>(
    CompiledQuery.raw(SEGMENT_NAMES_SQL, [tenantId, ids]),
  );
  for (const r of result.rows) names.set(r.id, r.names);
  return names;
}

/** The where-conditions of a selection; appends their parameters after $1..$3. */
function selectionConditions(selection: ExportSelection, params: unknown[]): string[] {
  const conditions = ['c.tenant_id = $1', 'c.id > $2'];
  if (selection.where) {
    params.push(...selection.where.params);
    conditions.push(`(${selection.where.sql})`);
  }
  if (selection.segmentId !== undefined) {
    params.push(selection.segmentId);
    conditions.push(`exists (select 1 from segment_members sm where sm.tenant_id = c.tenant_id
      and sm.segment_id = $${params.length}::uuid and sm.contact_id = c.id)`);
  }
  if (selection.ids !== undefined) {
    params.push([...selection.ids]);
    conditions.push(`c.id = any($${params.length}::uuid[])`);
  }
  return conditions;
}

function toContacts(rows: readonly ContactRow[], segments: Map<string, string[]>): ExportContact[] {
  const out = new Array<ExportContact>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const id = row['id'] as string;
    out[i] = {
      id,
      // Values come typed as their FieldValues already: text, int4 and int8 as numbers, booleans,
      // text[] as string arrays, dates and timestamps as text (SELECT_LIST, value-parsers.ts).
      fields: fieldsOf(row),
      custom: customValuesOf(row['custom']),
      consent: {
        email: {
          status: row['email_consent_status'] as ConsentStatus,
          at: (row['email_consent_at'] ?? null) as string | null,
          source: (row['email_consent_source'] ?? null) as string | null,
        },
        sms: {
          status: row['sms_consent_status'] as ConsentStatus,
          at: (row['sms_consent_at'] ?? null) as string | null,
          source: (row['sms_consent_source'] ?? null) as string | null,
        },
      },
      segments: segments.get(id) ?? [],
    };
  }
  return out;
}
