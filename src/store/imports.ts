/**
 * Import jobs: the row that carries an import's file, options, status, counters and checkpoint.
 * Every look-up is by (tenant, id): an import id alone never finds anything.
 */
import { sql, type Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { Database, ImportRow, ImportStatus, JsonObject } from './schema.ts';

export interface NewImport {
  fileName: string;
  fileSize: number;
  fileSha256: string;
  fileFormat: string;
  /** Where the file can be read again (to resume): `file:<absolute path>` or an object key. */
  storageKey: string;
  mapping: JsonObject;
  options: JsonObject;
  actor: string | null;
}

/**
 * Creates an import in status `queued`.
 *
 * @example
 * const job = await createImport(db, tenantId, { fileName: 'a.csv', ... });
 */
export async function createImport(
  db: Kysely<Database>,
  tenantId: string,
  job: NewImport,
): Promise<ImportRow> {
  return db
    .insertInto('imports')
    .values({
      tenant_id: tenantId,
      file_name: job.fileName,
      file_size: job.fileSize,
      file_sha256: job.fileSha256,
      file_format: job.fileFormat,
      storage_key: job.storageKey,
      mapping: JSON.stringify(job.mapping),
      options: JSON.stringify(job.options),
      actor: job.actor,
      status: 'queued',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The tenant's import with this id. Throws RosterError('NOT_FOUND') when there is none, also
 * when the id is not a UUID or belongs to another tenant.
 *
 * @example
 * const job = await getImport(db, tenantId, id);
 */
export async function getImport(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<ImportRow> {
  const row = UUID.test(id)
    ? await db
        .selectFrom('imports')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new RosterError('NOT_FOUND', `No import with id ${id}`, { importId: id });
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListImportsOptions {
  limit?: number;
  /** Only imports created before this time (paging back through history). */
  before?: Date;
  /** Keyset paging: only imports after the one with this id in newest-first order. */
  afterId?: string;
  /** Only imports in one of these statuses. */
  status?: readonly ImportStatus[];
}

/**
 * The tenant's imports, newest first.
 *
 * @example
 * const recent = await listImports(db, tenantId, { limit: 20 });
 */
export async function listImports(
  db: Kysely<Database>,
  tenantId: string,
  options: ListImportsOptions = {},
): Promise<ImportRow[]> {
  let q = db.selectFrom('imports').selectAll().where('tenant_id', '=', tenantId);
  if (options.before) q = q.where('created_at', '<', options.before);
  if (options.afterId !== undefined) {
    // Compared in the database: created_at has microseconds, a JS Date only milliseconds.
    const afterId = options.afterId;
    q = q.where(
      sql<boolean>`(created_at, id) < (select a.created_at, a.id from imports a
        where a.tenant_id = ${tenantId} and a.id = ${afterId})`,
    );
  }
  if (options.status && options.status.length > 0) q = q.where('status', 'in', [...options.status]);
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
}

/**
 * How many of the tenant's imports are waiting or running (the concurrent-imports limit).
 *
 * @example
 * if ((await countActiveImports(db, tenantId)) >= limits.maxConcurrentImports) refuse();
 */
export async function countActiveImports(db: Kysely<Database>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Imports left `running` (their process died) or `rolling_back`: the ones to resume.
 *
 * @example
 * for (const job of await listUnfinishedImports(db, tenantId)) await resume(job);
 */
export async function listUnfinishedImports(
  db: Kysely<Database>,
  tenantId: string,
): Promise<ImportRow[]> {
  return db
    .selectFrom('imports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', ['running', 'rolling_back'])
    .orderBy('created_at')
    .execute();
}

/**
 * Moves an import to another status, only from one of the statuses given (so two processes
 * cannot both start the same job). Returns false when the import was not in one of them.
 *
 * @example
 * if (!(await transitionImport(db, tenantId, id, ['queued', 'running'], 'running'))) return;
 */
export async function transitionImport(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  from: readonly ImportStatus[],
  to: ImportStatus,
  extra: { error?: JsonObject | null; rollback?: JsonObject } = {},
): Promise<boolean> {
  const now = new Date();
  const result = await db
    .updateTable('imports')
    .set({
      status: to,
      updated_at: now,
      ...(to === 'running' ? { started_at: sql<Date>`coalesce(started_at, now())` } : {}),
      ...(to === 'completed' || to === 'failed' ? { finished_at: now } : {}),
      ...(to === 'rolled_back' ? { rolled_back_at: now } : {}),
      ...(extra.error !== undefined
        ? { error: extra.error === null ? null : JSON.stringify(extra.error) }
        : {}),
      ...(extra.rollback !== undefined ? { rollback: JSON.stringify(extra.rollback) } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
