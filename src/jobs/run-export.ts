/**
 * Runs an export: selects contacts (all, a segment, ids, or a filter), streams them page by page
 * through a format writer into a sink, and records the export with its result.
 */
import type { Kysely } from 'kysely';
import { RosterError, isRosterError } from '../core/errors.ts';
import {
  createCsvWriter,
  createJsonWriter,
  createNdjsonWriter,
  selectColumns,
  type ByteSink,
  type ExportColumn,
  type ExportFormat,
  type ExportLayout,
  type ExportWriter,
} from '../core/export/index.ts';
import { createXlsxWriter } from '../core/export/xlsx-writer.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import { listCustomFields } from '../store/custom-fields.ts';
import type { RawClient } from '../store/connection.ts';
import {
  EXPORT_FILTER_PARAM_OFFSET,
  countSelection,
  exportPages,
  type ExportSelection,
} from '../store/export-contacts.ts';
import {
  createExport,
  failExport,
  finishExport,
  type ExportRow,
  type NewExport,
} from '../store/exports.ts';
import type { Database } from '../store/schema.ts';
import { compileWhere } from './segments.ts';

export interface ExportRequest {
  format: ExportFormat;
  /** Filter-language text (`--where`). */
  where?: string;
  /** Segment name (`--segment`). */
  segment?: string;
  ids?: string[];
  /** Field list (`--fields`); default: standard, custom, consent and audit fields. */
  fields?: string[];
  bom?: boolean;
  createdBy?: string | null;
}

/** Rows written so far, and the size of the selection when the export started. */
export interface ExportProgress {
  rows: number;
  total: number;
}

/** How an export runs, besides what it exports. */
export interface ExportRunOptions {
  /**
   * The driver under `db` (`OpenDatabase.raw`): with a PostgreSQL pool the contacts are read from
   * one snapshot with COPY; on PGlite, or without it, in keyset pages (see exportPages).
   */
  raw?: RawClient;
}

export interface ExportResult {
  job: ExportRow;
  rows: number;
  bytes: number;
}

/**
 * @example
 * const { rows } = await runExport(db, tenantId, { format: 'csv' }, sink, { fileName, storageKey });
 */
export async function runExport(
  db: Kysely<Database>,
  tenantId: string,
  request: ExportRequest,
  sink: ByteSink,
  target: { fileName: string; storageKey: string },
  onProgress?: (progress: ExportProgress) => void,
  options: ExportRunOptions = {},
): Promise<ExportResult> {
  const prepared = await prepareExport(db, tenantId, request);
  const job = await createExport(db, tenantId, exportRecordOf(prepared));
  return writeExport(db, tenantId, job.id, prepared, sink, target, onProgress, options);
}

/** An export request resolved against the tenant's fields and segments, ready to write. */
export interface PreparedExport {
  request: ExportRequest;
  columns: ExportColumn[];
  customFields: CustomFieldDef[];
  selection: ExportSelection;
  segmentId: string | null;
}

/**
 * Resolves fields, segment and filter. Throws the caller's mistakes (FILTER_INVALID, NOT_FOUND
 * for a segment) before anything is recorded.
 *
 * @example
 * const prepared = await prepareExport(db, tenantId, { format: 'csv', where: 'lead_score > 50' });
 */
export async function prepareExport(
  db: Kysely<Database>,
  tenantId: string,
  request: ExportRequest,
): Promise<PreparedExport> {
  const customFields = await listCustomFields(db, tenantId);
  const columns = selectColumns(request.fields, customFields);
  const selection: ExportSelection = {};
  let segmentId: string | null = null;
  if (request.segment !== undefined) {
    const segment = await db
      .selectFrom('segments')
      .select(['id', 'filter'])
      .where('tenant_id', '=', tenantId)
      .where('name', '=', request.segment)
      .executeTakeFirst();
    if (!segment) {
      throw new RosterError('NOT_FOUND', `No segment named "${request.segment}"`, {
        segment: request.segment,
      });
    }
    segmentId = segment.id;
    // A static segment selects its members; a saved filter selects whoever matches it now.
    if (segment.filter === null) selection.segmentId = segment.id;
    else selection.where = compileWhere(segment.filter, customFields, EXPORT_FILTER_PARAM_OFFSET);
  }
  if (request.where !== undefined) {
    // Checked before the export is recorded: a wrong filter is the caller's error, not a failed job.
    const before = selection.where;
    const where = compileWhere(
      request.where,
      customFields,
      EXPORT_FILTER_PARAM_OFFSET + (before?.params.length ?? 0),
    );
    selection.where = before
      ? { sql: `(${before.sql}) and (${where.sql})`, params: [...before.params, ...where.params] }
      : where;
  }
  if (request.ids !== undefined) selection.ids = request.ids;
  return { request, columns, customFields, selection, segmentId };
}

