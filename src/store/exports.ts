/**
 * Export jobs: what was exported (format, filter, segment, fields), how many rows, to which
 * file, and until when the file is kept. Every look-up is by tenant.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, ExportFormat, ExportsTable, JsonObject } from './schema.ts';

export type ExportRow = Selectable<ExportsTable>;

/** Export files are kept this long unless the export says otherwise (DESIGN.md: 7 days). */
export const DEFAULT_EXPORT_TTL_DAYS = 7;

export interface NewExport {
  format: ExportFormat;
  filter: string | null;
  segmentId: string | null;
  fields: string[];
  options: JsonObject;
  createdBy: string | null;
}

/**
 * Records an export as running.
 *
 * @example
 * const job = await createExport(db, tenantId, { format: 'csv', filter: 'lead_score > 50', ... });
 */
export async function createExport(
  db: Kysely<Database>,
  tenantId: string,
  job: NewExport,
): Promise<ExportRow> {
  return insertExport(db, tenantId, job, { status: 'running', started_at: new Date() });
}

/**
 * Marks an export completed with its result.
 *
 * @example
 * await finishExport(db, tenantId, job.id, { rows: 1000, fileName: 'contacts.csv', bytes: 52_000, storageKey: 'file:/tmp/contacts.csv' });
 */
export async function finishExport(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  result: { rows: number; fileName: string; bytes: number; storageKey: string; ttlDays?: number },
): Promise<ExportRow> {
  const now = new Date();
  const expires = new Date(
    now.getTime() + (result.ttlDays ?? DEFAULT_EXPORT_TTL_DAYS) * 24 * 3600 * 1000,
  );
  return db
    .updateTable('exports')
    .set({
      status: 'completed',
      row_count: result.rows,
      file_name: result.fileName,
      file_size: result.bytes,
      storage_key: result.storageKey,
      finished_at: now,
      expires_at: expires,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Marks an export failed.
 *
 * @example
 * await failExport(db, tenantId, job.id, { code: 'FILTER_INVALID', message: '...' });
 */
export async function failExport(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  error: JsonObject,
): Promise<void> {
  await db
    .updateTable('exports')
    .set({ status: 'failed', error: JSON.stringify(error), finished_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * The tenant's exports, newest first: the first page of `listExportsPage`.
 *
 * @example
 * const recent = await listExports(db, tenantId, 20);
 */
export async function listExports(
  db: Kysely<Database>,
  tenantId: string,
  limit = 50,
): Promise<ExportRow[]> {
  return listExportsPage(db, tenantId, { limit });
}

/**
 * Records an export `queued` for a job to write later. `options.request` keeps the request, so
 * a worker (or a stranded export queued again) can prepare it anew.
 *
 * @example
 * const job = await queueExport(db, tenantId, { ...exportRecordOf(prepared), options: { bom: false, request } });
 */
export async function queueExport(
  db: Kysely<Database>,
  tenantId: string,
  job: NewExport,
): Promise<ExportRow> {
  return insertExport(db, tenantId, job, { status: 'queued' });
}

/**
 * One export of the tenant, if there is one with this id (the id must be a UUID).
 *
 * @example
 * const job = await getExport(db, tenantId, id);
 */
export async function getExport(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<ExportRow | undefined> {
  return db
    .selectFrom('exports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * A page of the tenant's exports, newest first; `after` is the id of the last export of the
 * previous page (keyset: the page starts below that export's (created_at, id)). An `after` that
 * is not the tenant's export gives an empty page.
 *
 * @example
 * const page = await listExportsPage(db, tenantId, { limit: 50, after: previous.at(-1)?.id });
 */
export async function listExportsPage(
  db: Kysely<Database>,
  tenantId: string,
  page: { limit: number; after?: string | undefined },
): Promise<ExportRow[]> {
  let q = db.selectFrom('exports as e').selectAll('e').where('e.tenant_id', '=', tenantId);
  const after = page.after;
  if (after !== undefined) {
    q = q.where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('e.created_at', 'e.id'),
        '<',
        selectFrom('exports as p')
          .select(['p.created_at', 'p.id'])
          .where('p.tenant_id', '=', tenantId)
          .where('p.id', '=', after)
          .$asTuple('created_at', 'id'),
      ),
    );
  }
  return q.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(page.limit).execute();
}

function insertExport(
  db: Kysely<Database>,
  tenantId: string,
  job: NewExport,
  state: Pick<Insertable<ExportsTable>, 'status' | 'started_at'>,
): Promise<ExportRow> {
  return db
    .insertInto('exports')
    .values({
      tenant_id: tenantId,
      format: job.format,
      filter: job.filter,
      segment_id: job.segmentId,
      fields: job.fields,
      options: JSON.stringify(job.options),
      ...state,
      created_by: job.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
