/**
 * Starts Roster's job workers in this process: pg-boss on the database, handlers for the
 * import, export and cleanup queues, and the reaper timer that queues stranded jobs again.
 *
 * Graceful stop: stop fetching; abort running handlers (an import finishes the batch in
 * flight, keeps its checkpoint, gives its lease back and is queued again for the next worker);
 * wait for them; stop pg-boss.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { OpenDatabase } from '../store/connection.ts';
import { reapStrandedJobs, runCleanup, type CleanupOptions } from './cleanup-job.ts';
import { handleExportJob, type ExportJobData } from './export-job.ts';
import { handleImportJob, type ImportJobData } from './import-job.ts';
import {
  QUEUES,
  startQueue,
  type JobContext,
  type JobFiles,
  type JobLogger,
  type Queue,
  type QueueOptions,
} from './queue.ts';

export { enqueueExport, createQueuedExport } from './export-job.ts';
export { enqueueImport } from './import-job.ts';
export type { JobFiles } from './queue.ts';

export interface StartWorkersOptions {
  open: OpenDatabase;
  files: JobFiles;
  /** This worker's name in leases; default `<host>:<pid>:<random>`. */
  workerId?: string;
  /** Imports (and exports) run at once in this process. Default 2. */
  concurrency?: number;
  logger?: JobLogger;
  /** Lease length and renewal interval. Defaults 60 s and 10 s. */
  leaseSeconds?: number;
  heartbeatMs?: number;
  /** How often the reaper looks for stranded jobs (ms). Default 30 s; 0: never. */
  reapIntervalMs?: number;
  /** A `queued` job this old that never started is queued again. Default 60 s. */
  queuedGraceSeconds?: number;
  cleanup?: CleanupOptions;
  /** Days export files are kept (EXPORT_TTL_DAYS); default 7. */
  exportTtlDays?: number;
  queue?: Omit<QueueOptions, 'onError'>;
  /** Longest wait for running handlers on stop before pg-boss gives up on them. Default 30 s. */
  stopTimeoutMs?: number;
}

export interface Workers {
  queue: Queue;
  workerId: string;
  /** Runs the reaper once now (also on its timer). */
  reap(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * @example
 * const workers = await startWorkers({ open, files: store, concurrency: 2 });
 * await enqueueImport(workers.queue, tenantId, importId);
 * process.on('SIGTERM', () => void workers.stop());
 */
export async function startWorkers(opts: StartWorkersOptions): Promise<Workers> {
  const logger = opts.logger ?? stderrLogger;
  const workerId =
    opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const queue = await startQueue(opts.open, {
    ...opts.queue,
    onError: (err) => logger.error({ err, workerId }, 'job queue error'),
  });
  const stopping = new AbortController();
  const ctx: JobContext = {
    db: opts.open.db,
    raw: opts.open.raw,
    queue,
    files: opts.files,
    workerId,
    leaseSeconds: opts.leaseSeconds ?? 60,
    heartbeatMs: opts.heartbeatMs ?? 10_000,
    signal: stopping.signal,
    logger,
    ...(opts.exportTtlDays !== undefined ? { exportTtlDays: opts.exportTtlDays } : {}),
  };
  const running = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  };
  const polling =
    opts.queue?.pollingIntervalSeconds !== undefined
      ? { pollingIntervalSeconds: opts.queue.pollingIntervalSeconds }
      : {};
  // One job per fetch, `concurrency` workers per queue: a long import does not hold back others.
  for (let i = 0; i < Math.max(1, opts.concurrency ?? 2); i++) {
    await queue.work<ImportJobData>(
      QUEUES.import,
      { ...polling, batchSize: 1, includeMetadata: true },
      (jobs) => track(outcomes(jobs.map((job) => handleImportJob(ctx, job)))),
    );
    await queue.work<ExportJobData>(
      QUEUES.export,
      { ...polling, batchSize: 1, includeMetadata: true },
      (jobs) => track(outcomes(jobs.map((job) => handleExportJob(ctx, job)))),
    );
  }
  await queue.work(QUEUES.cleanup, { ...polling, batchSize: 1 }, () =>
    track(
      (async () => {
        const result = await runCleanup(ctx.db, ctx.files, opts.cleanup);
        logger.info({ ...result, workerId }, 'cleanup done');
        await reap();
        return result;
      })(),
    ),
  );
  const reap = (): Promise<number> =>
    reapStrandedJobs(ctx.db, queue, {
      logger,
      ...(opts.queuedGraceSeconds !== undefined
        ? { queuedGraceSeconds: opts.queuedGraceSeconds }
        : {}),
    });
  const reapMs = opts.reapIntervalMs ?? 30_000;
  let reaping: Promise<unknown> = Promise.resolve();
  const reapTimer =
    reapMs > 0
      ? setInterval(() => {
          reaping = reap().catch((err: unknown) =>
            logger.error({ err, workerId }, 'reaper failed'),
          );
        }, reapMs)
      : undefined;
  reapTimer?.unref();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (reapTimer) clearInterval(reapTimer);
      for (const name of Object.values(QUEUES)) await queue.offWork(name);
      stopping.abort(new Error('worker stopping'));
      await reaping;
      await Promise.allSettled([...running]);
      await queue.stop({ graceful: true, wait: true, timeout: opts.stopTimeoutMs ?? 30_000 });
    })());
  return { queue, workerId, reap, stop };
}

/** What pg-boss stores as the job's output. */
async function outcomes(runs: Promise<string>[]): Promise<{ outcomes: string[] }> {
  return { outcomes: await Promise.all(runs) };
}

const stderrLogger: JobLogger = {
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`roster worker: ${msg} ${safeJson(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`roster worker: ${msg} ${safeJson(obj)}\n`),
};

function safeJson(obj: object): string {
  try {
    return JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v));
  } catch {
    return '';
  }
}
