/**
 * Contacts for an export, read a page at a time, in one of two ways:
 *
 * - **keyset** (PGlite, or when the driver is not at hand): pages in id order, each one short
 *   query that starts after the last id of the previous page. No cursor or transaction stays open
 *   while a slow sink drains, which matters on PGlite: it has one connection, and a transaction
 *   held for a whole export would block every other query of the process (pg-boss, HTTP requests).
 * - **copy** (PostgreSQL, given its pool): one `COPY (SELECT ...) TO STDOUT` on a pooled
 *   connection of its own, read as it streams (copy-text.ts). The table is read once in its
 *   physical order (ids are random UUIDs, so id order costs a random heap read per row once the
 *   table outgrows the cache), and one statement is one snapshot: a contact changed or added
 *   meanwhile is neither repeated nor missed, and its segment names are those of the same moment.
 *   COPY's text costs the client a fraction of what row messages do (measured in bench/README.md).
 *   The server writes ahead while the caller writes a page, as far as the stream's buffer allows.
 *
 * Both read timestamps as ISO text made by the database (the exact text `toISOString` gives), so
 * the driver never builds a Date per value only for the export to turn it back into text.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { ExportContact } from '../core/export/types.ts';
import type { ConsentStatus, FieldValue } from '../core/model/contact.ts';
import { STANDARD_FIELDS } from '../core/model/fields.ts';
import type { RawClient } from './connection.ts';
import { columnSqlType, customValuesOf, type ColumnSqlType } from './contact-columns.ts';
import { CopyTextReader, parseTextArray, type CopyTextRow } from './copy-text.ts';
import { inlineParams } from './inline-params.ts';
import type { Database } from './schema.ts';
import { currentTenantScope } from './tenant-scope.ts';

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

/** A keyset page is a query: fewer, larger pages cost less. */
const KEYSET_PAGE_SIZE = 2000;
/**
 * A COPY page costs no query, and a page is alive from its first row read to its last row
 * written: small, it dies in V8's young generation, while 2,000 contacts outlived one scavenge
 * after another (CSV of 200k contacts: 1.8 s of scavenges with pages of 2,000, 1.3 s with 500).
 */
const COPY_PAGE_SIZE = 500;

export interface ExportPagesOptions {
  /**
   * The driver under `db` (`OpenDatabase.raw`). A PostgreSQL pool reads one snapshot with COPY
   * (order unspecified); PGlite, or nothing, reads keyset pages in id order.
   */
  raw?: RawClient;
}

/**
 * The selected contacts of a tenant, a page at a time. Keyset pages come in id order; given a
 * PostgreSQL pool (`{ raw: open.raw }`) the pages come from one snapshot in no specified order
 * (compare them as a set). Every page but the last holds `pageSize` contacts (by default what
 * suits the way: 2,000 a keyset query, 500 from COPY).
 *
 * @example
 * for await (const page of exportPages(db, tenantId, {}, 2000, { raw: open.raw })) {
 *   await writer.writePage(page);
 * }
 */
