/**
 * The read side of an import: the file read, prepared (transform, validate, in-file dedupe) and
 * cut into write batches, with the read stage's own issues attached to the batch of their row.
 */
import { RosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import type { RowIssue } from '../core/model/issue.ts';
import { prepareRows, type PreparedRow } from '../core/pipeline/prepare-rows.ts';
import { openTable } from '../core/read/open-table.ts';
import { createMxChecker } from '../core/validate/index.ts';
import type { ImportCheckpoint, ImportCounters } from '../store/import-journal.ts';
import { eventLoopTurns } from './event-loop-turns.ts';
import type { ImportOptions } from './import-options.ts';
import type { ImportRunContext } from './run-import.ts';

/**
 * Rows per read batch, prepared in one go without giving the event loop a turn: ~200 rows take
 * 5-10 ms (the reader's default, 500, up to 40 ms on a busy machine).
 */
const READ_BATCH_ROWS = 200;

export interface PreparedBatch {
  rows: PreparedRow[];
  ready: PreparedRow[];
  /** Read-stage issues (blank rows, ragged rows, file notes) to store with this batch. */
  readIssues: RowIssue[];
  lastRow: number;
}

/**
 * Reads and prepares the file, handing batches of about `batchSize` rows to `handle`, skipping
 * (but still preparing) rows up to `checkpoint.row`. Counters of prepared rows are updated by
 * `count` in the handler, so the skipped prefix is never counted twice.
 */
export async function processFile(
  ctx: ImportRunContext,
  options: ImportOptions,
  customFields: readonly CustomFieldDef[],
  checkpoint: ImportCheckpoint,
  counters: ImportCounters,
  handle: (batch: PreparedBatch) => Promise<void>,
): Promise<void> {
  const readIssues: RowIssue[] = [];
  let bytesRead = 0;
  const source = countingSource(ctx.source, (n) => (bytesRead = n));
  const table = await openTable(source, {
    batchSize: READ_BATCH_ROWS,
    ...options.read,
    onIssue: (i) => readIssues.push(i),
  });
  checkHeader(table.header, options.header);
  const mx =
    options.mx && ctx.mxResolver ? createMxChecker({ resolver: ctx.mxResolver }) : undefined;
  const prepared = prepareRows(table.records, {
    columns: options.columns,
    transform: options.transform,
    customFields,
    matchKeys: options.matchKeys,
    ...(mx ? { mx } : {}),
  });
  const resumed = checkpoint.row > 0;
  let pending: PreparedRow[] = [];
  const flush = async (lastRow: number, final: boolean): Promise<void> => {
    // Read issues up to the last row go with this batch; on the last flush, all of them (blank
    // rows after the last data row). Those at or before the checkpoint were stored already.
    const take: RowIssue[] = [];
    const keep: RowIssue[] = [];
    for (const i of readIssues) {
      if (final || i.row === null || i.row <= lastRow) {
        const stored = resumed && (i.row === null ? true : i.row <= checkpoint.row);
        if (!stored) take.push(i);
      } else keep.push(i);
    }
    readIssues.length = 0;
    readIssues.push(...keep);
    const rows = pending;
    pending = [];
    // One batch in flight: while the database writes batch N, this thread prepares batch N+1
    // (on PostgreSQL the two run on different cores). Batch N+1 starts its transaction only
    // after batch N has committed, so its look-ups see what N wrote.
    if (inflight) await inflight;
    inflight = handle({
      rows,
      ready: rows.filter((r) => r.outcome === 'ready'),
      readIssues: take,
      lastRow,
    }).then(() =>
      ctx.onProgress?.({
        rowsProcessed: counters.rowsProcessed,
        bytesRead,
        bytesTotal: ctx.source.size ?? null,
      }),
    );
    // Awaited at the next flush; until then a failure must not count as unhandled.
    inflight.catch(() => undefined);
    if (final) await inflight;
  };
  let inflight: Promise<void> | undefined;
  let lastRow = checkpoint.row;
  const pause = eventLoopTurns();
  for await (const batch of prepared) {
    // Preparing is the import's CPU-heavy part; in the API server's process it must not hold
    // the event loop for longer than a small read batch takes.
    await pause();
    for (const row of batch) {
      if (row.rowNumber <= checkpoint.row) continue;
      pending.push(row);
      lastRow = row.rowNumber;
      if (pending.length >= options.batchSize) await flush(lastRow, false);
    }
  }
  await flush(lastRow, true);
}

function checkHeader(actual: readonly string[], expected: readonly string[]): void {
  if (actual.length === expected.length && actual.every((h, i) => h === expected[i])) return;
  throw new RosterError(
    'FILE_CHANGED',
    'The file does not have the header row this import was set up for',
    { expected: [...expected], actual: [...actual] },
  );
}

function countingSource(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  return {
    name: source.name,
    ...(source.size !== undefined ? { size: source.size } : {}),
    async *stream() {
      let n = 0;
      for await (const chunk of source.stream()) {
        n += chunk.byteLength;
        onBytes(n);
        yield chunk;
      }
    },
  };
}
