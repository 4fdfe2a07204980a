/**
 * Runs an import: read → prepare (transform, validate, in-file dedupe) → match → merge → write,
 * one transaction per batch. Each transaction writes the batch's contacts, journal events, row
 * issues, segment membership, and the job's counters and checkpoint together, so whatever moment
 * a process dies at, the database holds whole batches only, and the checkpoint names the last
 * row whose outcome is stored.
 *
 * Resuming reads the file again from the start: rows up to the checkpoint are prepared again but
 * not written, which rebuilds the in-file duplicate table exactly as the first run had it (the
 * first occurrence of a key may be in a committed batch). Rows after it are matched against the
 * database, which already holds what the committed batches wrote. So a resumed import ends in
 * the state an uninterrupted one would have reached.
 *
 * A dry run executes every stage except the write, with the same code, so its counts are the
 * counts of the real run (one exception, stated in the README: with `phone_then_email` keys, two
 * rows in different batches that identify the same existing contact through different keys are
 * both planned against the stored contact).
 *
 * Concurrency rule: one import is processed by one process at a time; `transitionImport` from
 * queued/running to running is the claim. Batches are strictly sequential, in file order.
 */
import { sql, type Kysely } from 'kysely';
import { RosterError, isRosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import type { RowIssue } from '../core/model/issue.ts';
import { openTable } from '../core/read/open-table.ts';
import type { MxResolver } from '../core/validate/index.ts';
import { insertContacts, updateContacts } from '../store/contact-writes.ts';
import { createCustomField, listCustomFields } from '../store/custom-fields.ts';
import {
  addSegmentMembers,
  countersOf,
  emptyCounters,
  insertEvents,
  insertIssues,
  saveProgress,
  type ImportCheckpoint,
  type ImportCounters,
} from '../store/import-journal.ts';
import { getImport, transitionImport } from '../store/imports.ts';
import { SQLSTATE, hasSqlState } from '../store/pg-errors.ts';
import type { Database, ImportRow } from '../store/schema.ts';
import { ensureImportSegment } from '../store/segments.ts';
import { count, memberIds, rowIssues, writesOf } from './batch-writes.ts';
import { eventLoopTurns } from './event-loop-turns.ts';
import { processFile, type PreparedBatch } from './import-batches.ts';
import type { ImportOptions } from './import-options.ts';
import { planStep } from './match-batch.ts';

export interface ImportProgress {
  rowsProcessed: number;
  /** Bytes of the file read so far, and its size when known: the progress fraction. */
  bytesRead: number;
  bytesTotal: number | null;
}

export interface ImportRunContext {
  db: Kysely<Database>;
  tenantId: string;
  /** The file; for a resumed import it must be the same bytes (checked by the caller). */
  source: ByteSource;
  /** DNS for MX look-ups when the import enables them. */
  mxResolver?: MxResolver;
  onProgress?: (progress: ImportProgress) => void;
  /** Issues kept in memory for the summary of a dry run (the real run stores them all). */
  maxListedIssues?: number;
  /**
   * Stops the run after the batch in flight (graceful shutdown): the import stays `running`
   * with its checkpoint, to be resumed later, and runImport returns its summary.
   */
  signal?: AbortSignal;
  /**
   * The most data rows the import may have (the tenant's maxRowsPerImport). When given, a fresh
   * import counts the file's rows before writing anything, stores the count as `rows_total`
   * (progress then has a percentage and a time left), and fails with LIMIT_EXCEEDED when there
   * are more. Counting reads the file once more; the HTTP API does it here, in the job, rather
   * than in the request that starts the import.
   */
  maxRows?: number;
}

/** The outcome of an import or a dry run, as `roster import --json` prints it. */
export interface ImportSummary {
  jobId: string | null;
  status: string;
  counters: ImportCounters;
  /** The first issues by row (all of them are in the database for a real run). */
  issues: RowIssue[];
}

/**
 * Runs (or resumes) a stored import to its end. Returns its final counters.
 * Throws RosterError('JOB_STATE') when the import is not queued or running.
 *
 * @example
 * const summary = await runImport({ db, tenantId, source: fileSource(path) }, job.id);
 */
export async function runImport(ctx: ImportRunContext, importId: string): Promise<ImportSummary> {
  const job = await getImport(ctx.db, ctx.tenantId, importId);
  if (job.status === 'completed') return summaryOf(job, []);
  if (
    !(await transitionImport(
      ctx.db,
      ctx.tenantId,
      importId,
      ['queued', 'running', 'failed'],
      'running',
    ))
  ) {
    throw new RosterError('JOB_STATE', `Import ${importId} is ${job.status}; it cannot be run`, {
      importId,
      status: job.status,
    });
  }
  const options = job.options as unknown as ImportOptions;
  const checkpoint = (job.checkpoint as ImportCheckpoint | null) ?? { row: 0, seq: 0 };
  const counters = job.checkpoint ? countersOf(job) : emptyCounters();
  const importSource = `import:${importId}`;
  try {
    if (ctx.maxRows !== undefined && job.rows_total === null && job.checkpoint === null) {
      const rowsTotal = await countRows(ctx.source, options, ctx.maxRows);
      await ctx.db
        .updateTable('imports')
        .set({ rows_total: rowsTotal })
        .where('tenant_id', '=', ctx.tenantId)
        .where('id', '=', importId)
        .execute();
    }
    const customFields = await ensureCustomFields(ctx, options.newCustomFields);
    const segmentId = options.segment
      ? await ensureImportSegment(ctx.db, ctx.tenantId, options.segment, importId)
      : null;
    if (segmentId) {
      await ctx.db
        .updateTable('imports')
        .set({ segment_id: segmentId })
        .where('tenant_id', '=', ctx.tenantId)
        .where('id', '=', importId)
        .execute();
    }
    const state = { seq: checkpoint.seq };
    const writeBatch = (batch: PreparedBatch, lock: boolean): Promise<void> =>
      ctx.db.transaction().execute(async (trx) => {
        // Not waiting for the WAL flush at each commit is safe here: the batch and its checkpoint
        // commit together, so a server crash can only lose whole batches, which a resumed import
        // writes again; the final commit (status completed) waits for the flush, and with it every
        // earlier batch is durable.
        await sql`set local synchronous_commit = off`.execute(trx);
        const { plan, stored } = await planStep(trx, ctx.tenantId, batch, options, lock);
        count(counters, batch, plan);
        const writes = writesOf(plan, stored, importSource, state);
        await insertContacts(trx, ctx.tenantId, writes.creates);
        const updated = await updateContacts(trx, ctx.tenantId, writes.updates);
        if (updated !== writes.updates.length) throw new StaleBatch();
        await insertEvents(trx, ctx.tenantId, importId, writes.events);
        await insertIssues(trx, ctx.tenantId, importId, [
          ...batch.readIssues,
          ...rowIssues(batch.rows, plan),
        ]);
        if (segmentId)
          await addSegmentMembers(trx, ctx.tenantId, segmentId, importId, memberIds(plan));
        await saveProgress(trx, ctx.tenantId, importId, counters, {
          row: batch.lastRow,
          seq: state.seq,
        });
      });
    await processFile(ctx, options, customFields, checkpoint, counters, async (batch) => {
      if (ctx.signal?.aborted) throw new Interrupted();
      // Optimistic first: contacts are read without locks and each update applies only if the
      // contact's version is still the one read. If another writer got in between (an update
      // missed its version, or a contact was deleted), the batch is rolled back and written
      // again with the matched contacts locked. Reading without FOR UPDATE saves a lock record
      // per matched contact (measured: about 10% of the database's work in bench/import.ts).
      const before = { counters: structuredClone(counters), seq: state.seq };
      try {
        await writeBatch(batch, false);
      } catch (err) {
        if (!(err instanceof StaleBatch) && !hasSqlState(err, SQLSTATE.FOREIGN_KEY_VIOLATION)) {
          throw err;
        }
        Object.assign(counters, structuredClone(before.counters));
        state.seq = before.seq;
        await writeBatch(batch, true);
      }
    });
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('imports')
        .set({ rows_total: counters.rowsProcessed })
        .where('tenant_id', '=', ctx.tenantId)
        .where('id', '=', importId)
        .execute();
      await transitionImport(trx, ctx.tenantId, importId, ['running'], 'completed', {
        error: null,
      });
    });
  } catch (err) {
    if (err instanceof Interrupted) {
      return summaryOf(await getImport(ctx.db, ctx.tenantId, importId), []);
    }
    const error = isRosterError(err)
      ? { code: err.code, message: err.message, ...err.details }
      : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
    await transitionImport(ctx.db, ctx.tenantId, importId, ['running'], 'failed', { error });
    throw err;
  }
  return summaryOf(await getImport(ctx.db, ctx.tenantId, importId), []);
}

