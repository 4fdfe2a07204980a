/**
 * Export jobs: what was exported (format, filter, segment, fields), how many rows, to which
 * file, and until when the file is kept. Every look-up is by tenant.
 */
import type { Kysely, Selectable } from 'kysely';
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
  return db
    .insertInto('exports')
    .values({
      tenant_id: tenantId,
      format: job.format,
      filter: job.filter,
      segment_id: job.segmentId,
      fields: job.fields,
      options: JSON.stringify(job.options),
      status: 'running',
      started_at: new Date(),
      created_by: job.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
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
 * The tenant's exports, newest first.
 *
 * @example
 * const recent = await listExports(db, tenantId, 20);
 */
export async function listExports(
  db: Kysely<Database>,
  tenantId: string,
  limit = 50,
): Promise<ExportRow[]> {
  return db
    .selectFrom('exports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
