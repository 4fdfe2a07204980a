/**
 * The import job: runs a stored import on a worker, under a lease, and tells the tenant how it
 * ended (a notification for the user who started it, an audit event).
 *
 * Concurrency rule: the lease on the import row decides who runs it. A job for an import whose
 * lease another worker holds live completes without doing anything; one whose lease expired (its
 * worker died) takes it over and resumes from the checkpoint. pg-boss only delivers jobs.
 */
import type PgBoss from 'pg-boss';
import { RosterError, isRosterError } from '../core/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { countersOf, type ImportCounters } from '../store/import-journal.ts';
import { getImport, transitionImport } from '../store/imports.ts';
import { createNotification } from '../store/notifications.ts';
import type { ImportRow, JsonObject } from '../store/schema.ts';
import { tenantLimits } from '../store/tenant-settings.ts';
import { holdLease, isPermanent, QUEUES, type JobContext, type Queue } from './queue.ts';
import { runImport } from './run-import.ts';

export interface ImportJobData {
  tenantId: string;
  importId: string;
}

/** What one delivery of an import job did. */
export type ImportJobOutcome =
  | 'completed'
  | 'failed'
  /** Stopped after a batch (worker stopping); enqueued again to resume. */
  | 'interrupted'
  /** Another worker holds the lease, or the import is no longer waiting to run. */
  | 'skipped';

/**
 * Queues a stored import (status `queued`, or `running` to resume it). Returns the job id, or
 * null when a job for this import is already waiting.
 *
 * @example
 * const { job } = await createImportJob(db, tenantId, source, key, request, actor);
 * await enqueueImport(queue, tenantId, job.id);
 */
export async function enqueueImport(
  queue: Queue,
  tenantId: string,
  importId: string,
): Promise<string | null> {
  const data: ImportJobData = { tenantId, importId };
  return queue.send(QUEUES.import, data, { singletonKey: importId });
}

/**
 * Handles one delivery of an import job. Throws (so pg-boss retries with backoff) only for
 * failures another attempt may fix, and not on the last attempt.
 *
 * @example
 * await queue.work(QUEUES.import, { includeMetadata: true }, ([job]) => handleImportJob(ctx, job));
 */
export async function handleImportJob(
  ctx: JobContext,
  job: PgBoss.JobWithMetadata<ImportJobData>,
): Promise<ImportJobOutcome> {
  const { tenantId, importId } = job.data;
  const before = await getImport(ctx.db, tenantId, importId).catch((err: unknown) => {
    if (isRosterError(err, 'NOT_FOUND')) return null;
    throw err;
  });
  // A retry resumes an import its previous attempt left failed; a fresh job does not.
  const runnable =
    before !== null &&
    (before.status === 'queued' ||
      before.status === 'running' ||
      (before.status === 'failed' && job.retryCount > 0 && !permanentFailure(before)));
  if (!runnable) return 'skipped';
  const lease = await holdLease(ctx, 'imports', tenantId, importId);
  if (!lease) return 'skipped';
  const log = { tenantId, importId, jobId: job.id };
  try {
    const source = await ctx.files.source(before.storage_key, before.file_name).catch((err) => {
      throw fileError(err, before);
    });
    const { maxRowsPerImport } = await tenantLimits(ctx.db, tenantId);
    const summary = await runImport(
      { db: ctx.db, tenantId, source, signal: lease.signal, maxRows: maxRowsPerImport },
      importId,
    );
    if (summary.status === 'running') {
      if (!lease.lost()) {
        // Stopped between batches: the checkpoint is stored; the next worker resumes it.
        await lease.release();
        await enqueueImport(ctx.queue, tenantId, importId);
      }
      ctx.logger.info(log, 'import stopped after a batch; it resumes from its checkpoint');
      return 'interrupted';
    }
    await reportImport(ctx, await getImport(ctx.db, tenantId, importId));
    ctx.logger.info({ ...log, counters: summary.counters }, 'import completed');
    return 'completed';
  } catch (err) {
    const lastAttempt = job.retryCount >= job.retryLimit;
    if (!isPermanent(err) && !lastAttempt) {
      ctx.logger.warn({ ...log, err }, 'import attempt failed; it will be retried');
      throw err;
    }
    // runImport records its own failures; a file that cannot even be opened is recorded here.
    if (err instanceof RosterError && err.details['stage'] === 'open') {
      await transitionImport(ctx.db, tenantId, importId, ['queued', 'running'], 'failed', {
        error: { code: err.code, message: err.message },
      });
    }
    await reportImport(ctx, await getImport(ctx.db, tenantId, importId));
    ctx.logger.error({ ...log, err }, 'import failed');
    return 'failed';
  } finally {
    await lease.release();
  }
}

function fileError(err: unknown, job: ImportRow): RosterError {
  const cause = err instanceof Error ? err.message : String(err);
  return new RosterError(
    isRosterError(err, 'NOT_FOUND')
      ? 'FILE_UNREADABLE'
      : isRosterError(err)
        ? err.code
        : 'INTERNAL',
    `The file of import ${job.id} (${job.file_name}) cannot be read: ${cause}`,
    { importId: job.id, stage: 'open' },
    { cause: err },
  );
}

function permanentFailure(job: ImportRow): boolean {
  const code = (job.error as JsonObject | null)?.['code'];
  return code !== 'INTERNAL' && code !== 'DB_CONNECT_FAILED';
}

/** The notification and audit event of a finished import, written together. */
async function reportImport(ctx: JobContext, job: ImportRow): Promise<void> {
  const counters = countersOf(job);
  const ok = job.status === 'completed';
  const error = job.error as JsonObject | null;
  await ctx.db.transaction().execute(async (trx) => {
    await createNotification(trx, job.tenant_id, {
      userId: job.created_by,
      kind: ok ? 'import.completed' : 'import.failed',
      level: ok ? (counters.rejected > 0 ? 'warning' : 'success') : 'error',
      title: ok ? `Import of ${job.file_name} finished` : `Import of ${job.file_name} failed`,
      body: ok ? countsText(counters) : String(error?.['message'] ?? 'Unknown error'),
      target: { type: 'import', id: job.id },
    });
    await recordAudit(trx, job.tenant_id, {
      actor: { type: 'system', id: ctx.workerId },
      action: ok ? 'import.completed' : 'import.failed',
      target: { type: 'import', id: job.id },
      details: ok ? { ...counters } : { error },
    });
  });
}

/**
 * One line for people: "1,200 rows: 1,000 created, 150 updated, 50 rejected".
 *
 * @example
 * countsText(counters); // '3 rows: 2 created, 1 rejected'
 */
export function countsText(c: ImportCounters): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const parts = [
    [c.created, 'created'],
    [c.updated, 'updated'],
    [c.unchanged, 'unchanged'],
    [c.skipped, 'skipped'],
    [c.duplicatesInFile, 'duplicates in the file'],
    [c.rejected, 'rejected'],
  ] as const;
  const said = parts.filter(([v]) => v > 0).map(([v, label]) => `${n(v)} ${label}`);
  return `${n(c.rowsProcessed)} rows${said.length > 0 ? `: ${said.join(', ')}` : ''}`;
}
