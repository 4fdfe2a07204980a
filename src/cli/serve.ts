/**
 * `roster serve`: the HTTP API (and, unless ROSTER_WORKERS=0, background workers) on the
 * configured database; `roster worker`: workers only, for running jobs on other machines
 * against the same PostgreSQL. Both stop gracefully on SIGINT/SIGTERM: the server stops taking
 * requests and finishes those in flight, workers finish the batch they are writing and keep the
 * import's checkpoint, so another worker (or the next start) resumes it.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { buildApp, type JobStarter } from '../api/app.ts';
import { createObjectStore } from '../files/create-object-store.ts';
import type { ObjectStore } from '../files/object-store.ts';
import { RosterError } from '../core/errors.ts';
import { enqueueExport, storedRequest } from '../jobs/export-job.ts';
import { enqueueImport } from '../jobs/import-job.ts';
import { startQueue, type Queue } from '../jobs/queue.ts';
import { startWorkers } from '../jobs/start-workers.ts';
import { openDatabase, type OpenDatabase } from '../store/connection.ts';
import { getExport } from '../store/exports.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { ensureFirstAdmin } from '../store/users.ts';
import { loadServiceConfig, type ServiceConfig } from '../service-config.ts';

interface Running {
  stop(): Promise<void>;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the web app and HTTP API (with background workers unless ROSTER_WORKERS=0)')
    .action(async () => {
      const config = loadServiceConfig();
      const log = logger(config);
      const running = await startServer(config, log);
      await untilSignal(log, running);
    });

  program
    .command('worker')
    .description('Run background workers only (imports, exports, clean-up) against DATABASE_URL')
    .action(async () => {
      const config = loadServiceConfig();
      const log = logger(config);
      const running = await startWorkerProcess(config, log);
      await untilSignal(log, running);
    });
}

/**
 * Starts the server (and in-process workers). Resolves once it listens.
 *
 * @example
 * const running = await startServer(loadServiceConfig(), pino());
 */
export async function startServer(config: ServiceConfig, log: Logger): Promise<Running> {
  const { open, files } = await openServices(config, log);
  const started: Running[] = [];
  try {
    return await serveOn(config, log, open, files, started);
  } catch (err) {
    // Whatever did start (workers, the queue) would keep the process alive without serving.
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await open.close().catch(() => undefined);
    throw err;
  }
}

async function serveOn(
  config: ServiceConfig,
  log: Logger,
  open: OpenDatabase,
  files: ObjectStore,
  started: Running[],
): Promise<Running> {
  const admin = await ensureFirstAdmin(open.db);
  const workers =
    config.workers > 0
      ? await startWorkers({
          open,
          files,
          workerId: workerId('serve'),
          concurrency: config.workers,
          leaseSeconds: config.leaseSeconds,
          heartbeatMs: heartbeatOf(config),
          reapIntervalMs: config.reapIntervalSeconds * 1000,
          exportTtlDays: config.exportTtlDays,
          logger: log,
        })
      : null;
  if (workers) started.push(workers);
  // Without local workers the server still queues jobs for `roster worker` processes.
  const queue: Queue =
    workers?.queue ?? (await startQueue(open, { schedule: false, supervise: false }));
  if (!workers) started.push({ stop: () => queue.stop({ graceful: false, wait: true }) });
  const jobs: JobStarter = {
    startImport: async (tenantId, importId) =>
      void (await enqueueImport(queue, tenantId, importId)),
    startExport: async (tenantId, exportId) => {
      const row = await getExport(open.db, tenantId, exportId);
      const request = row ? storedRequest(row) : null;
      if (!request) throw new RosterError('INTERNAL', `Export ${exportId} has no stored request`);
      await enqueueExport(queue, tenantId, exportId, request);
    },
  };
  const app = await buildApp({
    db: open.db,
    files,
    jobs,
    logger: log,
    settings: {
      maxUploadBytes: config.maxUploadBytes,
      exportTtlDays: config.exportTtlDays,
      secureCookies: config.secureCookies,
      trustProxy: config.trustProxy,
    },
  });
  const address = await app.listen({ host: config.host, port: config.port });
  const where = config.databaseUrl ? 'PostgreSQL' : `the embedded database in ${config.dataDir}`;
  process.stdout.write(`Roster is running on ${address} (${where}; files: ${files.kind})\n`);
  if (admin) {
    process.stdout.write(
      `First start: sign in at ${address} as ${admin.email} (tenant "${admin.tenant}") with password ${admin.password}\n` +
        `  (shown once; change it with: roster user password ${admin.email} --tenant ${admin.tenant})\n`,
    );
  }
  return {
    async stop() {
      await app.close();
      if (workers) await workers.stop();
      else await queue.stop({ graceful: true, wait: true });
      await open.close();
    },
  };
}

/**
 * Starts workers only.
 *
 * @example
 * const running = await startWorkerProcess(loadServiceConfig(), pino());
 */
export async function startWorkerProcess(config: ServiceConfig, log: Logger): Promise<Running> {
  const { open, files } = await openServices(config, log);
  const id = workerId('worker');
  const workers = await startWorkers({
    open,
    files,
    workerId: id,
    concurrency: Math.max(1, config.workers),
    leaseSeconds: config.leaseSeconds,
    heartbeatMs: heartbeatOf(config),
    reapIntervalMs: config.reapIntervalSeconds * 1000,
    exportTtlDays: config.exportTtlDays,
    logger: log,
  }).catch(async (err: unknown) => {
    await open.close().catch(() => undefined);
    throw err;
  });
  log.info({ workerId: id }, 'worker started');
  return {
    async stop() {
      await workers.stop();
      await open.close();
    },
  };
}

async function openServices(
  config: ServiceConfig,
  log: Logger,
): Promise<{ open: OpenDatabase; files: ObjectStore }> {
  const open = await openDatabase({
    ...config,
    onPoolError: (err) => log.warn({ err }, 'database connection lost'),
  });
  try {
    await migrateToLatest(open.db);
    const files = createObjectStore({
      dataDir: config.dataDir,
      signingSecret: config.secret,
      ...(config.s3 ? { s3: config.s3 } : {}),
    });
    return { open, files };
  } catch (err) {
    await open.close();
    throw err;
  }
}

/** Renewed three times a lease, at most every 10 s: one late renewal never loses it. */
function heartbeatOf(config: ServiceConfig): number {
  return Math.min(10_000, Math.floor((config.leaseSeconds * 1000) / 3));
}

function logger(config: ServiceConfig): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } });
}

function workerId(kind: string): string {
  return `${kind}@${hostname()}:${process.pid}`;
}

/** Waits for SIGINT or SIGTERM, then stops; a second signal exits at once. */
async function untilSignal(log: Logger, running: Running): Promise<void> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'stopping: finishing requests and the batches in flight');
  const force = (): void => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await running.stop();
  log.info('stopped');
}
