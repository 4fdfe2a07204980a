/**
 * pg-boss on Roster's own database, on both backends, through pg-boss's `db` adapter: one pool
 * on PostgreSQL, and on PGlite the one connection Kysely already uses.
 *
 * Concurrency rule (PGlite): pg-boss's SQL takes the connection through Kysely's driver, so it
 * waits its turn like any other Kysely user and never lands inside someone else's transaction.
 * The flip side is the PGlite rule of pglite-dialect.ts: never call the queue (send, complete,
 * ...) while holding a Kysely transaction, or it waits for itself.
 *
 * Also here: what job handlers get from their worker (JobContext) and the lease they hold on an
 * import or export row while they work (holdLease).
 */
import type { PGlite } from '@electric-sql/pglite';
import { sql, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import { isRosterError } from '../core/errors.ts';
import type { ObjectStore } from '../files/object-store.ts';
import type { OpenDatabase, RawClient } from '../store/connection.ts';
import { claimLease, releaseLease, renewLease, type LeasedTable } from '../store/job-leases.ts';
import type { Database } from '../store/schema.ts';
import { runOutsideTenantScope } from '../store/tenant-scope.ts';

/** The queues Roster uses. */
export const QUEUES = {
  import: 'import',
  export: 'export',
  cleanup: 'cleanup',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** A started pg-boss on Roster's database. */
export type Queue = PgBoss;

export interface QueueOptions {
  /** How often idle workers look for jobs (pg-boss's minimum is 0.5 s). Default 2 s. */
  pollingIntervalSeconds?: number;
  /** Run pg-boss's cron (cleanup schedule). Default true. */
  schedule?: boolean;
  /** Run pg-boss's maintenance (expiry of stuck jobs, archiving). Default true. */
  supervise?: boolean;
  /** Cron of the cleanup job (default every 15 minutes). */
  cleanupCron?: string;
  /** Called with errors pg-boss reports in the background (its workers, its maintenance). */
  onError?: (err: Error) => void;
}

/** How long one attempt of a job may run before pg-boss gives up on it (an import can be long). */
const EXPIRE_SECONDS: Record<QueueName, number> = {
  import: 6 * 3600,
  export: 2 * 3600,
  cleanup: 15 * 60,
};

/**
 * Starts pg-boss on the database (installing or migrating its `pgboss` schema) and creates
 * Roster's queues and the cleanup schedule.
 *
 * Imports and exports use the `stately` policy: per import (singletonKey = its id) at most one
 * job waits and one runs, so re-enqueueing an import that is already waiting is a no-op.
 *
 * @example
 * const queue = await startQueue(open, { pollingIntervalSeconds: 1 });
 * await queue.send(QUEUES.cleanup, {});
 * await queue.stop();
 */
export async function startQueue(open: OpenDatabase, opts: QueueOptions = {}): Promise<Queue> {
  // pg-boss installs its schema and Roster creates its queues with check-then-create steps; two
  // processes starting at once on a fresh PostgreSQL database collide (duplicate schema,
  // deadlocks). One advisory lock, held on its own connection, makes them take turns. PGlite has
  // one connection and one process: holding it would lock pg-boss out, and nothing can collide.
  if (open.backend === 'pglite') return startQueueNow(open, opts);
  return open.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${QUEUE_START_LOCK})`.execute(conn);
    try {
      return await startQueueNow(open, opts);
    } finally {
      await sql`select pg_advisory_unlock(${QUEUE_START_LOCK})`.execute(conn);
    }
  });
}

/** Key of the advisory lock around starting the queue (any constant unique to this purpose). */
const QUEUE_START_LOCK = 7_265_921_004;

async function startQueueNow(open: OpenDatabase, opts: QueueOptions): Promise<Queue> {
  const boss = new PgBoss({
    db: adapterFor(open),
    schedule: opts.schedule ?? true,
    supervise: opts.supervise ?? true,
    ...(opts.pollingIntervalSeconds !== undefined
      ? { pollingIntervalSeconds: opts.pollingIntervalSeconds }
      : {}),
  });
  boss.on('error', (err) => {
    if (opts.onError) opts.onError(err);
    else process.stderr.write(`roster: job queue: ${err.message}\n`);
  });
  try {
    await boss.start();
    await createQueues(boss, opts);
  } catch (err) {
    // A half-started pg-boss keeps timers running and the process alive.
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
    throw err;
  }
  return boss;
}

async function createQueues(boss: PgBoss, opts: QueueOptions): Promise<void> {
  for (const name of [QUEUES.import, QUEUES.export]) {
    await ensureQueue(boss, {
      name,
      policy: 'stately',
      retryLimit: 3,
      retryDelay: 10,
      retryBackoff: true,
      expireInSeconds: EXPIRE_SECONDS[name],
    });
  }
  await ensureQueue(boss, {
    name: QUEUES.cleanup,
    policy: 'singleton',
    retryLimit: 1,
    retryDelay: 60,
    expireInSeconds: EXPIRE_SECONDS.cleanup,
  });
  if (opts.schedule ?? true) {
    await boss.schedule(QUEUES.cleanup, opts.cleanupCron ?? '*/15 * * * *', {});
  }
}

async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  // createQueue fails when the queue exists; updateQueue keeps its settings current.
  if (await boss.getQueue(queue.name)) await boss.updateQueue(queue.name, queue);
  else await boss.createQueue(queue.name, queue);
}

/**
 * pg-boss's `db` adapter over Roster's connection.
 *
 * @example
 * new PgBoss({ db: adapterFor(open) });
 */
export function adapterFor(open: OpenDatabase): PgBoss.Db {
  const db = adapterOver(open);
  // pg-boss's tables belong to no tenant: a request that queues a job does that part as Roster's
  // own database user, outside the request's row-level security scope (tenant-scope.ts).
  return { executeSql: (text, values) => runOutsideTenantScope(() => db.executeSql(text, values)) };
}

function adapterOver(open: OpenDatabase): PgBoss.Db {
  const raw = open.raw;
  if (raw.kind === 'postgres') {
    return {
      executeSql: async (text, values) => {
        // Without parameters pg uses the simple protocol, which runs pg-boss's multi-statement
        // scripts (BEGIN; ...; COMMIT;) as one.
        const result = await raw.pool.query(text, values?.length ? values : undefined);
        return { rows: Array.isArray(result) ? [] : result.rows };
      },
    };
  }
  const pglite = raw.pglite;
  return {
    executeSql: (text, values) =>
      // Holding Kysely's connection is the turn-taking; the SQL itself goes straight to PGlite.
      open.db.connection().execute(() => runOnPGlite(pglite, text, values)),
  };
}

async function runOnPGlite(
  pglite: PGlite,
  text: string,
  values: readonly unknown[] | undefined,
): Promise<{ rows: unknown[] }> {
  try {
    if (!values || values.length === 0) {
      // The extended protocol runs one statement; pg-boss's scripts have several.
      const results = await pglite.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    }
    // node-postgres sends undefined as NULL; PGlite's serialisers do not take it.
    const params = values.map((v) => (v === undefined ? null : v));
    return { rows: (await pglite.query(text, params)).rows };
  } catch (err) {
    // A script that failed after its BEGIN leaves the one connection in an aborted transaction,
    // which would fail every later query of everyone.
    if (pglite.isInTransaction()) await pglite.exec('rollback').catch(() => undefined);
    throw err;
  }
}

// What job handlers get from their worker, and the lease they hold while they work.

/** The part of the object store jobs use. */
export type JobFiles = Pick<ObjectStore, 'source' | 'openWriter' | 'delete'>;

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobContext {
  db: Kysely<Database>;
  /** The driver under `db`: exports read PostgreSQL with COPY through it. */
  raw?: RawClient;
  queue: Queue;
  files: JobFiles;
  /** This worker's name in lease_owner (unique per process). */
  workerId: string;
  /** A lease lasts this long unless renewed; renewed every `heartbeatMs`. */
  leaseSeconds: number;
  heartbeatMs: number;
  /** Aborted when the worker stops: handlers finish their batch and give their job back. */
  signal: AbortSignal;
  logger: JobLogger;
  /** Days export files are kept (EXPORT_TTL_DAYS); default 7. */
  exportTtlDays?: number;
}

/** A lease held on an import or export row, renewed on a timer until released. */
export interface HeldLease {
  /** Aborted when the worker stops or the lease was lost to another worker. */
  signal: AbortSignal;
  /** True when the lease was lost (expired and taken): the job is someone else's now. */
  lost(): boolean;
  release(): Promise<void>;
}

/**
 * Claims the lease of an import or export row and keeps renewing it. Returns null when another
 * worker holds it live.
 *
 * @example
 * const lease = await holdLease(ctx, 'imports', tenantId, importId);
 * if (!lease) return; // someone else runs it
 * try { await work(lease.signal); } finally { await lease.release(); }
 */
export async function holdLease(
  ctx: JobContext,
  table: LeasedTable,
  tenantId: string,
  id: string,
): Promise<HeldLease | null> {
  if (!(await claimLease(ctx.db, table, tenantId, id, ctx.workerId, ctx.leaseSeconds))) {
    return null;
  }
  const controller = new AbortController();
  const onStop = (): void => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onStop();
  else ctx.signal.addEventListener('abort', onStop, { once: true });
  let lost = false;
  let released = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewLease(ctx.db, table, tenantId, id, ctx.workerId, ctx.leaseSeconds).then(
      (ours) => {
        if (ours) return;
        lost = true;
        ctx.logger.warn({ table, tenantId, id }, 'lease lost to another worker; stopping');
        controller.abort(new Error('lease lost'));
      },
      (err: unknown) => ctx.logger.warn({ table, id, err }, 'could not renew the lease'),
    );
  }, ctx.heartbeatMs);
  timer.unref();
  return {
    signal: controller.signal,
    lost: () => lost,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      ctx.signal.removeEventListener('abort', onStop);
      await renewing;
      if (!lost) await releaseLease(ctx.db, table, tenantId, id, ctx.workerId);
    },
  };
}

/**
 * True for errors that another attempt will not fix (a broken or missing file, a wrong filter):
 * Roster's own codes. Anything else (a lost connection, a crash) is worth a retry.
 *
 * @example
 * if (!isPermanent(err) && attempt < limit) throw err; // let pg-boss retry
 */
export function isPermanent(err: unknown): boolean {
  return isRosterError(err) && err.code !== 'DB_CONNECT_FAILED' && err.code !== 'INTERNAL';
}
