/**
 * pg-boss on Roster's own database, on both backends, through pg-boss's `db` adapter: one pool
 * on PostgreSQL, and on PGlite the one connection Kysely already uses.
 *
 * Concurrency rule (PGlite): pg-boss's SQL takes the connection through Kysely's driver, so it
 * waits its turn like any other Kysely user and never lands inside someone else's transaction.
 * The flip side is the PGlite rule of pglite-dialect.ts: never call the queue (send, complete,
 * ...) while holding a Kysely transaction, or it waits for itself.
 */
import type { PGlite } from '@electric-sql/pglite';
import PgBoss from 'pg-boss';
import type { OpenDatabase } from '../store/connection.ts';

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
  await boss.start();
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
  return boss;
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