export async function* exportPages(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
  pageSize?: number,
  options: ExportPagesOptions = {},
): AsyncGenerator<ExportContact[]> {
  // A connection taken straight from the pool would miss the row-level security a tenant scope
  // (an HTTP request) puts on Kysely's connections: within one, keyset pages.
  if (options.raw?.kind === 'postgres' && currentTenantScope() === undefined) {
    yield* copyPages(options.raw.pool, tenantId, selection, pageSize ?? COPY_PAGE_SIZE);
  } else {
    yield* keysetPages(db, tenantId, selection, pageSize ?? KEYSET_PAGE_SIZE);
  }
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

/** The COPY's first columns, in order; then the segment names, then the standard fields. */
const COPY_HEAD = [
  'c.id',
  'c.custom',
  'c.email_consent_status',
  isoText('c.email_consent_at'),
  'c.email_consent_source',
  'c.sms_consent_status',
  isoText('c.sms_consent_at'),
  'c.sms_consent_source',
];

/**
 * A contact's segment names, both ways within the one statement, so of its snapshot:
 * - `joined`: all the tenant's memberships grouped once and hash-joined (1M contacts: the
 *   statement took 6.2 s instead of 9.5 s with a subquery per row);
 * - `perRow`: an index look-up per contact, for a list of ids, where grouping every membership
 *   of the tenant would be the larger part.
 */
const SEGMENT_NAMES = {
  joined: {
    column: `coalesce(sg.names, '{}')`,
    join: `left join (select sm.contact_id, array_agg(s.name order by s.name) as names
      from segment_members sm
      join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id
      where sm.tenant_id = $1 group by sm.contact_id) sg on sg.contact_id = c.id`,
  },
  perRow: {
    column: `array(select s.name from segment_members sm
      join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id
      where sm.tenant_id = c.tenant_id and sm.contact_id = c.id order by s.name)`,
    join: '',
  },
};

const copySelectList = (segments: string): string =>
  [
    ...COPY_HEAD,
    segments,
    ...STORED_FIELDS.map((f) => (f.type === 'timestamptz' ? isoText(`c.${f.key}`) : `c.${f.key}`)),
  ].join(', ');

const COPY_COLUMN_COUNT = COPY_HEAD.length + 1 + STORED_FIELDS.length;

/**
 * A COPY row as an ExportContact, with the values typed as node-postgres types them in keyset
 * rows: integers as numbers, booleans, text[] and jsonb parsed; text, dates and ISO timestamps
 * as text. Every key written out, built once from STORED_FIELDS' own keys (the reason is
 * fieldsOf's); `h` are the helpers it calls.
 *
 * Constructors rather than object literals: V8 tracks literals by allocation site and, when one
 * GC finds most of a site's recent objects alive (a page of contacts waiting to be written),
 * allocates all its later objects straight into the old generation, where they die and wait for
 * a full GC. That happened in some runs and not others (NDJSON of 200k contacts: 203 MB promoted
 * and 265 MB peak RSS in one run, 23-30 MB and 165-190 MB with constructors, every format).
 */
const copyContact = new Function(
  `function Fields(r, h) {
    ${STORED_FIELDS.map((f, i) => `this[${JSON.stringify(f.key)}] = ${copyValue(f.type, `r[${COPY_HEAD.length + 1 + i}]`)};`).join('\n    ')}
  }
  function Channel(status, at, source) {
    this.status = status;
    this.at = at;
    this.source = source;
  }
  function Consent(r) {
    this.email = new Channel(r[2], r[3], r[4]);
    this.sms = new Channel(r[5], r[6], r[7]);
  }
  function Contact(r, h) {
    this.id = r[0];
    this.fields = new Fields(r, h);
    this.custom = h.customValuesOf(r[1] === null ? null : JSON.parse(r[1]));
    this.consent = new Consent(r);
    this.segments = r[8] === null ? [] : h.parseTextArray(r[8]);
  }
  return (r, h) => new Contact(r, h);`,
)() as (row: CopyTextRow, helpers: CopyHelpers) => ExportContact;

interface CopyHelpers {
  parseTextArray: typeof parseTextArray;
  customValuesOf: typeof customValuesOf;
}
const COPY_HELPERS: CopyHelpers = { parseTextArray, customValuesOf };

function copyValue(type: ColumnSqlType, v: string): string {
  switch (type) {
    case 'integer':
      return `${v} === null ? null : Number(${v})`;
    case 'boolean':
      return `${v} === null ? null : ${v} === 't'`;
    case 'text[]':
      return `${v} === null ? null : h.parseTextArray(${v})`;
    default:
      return v;
  }
}

/**
 * Bytes of COPY text the stream may hold ahead of the caller: about one parse slice. The stream
 * hands over all it holds as one Buffer, which lives until its last row is written; a larger
 * one outlives young-generation GCs and waits for a full GC as garbage. With 2 MB (then 512 KB)
 * such Buffers piled up to 50-75 MB between full GCs (`process.memoryUsage().arrayBuffers`,
 * 200k contacts); with 64 KB they stay under 5 MB, and NDJSON's peak RSS went 247 -> 179 MB,
 * its client CPU 4.0 -> 3.0 s. The server still writes ahead into the socket's buffers.
 */
const COPY_BUFFER_BYTES = 64 << 10;
/** COPY text parsed at a time: ~300 rows of the default export. */
const PARSE_BYTES = 64 << 10;

async function* copyPages(
  pool: pg.Pool,
  tenantId: string,
  selection: ExportSelection,
  pageSize: number,
): AsyncGenerator<ExportContact[]> {
  // $2 and $3 stay in the text (a filter's placeholders start at $4): every id is above the
  // nil uuid, and LIMIT NULL is no limit.
  const params: unknown[] = [tenantId, FIRST_ID, null];
  const conditions = selectionConditions(selection, params);
  const segments = selection.ids === undefined ? SEGMENT_NAMES.joined : SEGMENT_NAMES.perRow;
  const select = `select ${copySelectList(segments.column)} from contacts c ${segments.join}
    where ${conditions.join(' and ')} limit $3`;
  // COPY goes through the simple query protocol, which has no parameters.
  const sql = `copy (${inlineParams(select, params)}) to stdout`;
  const client = await pool.connect();
  let complete = false;
  try {
    const source = client.query(copyTo(sql, { highWaterMark: COPY_BUFFER_BYTES }));
    const reader = new CopyTextReader(COPY_COLUMN_COUNT);
    let page: ExportContact[] = [];
    for await (const chunk of source as AsyncIterable<Buffer>) {
      // The stream hands over all it holds at once (up to COPY_BUFFER_BYTES): parsed a slice at
      // a time, only about a page of rows exists as strings and objects at any moment.
      for (let at = 0; at < chunk.length; at += PARSE_BYTES) {
        for (const row of reader.push(chunk.subarray(at, at + PARSE_BYTES))) {
          page.push(copyContact(row, COPY_HELPERS));
          if (page.length === pageSize) {
            yield page;
            page = [];
          }
        }
      }
    }
    reader.end();
    if (page.length > 0) yield page;
    complete = true;
  } finally {
    // Stopped early or failed, the connection is in the middle of a COPY: dropping it (rather
    // than giving it back) ends the COPY on the server.
    client.release(!complete);
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
