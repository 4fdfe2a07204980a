/**
 * Housekeeping, run by the `cleanup` schedule (and callable): expired export files, old
 * uploads, old idempotency keys, expired sessions. And the reaper: imports and exports a worker
 * took and left (it died, or stopped between batches) are queued again, so another worker
 * resumes them from their checkpoint.
 *
 * Both work across tenants: they are the operator's maintenance, not a tenant's request.
 */
import { sql, type Kysely } from 'kysely';
import { listStrandedJobs, listWaitingJobs } from '../store/job-leases.ts';
import type { Database } from '../store/schema.ts';
import { enqueueExport, storedRequest } from './export-job.ts';
import { enqueueImport } from './import-job.ts';
import type { JobFiles, JobLogger, Queue } from './queue.ts';

export interface CleanupOptions {
  /** Uploads are kept this long (unless a waiting or running import reads them). Default 7. */
  uploadRetentionDays?: number;
  /** Idempotency keys are kept this long. Default 24. */
  idempotencyHours?: number;
  /** Most rows of each kind handled per run (the next run takes the rest). Default 500. */
  limit?: number;
}

export interface CleanupResult {
  exportsExpired: number;
  uploadsDeleted: number;
  idempotencyKeysDeleted: number;
  sessionsDeleted: number;
}

/**
 * One cleanup pass.
 *
 * @example
 * const { exportsExpired } = await runCleanup(db, files, { uploadRetentionDays: 7 });
 */
export async function runCleanup(
  db: Kysely<Database>,
  files: Pick<JobFiles, 'delete'>,
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const limit = options.limit ?? 500;
  const expired = await db
    .selectFrom('exports')
    .select(['tenant_id', 'id', 'storage_key'])
    .where('status', '=', 'completed')
    .where('expires_at', '<', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  for (const e of expired) {
    // The file first: a crash in between leaves a completed export without a file, which the
    // next pass finds again, rather than an expired export whose file nobody deletes.
    if (e.storage_key !== null && isObjectKey(e.storage_key)) await files.delete(e.storage_key);
    await db
      .updateTable('exports')
      .set({ status: 'expired' })
      .where('tenant_id', '=', e.tenant_id)
      .where('id', '=', e.id)
      .where('status', '=', 'completed')
      .execute();
  }

  const retentionDays = options.uploadRetentionDays ?? 7;
  const oldUploads = await db
    .selectFrom('uploads as u')
    .select(['u.tenant_id', 'u.id', 'u.storage_key'])
    .where('u.created_at', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('imports as i')
            .select('i.id')
            .whereRef('i.tenant_id', '=', 'u.tenant_id')
            .whereRef('i.upload_id', '=', 'u.id')
            .where('i.status', 'in', ['queued', 'running', 'rolling_back']),
        ),
      ),
    )
    .orderBy('u.created_at')
    .limit(limit)
    .execute();
  for (const u of oldUploads) {
    if (isObjectKey(u.storage_key)) await files.delete(u.storage_key);
    await db
      .deleteFrom('uploads')
      .where('tenant_id', '=', u.tenant_id)
      .where('id', '=', u.id)
      .execute();
  }

  const keys = await db
    .deleteFrom('idempotency_keys')
    .where(
      'created_at',
      '<',
      sql<Date>`now() - make_interval(hours => ${options.idempotencyHours ?? 24})`,
    )
    .executeTakeFirst();
  const sessions = await db
    .deleteFrom('sessions')
    .where('expires_at', '<', sql<Date>`now()`)
    .executeTakeFirst();
  return {
    exportsExpired: expired.length,
    uploadsDeleted: oldUploads.length,
    idempotencyKeysDeleted: Number(keys.numDeletedRows),
    sessionsDeleted: Number(sessions.numDeletedRows),
  };
}

export interface ReapOptions {
  /** A `queued` job this old that never started counts as never enqueued. Default 60 s. */
  queuedGraceSeconds?: number;
  limit?: number;
  logger?: JobLogger;
}

/**
 * Queues again the imports and exports a worker took and left: `running` with an expired (or
 * released) lease, and `queued` ones that never started. Safe to run from every worker at once:
 * the queue keeps one waiting job per import or export, and the lease decides who runs it.
 * Returns how many were queued again.
 *
 * @example
 * setInterval(() => void reapStrandedJobs(db, queue), 30_000);
 */
export async function reapStrandedJobs(
  db: Kysely<Database>,
  queue: Queue,
  options: ReapOptions = {},
): Promise<number> {
  const limit = options.limit ?? 100;
  const grace = options.queuedGraceSeconds ?? 60;
  let queued = 0;
  const strandedImports = await listStrandedJobs(db, 'imports', limit);
  for (const job of strandedImports) await failAbandonedJobs(db, queue, 'import', job.id);
  const imports = [...strandedImports, ...(await listWaitingJobs(db, 'imports', grace, limit))];
  for (const job of imports) {
    if ((await enqueueImport(queue, job.tenantId, job.id)) !== null) {
      queued++;
      options.logger?.info({ tenantId: job.tenantId, importId: job.id }, 'import queued again');
    }
  }
  const strandedExports = await listStrandedJobs(db, 'exports', limit);
  for (const job of strandedExports) await failAbandonedJobs(db, queue, 'export', job.id);
  const exports = [...strandedExports, ...(await listWaitingJobs(db, 'exports', grace, limit))];
  for (const job of exports) {
    const row = await db
      .selectFrom('exports')
      .select('options')
      .where('tenant_id', '=', job.tenantId)
      .where('id', '=', job.id)
      .executeTakeFirst();
    const request = row ? storedRequest(row) : null;
    if (request && (await enqueueExport(queue, job.tenantId, job.id, request)) !== null) {
      queued++;
      options.logger?.info({ tenantId: job.tenantId, exportId: job.id }, 'export queued again');
    }
  }
  return queued;
}

/**
 * A worker that died keeps its pg-boss job `active` until the queue's expiry (hours for an
 * import), and the queue lets one job per import be active: the job queued again could never
 * start. The lease says that worker is gone, so its job is failed now (pg-boss retries it or
 * lets the new one run).
 */
async function failAbandonedJobs(
  db: Kysely<Database>,
  queue: Queue,
  name: 'import' | 'export',
  singletonKey: string,
): Promise<void> {
  const active = await sql<{ id: string }>`
    select id from pgboss.job
    where name = ${name} and singleton_key = ${singletonKey} and state = 'active'`.execute(db);
  for (const { id } of active.rows) {
    await queue.fail(name, id, { reason: 'the worker running it stopped renewing its lease' });
  }
}

/** Object keys are relative paths; `file:` and `stdout:` name where the CLI wrote, not ours. */
function isObjectKey(key: string): boolean {
  return !/^[a-z]+:/.test(key);
}