/**
 * Counts the file's data rows, reading at most `max + 1`; throws LIMIT_EXCEEDED over `max`.
 */
async function countRows(source: ByteSource, options: ImportOptions, max: number): Promise<number> {
  const table = await openTable(source, options.read);
  const pause = eventLoopTurns();
  let rows = 0;
  for await (const batch of table.records) {
    // Buffered bytes are parsed without the event loop getting a turn (stalls up to 1 s).
    await pause();
    rows += batch.length;
    if (rows > max) {
      throw new RosterError(
        'LIMIT_EXCEEDED',
        `The file has more than ${max} data rows, the most one import may have. Split it into smaller files`,
        { limit: max, value: rows, setting: 'maxRowsPerImport' },
      );
    }
  }
  return rows;
}

/** The run was asked to stop (ImportRunContext.signal); the batches so far are committed. */
class Interrupted extends Error {
  constructor() {
    super('The import was stopped; it resumes from its checkpoint');
  }
}

/** A batch met a contact changed by someone else since it was read; it is written again. */
class StaleBatch extends Error {
  constructor() {
    super('A contact was changed by another writer while the batch was written');
  }
}

/**
 * Runs every stage except the write and returns the counts the real run would give.
 *
 * @example
 * const preview = await dryRunImport({ db, tenantId, source }, options);
 * preview.counters.created;
 */
