/**
 * The reference the import benchmark compares Roster with: the PenguinMails spec's
 * `processRows` (docs: /work/shared/spec/penguinmails-contact-import-export.md), written with
 * plain `pg` against Roster's schema, statement for statement:
 *
 * - the file is parsed into objects first (the spec's parseCSV), then, per row:
 * - mapFields (header → column), validateContact (email required and matching the spec's regex;
 *   the spec's phone check is off, as its `validatePhone` option allows: it would reject every
 *   international number of the file);
 * - findByEmail (one SELECT, on the lower(email) index);
 * - existing → INSERT the 'updated' event (previous data = the stored row) and UPDATE the
 *   contact; none → INSERT the contact (RETURNING id) and INSERT the 'created' event;
 * - tags: findByEmail again for a created contact, then addTags (one UPDATE);
 * - UPDATE the job's progress.
 *
 * Each statement commits on its own, as in the spec (no transaction). Two adaptations to the
 * schema, not to the flow: the file's `a|b` tags become a text[], the `custom_*` columns go to the
 * `custom` jsonb.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import pg from 'pg';
import { IMPORT_HEADER } from './import-data.ts';

interface Outcome {
  created: number;
  updated: number;
  skipped: number;
  errors: number;
}

type Mapped = Record<string, unknown>;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IMPORT_TAGS = ['bench-import'];

async function parseCsv(path: string, limit: number): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  const parser = createReadStream(path).pipe(parse({ columns: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    out.push(row);
    if (out.length >= limit) break;
  }
  parser.destroy();
  return out;
}

function mapFields(row: Record<string, string>): Mapped {
  const mapped: Mapped = {};
  const custom: Record<string, string> = {};
  for (const [header, value] of Object.entries(row)) {
    if (header.startsWith('custom_')) custom[header.slice('custom_'.length)] = value;
    else if (header === 'tags') mapped['tags'] = value.split('|').filter((t) => t !== '');
    else mapped[header] = value === '' ? null : value;
  }
  mapped['custom'] = custom;
  return mapped;
}

/** The columns written as they are (the last two are the custom fields). */
const FIELDS = IMPORT_HEADER.slice(0, 10);

/**
 * Imports the first `limit` rows of `path` row by row; returns the outcome counts.
 *
 * @example
 * await rowByRowImport('postgres://localhost/db', tenantId, 'contacts.csv', 20_000);
 */
export async function rowByRowImport(
  url: string,
  tenantId: string,
  path: string,
  limit: number,
): Promise<Outcome & { rows: number }> {
  const rows = await parseCsv(path, limit);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const outcome: Outcome = { created: 0, updated: 0, skipped: 0, errors: 0 };
  try {
    const job = await db.query<{ id: string }>(
      `insert into imports (tenant_id, file_name, file_size, file_sha256, file_format, storage_key, status)
       values ($1, $2, 0, '', 'csv', $2, 'running') returning id`,
      [tenantId, path],
    );
    const jobId = job.rows[0]!.id;
    const findByEmail = async (email: unknown): Promise<Record<string, unknown> | undefined> =>
      (
        await db.query<Record<string, unknown>>(
          'select * from contacts where tenant_id = $1 and lower(email) = lower($2) limit 1',
          [tenantId, email],
        )
      ).rows[0];
    let seq = 0;
    for (let i = 0; i < rows.length; i++) {
      try {
        const mapped = mapFields(rows[i]!);
        const email = mapped['email'];
        if (typeof email !== 'string' || !EMAIL_RE.test(email)) {
          outcome.errors++;
          outcome.skipped++;
          continue;
        }
        const existing = await findByEmail(email);
        if (existing) {
          await db.query(
            `insert into import_events (tenant_id, import_id, seq, row_number, contact_id, kind, before, after, contact_version)
             values ($1, $2, $3, $4, $5, 'updated', $6, $7, $8)`,
            [
              tenantId,
              jobId,
              seq++,
              i + 1,
              existing['id'],
              JSON.stringify(existing),
              JSON.stringify(mapped),
              Number(existing['version']) + 1,
            ],
          );
          await db.query(
            `update contacts set ${FIELDS.map((f, n) => `${f} = $${n + 3}`).join(', ')},
               custom = custom || $${FIELDS.length + 3}, version = version + 1, updated_at = now()
             where tenant_id = $1 and id = $2`,
            [
              tenantId,
              existing['id'],
              ...FIELDS.map((f) => mapped[f] ?? null),
              JSON.stringify(mapped['custom']),
            ],
          );
          outcome.updated++;
        } else {
          const created = await db.query<{ id: string }>(
            `insert into contacts (tenant_id, ${FIELDS.join(', ')}, custom)
             values ($1, ${FIELDS.map((_, n) => `$${n + 2}`).join(', ')}, $${FIELDS.length + 2})
             returning id`,
            [tenantId, ...FIELDS.map((f) => mapped[f] ?? null), JSON.stringify(mapped['custom'])],
          );
          await db.query(
            `insert into import_events (tenant_id, import_id, seq, row_number, contact_id, kind, after, contact_version)
             values ($1, $2, $3, $4, $5, 'created', $6, 1)`,
            [tenantId, jobId, seq++, i + 1, created.rows[0]!.id, JSON.stringify(mapped)],
          );
          outcome.created++;
        }
        const contact = existing ?? (await findByEmail(email));
        await db.query(
          `update contacts set tags = array(select distinct unnest(tags || $3::text[]))
           where tenant_id = $1 and id = $2`,
          [tenantId, contact?.['id'], IMPORT_TAGS],
        );
        await db.query('update imports set rows_processed = $3 where tenant_id = $1 and id = $2', [
          tenantId,
          jobId,
          i + 1,
        ]);
      } catch {
        outcome.errors++;
        outcome.skipped++;
      }
    }
  } finally {
    await db.end();
  }
  return { rows: rows.length, ...outcome };
}