/**
 * What the exports row records about a prepared export.
 *
 * @example
 * const job = await createExport(db, tenantId, exportRecordOf(prepared));
 */
export function exportRecordOf(prepared: PreparedExport): NewExport {
  const { request } = prepared;
  return {
    format: request.format,
    filter: request.where ?? null,
    segmentId: prepared.segmentId,
    fields: prepared.columns.map((c) => c.header),
    options: { bom: request.bom === true },
    createdBy: request.createdBy ?? null,
  };
}

/** Where an export's file goes. */
export interface ExportTarget {
  /** Days the file is kept (EXPORT_TTL_DAYS); default 7. */
  ttlDays?: number;
  fileName: string;
  storageKey: string;
  /**
   * Resolves once the bytes written to the sink are stored (an object store finishing its
   * upload); awaited before the export is recorded completed, a rejection fails it.
   */
  stored?: () => Promise<unknown>;
}

/**
 * Writes a prepared export into `sink` and records the result on its row (completed, or failed
 * with the error, which is rethrown).
 *
 * @example
 * await writeExport(db, tenantId, job.id, prepared, sink, { fileName, storageKey });
 */
export async function writeExport(
  db: Kysely<Database>,
  tenantId: string,
  exportId: string,
  prepared: PreparedExport,
  sink: ByteSink,
  target: ExportTarget,
  onProgress?: (progress: ExportProgress) => void,
  options: ExportRunOptions = {},
): Promise<ExportResult> {
  const { request, columns, customFields, selection } = prepared;
  try {
    const segments = await segmentSummaries(db, tenantId);
    const writer = createWriter(
      request.format,
      sink,
      { columns, customFields, segments },
      request.bom === true,
    );
    // Counted only for someone watching: it costs a scan of the selection.
    const total = onProgress ? await countSelection(db, tenantId, selection) : 0;
    let rows = 0;
    onProgress?.({ rows, total });
    for await (const page of exportPages(db, tenantId, selection, undefined, {
      raw: options.raw,
    })) {
      await writer.writePage(page);
      rows += page.length;
      onProgress?.({ rows, total: Math.max(total, rows) });
    }
    const { bytes } = await writer.finish();
    await target.stored?.();
    const done = await finishExport(db, tenantId, exportId, {
      rows,
      bytes,
      fileName: target.fileName,
      storageKey: target.storageKey,
      ...(target.ttlDays !== undefined ? { ttlDays: target.ttlDays } : {}),
    });
    return { job: done, rows, bytes };
  } catch (err) {
    await failExport(db, tenantId, exportId, {
      code: isRosterError(err) ? err.code : 'INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

async function segmentSummaries(
  db: Kysely<Database>,
  tenantId: string,
): Promise<ExportLayout['segments']> {
  const rows = await db
    .selectFrom('segments as s')
    .leftJoin('segment_members as m', (j) =>
      j.onRef('m.tenant_id', '=', 's.tenant_id').onRef('m.segment_id', '=', 's.id'),
    )
    .select((eb) => [
      's.name',
      's.description',
      's.filter',
      eb.fn.count<number>('m.contact_id').as('contacts'),
    ])
    .where('s.tenant_id', '=', tenantId)
    .groupBy(['s.id', 's.name', 's.description', 's.filter'])
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    filter: r.filter,
    contacts: Number(r.contacts),
  }));
}

function createWriter(
  format: ExportFormat,
  sink: ByteSink,
  layout: ExportLayout,
  bom: boolean,
): ExportWriter {
  switch (format) {
    case 'csv':
      return createCsvWriter(sink, layout, { bom });
    case 'xlsx':
      return createXlsxWriter(sink, layout);
    case 'json':
      return createJsonWriter(sink, layout);
    case 'ndjson':
      return createNdjsonWriter(sink, layout);
  }
}