export async function dryRunImport(
  ctx: ImportRunContext,
  options: ImportOptions,
): Promise<ImportSummary> {
  const customFields = [
    ...(await listCustomFields(ctx.db, ctx.tenantId)),
    ...options.newCustomFields,
  ];
  const counters = emptyCounters();
  const listed: RowIssue[] = [];
  const max = ctx.maxListedIssues ?? 100;
  await processFile(ctx, options, customFields, { row: 0, seq: 0 }, counters, async (batch) => {
    const { plan } = await planStep(ctx.db, ctx.tenantId, batch, options, false);
    count(counters, batch, plan);
    for (const i of [...batch.readIssues, ...rowIssues(batch.rows, plan)]) {
      if (listed.length < max) listed.push(i);
    }
  });
  return { jobId: null, status: 'dry_run', counters, issues: listed };
}

/** The summary of a stored import, with the issues the caller loaded. */
export function summaryOf(job: ImportRow, issues: RowIssue[]): ImportSummary {
  return { jobId: job.id, status: job.status, counters: countersOf(job), issues };
}

async function ensureCustomFields(
  ctx: ImportRunContext,
  wanted: readonly CustomFieldDef[],
): Promise<CustomFieldDef[]> {
  let fields = await listCustomFields(ctx.db, ctx.tenantId);
  const missing = wanted.filter((w) => !fields.some((f) => f.key === w.key));
  if (missing.length === 0) return fields;
  for (const def of missing) {
    try {
      await createCustomField(ctx.db, ctx.tenantId, def);
    } catch (err) {
      // Another import created it meanwhile: use that one.
      if (!isRosterError(err, 'CONFLICT')) throw err;
    }
  }
  fields = await listCustomFields(ctx.db, ctx.tenantId);
  return fields;
}
