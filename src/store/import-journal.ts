/**
 * What one import batch writes besides the contacts: journal events, row issues, segment
 * membership, and the job's counters and checkpoint. The caller runs all of it in the same
 * transaction as the contact writes, so a batch is either wholly there or not at all.
 */
import { sql, type Kysely } from 'kysely';
import type { FieldValue } from '../core/model/contact.ts';
import type { RowIssue } from '../core/model/issue.ts';
import type { Database, ImportEventKind, JsonObject } from './schema.ts';

export interface JournalEvent {
  seq: number;
  row: number | null;
  contactId: string;
  kind: ImportEventKind;
  /** Previous values of the changed fields (null for a created contact). */
  before: Record<string, FieldValue> | null;
  after: Record<string, FieldValue>;
  /** The contact's version after this event. */
  contactVersion: number;
}

/**
 * Appends journal events.
 *
 * @example
 * await insertEvents(trx, tenantId, importId, [{ seq: 0, row: 2, contactId, kind: 'created', before: null, after: {...}, contactVersion: 1 }]);
 */
export async function insertEvents(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  events: readonly JournalEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const payload = events.map((e) => ({
    seq: e.seq,
    row_number: e.row,
    contact_id: e.contactId,
    kind: e.kind,
    before: e.before,
    after: e.after,
    contact_version: e.contactVersion,
  }));
  await sql`
    insert into import_events
      (tenant_id, import_id, seq, row_number, contact_id, kind, before, after, contact_version)
    select ${tenantId}::uuid, ${importId}::uuid, r.seq, r.row_number, r.contact_id, r.kind,
      r.before, r.after, r.contact_version
    from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as r(
      seq integer, row_number integer, contact_id uuid, kind text, before jsonb, after jsonb,
      contact_version integer)
  `.execute(db);
}

/**
 * Stores row issues.
 *
 * @example
 * await insertIssues(trx, tenantId, importId, result.issues);
 */
export async function insertIssues(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  issues: readonly RowIssue[],
): Promise<void> {
  if (issues.length === 0) return;
  const payload = issues.map((i) => ({
    row_number: i.row,
    column_name: i.column,
    column_index: i.columnIndex ?? null,
    field: i.field,
    value: i.value,
    code: i.code,
    severity: i.severity,
    message: i.message,
  }));
  await sql`
    insert into import_issues
      (tenant_id, import_id, row_number, column_name, column_index, field, value, code, severity,
       message)
    select ${tenantId}::uuid, ${importId}::uuid, r.row_number, r.column_name, r.column_index,
      r.field, r.value, r.code, r.severity, r.message
    from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as r(
      row_number integer, column_name text, column_index integer, field text, value text,
      code text, severity text, message text)
  `.execute(db);
}

/**
 * Adds contacts to a static segment on behalf of an import; contacts already in it keep their
 * membership (and its import_id, so rolling this import back does not remove them).
 *
 * @example
 * await addSegmentMembers(trx, tenantId, segmentId, importId, contactIds);
 */
export async function addSegmentMembers(
  db: Kysely<Database>,
  tenantId: string,
  segmentId: string,
  importId: string,
  contactIds: readonly string[],
): Promise<void> {
  if (contactIds.length === 0) return;
  await sql`
    insert into segment_members (tenant_id, segment_id, contact_id, import_id)
    select ${tenantId}::uuid, ${segmentId}::uuid, id, ${importId}::uuid
    from unnest(${[...contactIds]}::uuid[]) as id
    on conflict (tenant_id, segment_id, contact_id) do nothing
  `.execute(db);
}

/** The running totals of an import, as stored on its row. */
export interface ImportCounters {
  rowsProcessed: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
  duplicatesInFile: number;
  possibleDuplicates: number;
  /** Rows imported (or skipped as duplicates) with at least one warning. */
  warnings: number;
  issueCounts: Record<string, number>;
}

/** Where an interrupted import picks up. */
export interface ImportCheckpoint extends JsonObject {
  /** The last spreadsheet row whose outcome is committed. */
  row: number;
  /** The next journal sequence number. */
  seq: number;
}

/**
 * Stores an import's counters and checkpoint (absolute values, not increments, so writing the
 * same batch's totals twice cannot double-count).
 *
 * @example
 * await saveProgress(trx, tenantId, importId, counters, { row: 5001, seq: 3200 });
 */
export async function saveProgress(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  counters: ImportCounters,
  checkpoint: ImportCheckpoint,
): Promise<void> {
  await db
    .updateTable('imports')
    .set({
      rows_processed: counters.rowsProcessed,
      rows_created: counters.created,
      rows_updated: counters.updated,
      rows_unchanged: counters.unchanged,
      rows_skipped: counters.skipped,
      rows_rejected: counters.rejected,
      rows_duplicate_in_file: counters.duplicatesInFile,
      possible_duplicates: counters.possibleDuplicates,
      warnings: counters.warnings,
      issue_counts: JSON.stringify(counters.issueCounts),
      checkpoint: JSON.stringify(checkpoint),
      updated_at: new Date(),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', importId)
    .execute();
}

/** The counters stored on an import row. */
export function countersOf(row: {
  rows_processed: number;
  rows_created: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_skipped: number;
  rows_rejected: number;
  rows_duplicate_in_file: number;
  possible_duplicates: number;
  warnings: number;
  issue_counts: Record<string, number>;
}): ImportCounters {
  return {
    rowsProcessed: row.rows_processed,
    created: row.rows_created,
    updated: row.rows_updated,
    unchanged: row.rows_unchanged,
    skipped: row.rows_skipped,
    rejected: row.rows_rejected,
    duplicatesInFile: row.rows_duplicate_in_file,
    possibleDuplicates: row.possible_duplicates,
    warnings: row.warnings,
    issueCounts: { ...row.issue_counts },
  };
}

export function emptyCounters(): ImportCounters {
  return {
    rowsProcessed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    rejected: 0,
    duplicatesInFile: 0,
    possibleDuplicates: 0,
    warnings: 0,
    issueCounts: {},
  };
}
