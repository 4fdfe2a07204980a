/**
 * The export job: an export is recorded `queued` when it is asked for (the request checked
 * then, so a wrong filter is the caller's error), and a worker writes its file into object
 * storage under a lease, then tells the tenant how it ended (notification, audit event).
 *
 * An export has no checkpoint: a worker that takes over a stranded export writes it again from
 * the start, under the same key.
 */
import type { Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import { isRosterError } from '../core/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getExport, queueExport, type ExportRow } from '../store/exports.ts';
import { createNotification } from '../store/notifications.ts';
import type { Database, JsonObject } from '../store/schema.ts';
import { holdLease, isPermanent, QUEUES, type JobContext, type Queue } from './queue.ts';
import { exportRecordOf, prepareExport, writeExport, type ExportRequest } from './run-export.ts';

export interface ExportJobData {
  tenantId: string;
  exportId: string;
  request: ExportRequest;
}

export type ExportJobOutcome = 'completed' | 'failed' | 'skipped';

/** The Content-Type of each format's file: stored with it, and served with its download link. */
export const CONTENT_TYPES: Record<ExportRequest['format'], string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
};

/**
 * Checks an export request and records the export `queued`, with the request (so a stranded
 * export can be queued again). Throws FILTER_INVALID or NOT_FOUND (segment) for a wrong request.
 *
 * @example
 * const job = await createQueuedExport(db, tenantId, { format: 'csv', where: 'lead_score > 50' });
 * await enqueueExport(queue, tenantId, job.id, request);
 */
export async function createQueuedExport(
  db: Kysely<Database>,
  tenantId: string,
  request: ExportRequest,
): Promise<ExportRow> {
  const record = exportRecordOf(await prepareExport(db, tenantId, request));
  return queueExport(db, tenantId, {
    ...record,
    options: { ...record.options, request: requestJson(request) },
  });
}

/**
 * Queues a recorded export. Returns the job id, or null when one is already waiting.
 *
 * @example
 * await enqueueExport(queue, tenantId, job.id, request);
 */
export async function enqueueExport(
  queue: Queue,
  tenantId: string,
  exportId: string,
  request: ExportRequest,
): Promise<string | null> {
  const data: ExportJobData = { tenantId, exportId, request };
  return queue.send(QUEUES.export, data, { singletonKey: exportId });
}

/** The request stored with a queued export, for queueing it again. */
export function storedRequest(row: Pick<ExportRow, 'options'>): ExportRequest | null {
  const request = row.options['request'];
  return request && typeof request === 'object' && !Array.isArray(request)
    ? (request as unknown as ExportRequest)
    : null;
}

/** The object key of an export's file. */
export function exportKey(tenantId: string, exportId: string, format: string): string {
  return `tenants/${tenantId}/exports/${exportId}.${format}`;
}

/**
 * Handles one delivery of an export job: writes the file, records the result, notifies.
 *
 * @example
 * await queue.work(QUEUES.export, { includeMetadata: true }, ([job]) => handleExportJob(ctx, job));
 */
export async function handleExportJob(
  ctx: JobContext,
  job: PgBoss.JobWithMetadata<ExportJobData>,
): Promise<ExportJobOutcome> {
  const { tenantId, exportId, request } = job.data;
  const row = await getExport(ctx.db, tenantId, exportId);
  const runnable =
    row !== undefined &&
    (row.status === 'queued' ||
      row.status === 'running' ||
      (row.status === 'failed' && job.retryCount > 0));
  if (!runnable) return 'skipped';
  const lease = await holdLease(ctx, 'exports', tenantId, exportId);
  if (!lease) return 'skipped';
  const log = { tenantId, exportId, jobId: job.id };
  try {
    await ctx.db
      .updateTable('exports')
      .set({ status: 'running', started_at: new Date(), error: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', exportId)
      .execute();
    const prepared = await prepareExport(ctx.db, tenantId, request);
    const key = exportKey(tenantId, exportId, request.format);
    const out = ctx.files.openWriter(key, { contentType: CONTENT_TYPES[request.format] });
    try {
      await writeExport(
        ctx.db,
        tenantId,
        exportId,
        prepared,
        out.sink,
        {
          fileName: `contacts-${new Date().toISOString().slice(0, 10)}.${request.format}`,
          storageKey: key,
          stored: () => out.done(),
          ...(ctx.exportTtlDays !== undefined ? { ttlDays: ctx.exportTtlDays } : {}),
        },
        undefined,
        { raw: ctx.raw },
      );
    } catch (err) {
      await out.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    await reportExport(ctx, await getExport(ctx.db, tenantId, exportId));
    ctx.logger.info(log, 'export completed');
    return 'completed';
  } catch (err) {
    if (!isPermanent(err) && job.retryCount < job.retryLimit) {
      ctx.logger.warn({ ...log, err }, 'export attempt failed; it will be retried');
      throw err;
    }
    const failed = await getExport(ctx.db, tenantId, exportId);
    if (failed?.status !== 'failed') {
      // Failed before writeExport recorded it (the request no longer resolves, say).
      await ctx.db
        .updateTable('exports')
        .set({
          status: 'failed',
          finished_at: new Date(),
          error: JSON.stringify({
            code: isRosterError(err) ? err.code : 'INTERNAL',
            message: err instanceof Error ? err.message : String(err),
          }),
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', exportId)
        .execute();
    }
    await reportExport(ctx, await getExport(ctx.db, tenantId, exportId));
    ctx.logger.error({ ...log, err }, 'export failed');
    return 'failed';
  } finally {
    await lease.release();
  }
}

async function reportExport(ctx: JobContext, row: ExportRow | undefined): Promise<void> {
  if (!row) return;
  const ok = row.status === 'completed';
  const error = row.error as JsonObject | null;
  await ctx.db.transaction().execute(async (trx) => {
    await createNotification(trx, row.tenant_id, {
      userId: row.created_by,
      kind: ok ? 'export.completed' : 'export.failed',
      level: ok ? 'success' : 'error',
      title: ok
        ? `Export of ${(row.row_count ?? 0).toLocaleString('en-US')} contacts is ready`
        : 'Export failed',
      body: ok
        ? `${row.file_name ?? 'The file'} (${row.format.toUpperCase()}) can be downloaded until ${row.expires_at?.toISOString().slice(0, 10) ?? 'it expires'}`
        : String(error?.['message'] ?? 'Unknown error'),
      target: { type: 'export', id: row.id },
    });
    await recordAudit(trx, row.tenant_id, {
      actor: { type: 'system', id: ctx.workerId },
      action: ok ? 'export.completed' : 'export.failed',
      target: { type: 'export', id: row.id },
      details: ok ? { rows: row.row_count, bytes: row.file_size, format: row.format } : { error },
    });
  });
}

function requestJson(request: ExportRequest): JsonObject {
  return JSON.parse(JSON.stringify(request)) as JsonObject;
}
