/**
 * COPY of 12-column contact rows (bench/import-data.ts) into `contacts`, on PostgreSQL
 * (pg-copy-streams) and PGlite (`COPY ... FROM '/dev/blob'`). Used twice by the import
 * benchmark: to seed the existing contacts, and as the floor an import is compared with.
 *
 * What it copies: each row's values as parsed, without any cleaning (phones stay as written):
 * email, first_name, last_name, company, phone, city, country, lead_score and created_at into
 * their columns, tags split on `|` into the text[] column, the two custom columns into the
 * `custom` jsonb ({"industry", "plan"}), tenant_id given. Other columns take their defaults.
 */
import { once } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RawClient } from '../src/store/connection.ts';

const COLUMNS =
  'tenant_id, email, first_name, last_name, company, phone, tags, city, country, lead_score, created_at, custom';

const COPY_SQL = (source: string): string => `copy contacts (${COLUMNS}) from ${source}`;

/** COPY text format escaping of one value (null as \N). */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** One COPY text line (with its newline) for a 12-column row. */
export function copyLine(tenantId: string, v: readonly string[]): string {
  const text = (i: number): string | null => (v[i] === undefined || v[i] === '' ? null : v[i]!);
  const tags = (v[5] ?? '').split('|').filter((t) => t !== '');
  const score = /^-?\d{1,9}$/.test(v[8] ?? '') ? v[8]! : null;
  const custom: Record<string, string> = {};
  if (text(10) !== null) custom['industry'] = v[10]!;
  if (text(11) !== null) custom['plan'] = v[11]!;
  return (
    [
      tenantId,
      text(0),
      text(1),
      text(2),
      text(3),
      text(4),
      arrayLiteral(tags),
      text(6),
      text(7),
      score,
      text(9),
      JSON.stringify(custom),
    ]
      .map(copyText)
      .join('\t') + '\n'
  );
}

/** Lines per COPY statement on PGlite, whose COPY takes one in-memory Blob: keeps memory flat. */
const PGLITE_CHUNK_ROWS = 100_000;
/** Bytes written to the PostgreSQL COPY stream at a time. */
const PG_CHUNK_BYTES = 1 << 20;

/**
 * COPYs every row into `contacts` of the tenant. Returns the number of rows copied.
 *
 * @example
 * await copyContacts(raw, tenantId, existingRows(1000));
 */
export async function copyContacts(
  raw: RawClient,
  tenantId: string,
  rows: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
): Promise<number> {
  return raw.kind === 'postgres'
    ? copyToPostgres(raw.pool, tenantId, rows)
    : copyToPGlite(raw.pglite, tenantId, rows);
}

async function copyToPostgres(
  pool: pg.Pool,
  tenantId: string,
  rows: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
): Promise<number> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(COPY_SQL('stdin')));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let n = 0;
    let buf = '';
    for await (const row of rows) {
      buf += copyLine(tenantId, row);
      n++;
      if (buf.length >= PG_CHUNK_BYTES) {
        if (!stream.write(buf)) await once(stream, 'drain');
        buf = '';
      }
    }
    stream.end(buf);
    await done;
    return n;
  } finally {
    client.release();
  }
}

async function copyToPGlite(
  pglite: PGlite,
  tenantId: string,
  rows: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
): Promise<number> {
  let n = 0;
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    await pglite.query(COPY_SQL(`'/dev/blob'`), [], { blob: new Blob(lines) });
    lines = [];
  };
  for await (const row of rows) {
    lines.push(copyLine(tenantId, row));
    n++;
    if (lines.length >= PGLITE_CHUNK_ROWS) await flush();
  }
  await flush();
  return n;
}
