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
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { emailKey, phoneKey } from '../core/dedupe/index.ts';
import type { MatchKeys } from '../core/dedupe/index.ts';
import { RosterError, isRosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import type {
  ConsentStatus,
  ContactDraft,
  FieldValue,
  StoredContact,
} from '../core/model/contact.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import { issue, type RowIssue } from '../core/model/issue.ts';
import { planBatch, type BatchPlan } from '../core/pipeline/plan-batch.ts';
import { prepareRows, type PreparedRow } from '../core/pipeline/prepare-rows.ts';
import { openTable } from '../core/read/open-table.ts';
import { createMxChecker, type MxResolver } from '../core/validate/index.ts';
import type { ConsentRecord, StoredContactRow } from '../store/contact-columns.ts';
import {
  insertContacts,
  updateContacts,
  type ContactChange,
  type NewContactValues,
} from '../store/contact-writes.ts';
import { createCustomField, listCustomFields } from '../store/custom-fields.ts';
import { findMatches, type MatchIndex } from '../store/find-matches.ts';
import {
  findPossibleDuplicates,
  nameProbeOf,
  type FuzzyProbe,
  type PossibleDuplicate,
} from '../store/find-possible-duplicates.ts';
import {
  addSegmentMembers,
  countersOf,
  emptyCounters,
  insertEvents,
  insertIssues,
  saveProgress,
  type ImportCheckpoint,
  type ImportCounters,
  type JournalEvent,
} from '../store/import-journal.ts';
import { getImport, transitionImport } from '../store/imports.ts';
import type { Database, ImportRow } from '../store/schema.ts';
import { ensureImportSegment } from '../store/segments.ts';
import type { ImportOptions } from './import-options.ts';

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
    await processFile(ctx, options, customFields, checkpoint, counters, async (batch) => {
      await ctx.db.transaction().execute(async (trx) => {
        const { plan, stored } = await planStep(trx, ctx.tenantId, batch, options, true);
        count(counters, batch, plan);
        const writes = writesOf(plan, stored, importSource, state);
        await insertContacts(trx, ctx.tenantId, writes.creates);
        await updateContacts(trx, ctx.tenantId, writes.updates);
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
    const error = isRosterError(err)
      ? { code: err.code, message: err.message, ...err.details }
      : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
    await transitionImport(ctx.db, ctx.tenantId, importId, ['running'], 'failed', { error });
    throw err;
  }
  return summaryOf(await getImport(ctx.db, ctx.tenantId, importId), []);
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

interface PreparedBatch {
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
async function processFile(
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
  const table = await openTable(source, { ...options.read, onIssue: (i) => readIssues.push(i) });
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
  for await (const batch of prepared) {
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

interface Lookup {
  find: (draft: ContactDraft) => StoredContact | null;
  rows: Map<string, StoredContactRow>;
}

/**
 * Match and merge for one batch: exact matches by the tenant's keys, then possible duplicates
 * of the rows that would be created, then the merge plan. Possible duplicates become `info`
 * issues (`possible_duplicate`), or, when the import asks to merge them, the row's match.
 */
async function planStep(
  db: Kysely<Database>,
  tenantId: string,
  batch: PreparedBatch,
  options: ImportOptions,
  lock: boolean,
): Promise<{ plan: BatchPlan; stored: Map<string, StoredContactRow> }> {
  const matches = await lookUp(db, tenantId, batch.ready, options.matchKeys, lock);
  const fuzzy = options.fuzzy;
  let possible = new Map<number, PossibleDuplicate>();
  if (fuzzy !== null && options.merge.strategy !== 'create') {
    const probes: FuzzyProbe[] = [];
    for (const r of batch.ready) {
      if (matches.find(r.draft) !== null) continue;
      const name = nameProbeOf(r.draft.fields);
      const phone = options.matchKeys === 'email' ? phoneKey(r.draft) : null;
      if (name !== null || phone !== null) probes.push({ row: r.rowNumber, name, phone });
    }
    possible = await findPossibleDuplicates(db, tenantId, probes, fuzzy.threshold);
    for (const p of possible.values()) matches.rows.set(p.match.contact.id, p.match);
  }
  const find = (row: PreparedRow): StoredContact | null => {
    const exact = matches.find(row.draft);
    if (exact !== null || fuzzy === null || !fuzzy.merge) return exact;
    const p = possible.get(row.rowNumber);
    return p ? (matches.rows.get(p.match.contact.id) ?? p.match).contact : null;
  };
  const plan = planBatch(batch.ready, find, options.merge, randomUUID);
  if (fuzzy !== null && !fuzzy.merge) {
    for (const c of plan.creates) {
      const p = possible.get(c.row);
      if (p) plan.issues.push(possibleDuplicateIssue(c.row, p));
    }
  }
  return { plan, stored: matches.rows };
}

function possibleDuplicateIssue(row: number, p: PossibleDuplicate): RowIssue {
  const other = p.match.contact;
  const label = typeof other.fields['email'] === 'string' ? other.fields['email'] : other.id;
  return issue({
    row,
    field: p.reason === 'phone' ? 'phone' : null,
    value: label,
    code: 'possible_duplicate',
    severity: 'info',
    message:
      p.reason === 'phone'
        ? `Created as a new contact; ${label} has the same phone number (review: merge if it is the same person)`
        : `Created as a new contact; ${label} has a similar name and company (${Math.round(p.similarity * 100)}% similar; review: merge if it is the same person)`,
  });
}

async function lookUp(
  db: Kysely<Database>,
  tenantId: string,
  ready: readonly PreparedRow[],
  matchKeys: MatchKeys,
  lock: boolean,
): Promise<Lookup> {
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const r of ready) {
    const e = emailKey(r.draft);
    if (e !== null) emails.add(e);
    if (matchKeys === 'phone_then_email') {
      const p = phoneKey(r.draft);
      if (p !== null) phones.add(p);
    }
  }
  const index = await findMatches(db, tenantId, { emails: [...emails], phones: [...phones] }, lock);
  const rows = new Map<string, StoredContactRow>();
  for (const map of [index.byEmail, index.byPhone, index.byEmailAndPhone]) {
    for (const r of map.values()) rows.set(r.contact.id, r);
  }
  return { find: (draft) => findIn(index, matchKeys, draft, rows), rows };
}

function findIn(
  index: MatchIndex,
  matchKeys: MatchKeys,
  draft: ContactDraft,
  rows: Map<string, StoredContactRow>,
): StoredContact | null {
  const email = emailKey(draft);
  let found: StoredContactRow | undefined;
  if (matchKeys === 'email') found = email === null ? undefined : index.byEmail.get(email);
  else if (matchKeys === 'phone_then_email') {
    const phone = phoneKey(draft);
    found =
      (phone === null ? undefined : index.byPhone.get(phone)) ??
      (email === null ? undefined : index.byEmail.get(email));
  } else if (email !== null) {
    found = index.byEmailAndPhone.get(`${email}\u001f${phoneKey(draft) ?? ''}`);
  }
  // One object per contact, whichever key found it, so a batch's overlay sees one contact.
  return found ? (rows.get(found.contact.id) ?? found).contact : null;
}

function count(counters: ImportCounters, batch: PreparedBatch, plan: BatchPlan): void {
  const warnedRows = new Set<number>();
  const rejected = new Set<number>();
  for (const row of batch.rows) if (row.outcome === 'rejected') rejected.add(row.rowNumber);
  for (const i of batch.readIssues) {
    counters.issueCounts[i.code] = (counters.issueCounts[i.code] ?? 0) + 1;
    if (i.severity === 'warning' && i.row !== null && !rejected.has(i.row)) warnedRows.add(i.row);
  }
  for (const row of batch.rows) {
    counters.rowsProcessed++;
    if (row.outcome === 'rejected') counters.rejected++;
    if (row.outcome === 'duplicate_in_file') counters.duplicatesInFile++;
    for (const i of row.issues) {
      counters.issueCounts[i.code] = (counters.issueCounts[i.code] ?? 0) + 1;
      if (i.severity === 'warning' && row.outcome !== 'rejected') warnedRows.add(row.rowNumber);
    }
  }
  for (const i of plan.issues) {
    counters.issueCounts[i.code] = (counters.issueCounts[i.code] ?? 0) + 1;
    if (i.severity === 'warning' && i.row !== null) warnedRows.add(i.row);
    if (i.code === 'possible_duplicate') counters.possibleDuplicates++;
  }
  counters.warnings += warnedRows.size;
  counters.created += plan.creates.length;
  for (const u of plan.updates.values()) counters.updated += u.events.length;
  counters.unchanged += plan.unchanged.length;
  counters.skipped += plan.skipped.length;
}

function rowIssues(rows: readonly PreparedRow[], plan: BatchPlan): RowIssue[] {
  const out: RowIssue[] = [];
  for (const r of rows) out.push(...r.issues);
  out.push(...plan.issues);
  return out;
}

function memberIds(plan: BatchPlan): string[] {
  return [
    ...plan.creates.map((c) => c.id),
    ...plan.updates.keys(),
    ...plan.unchanged.map((u) => u.contactId),
    ...plan.skipped.map((s) => s.contactId),
  ];
}

interface BatchWrites {
  creates: NewContactValues[];
  updates: ContactChange[];
  events: JournalEvent[];
}

/**
 * Turns a plan into rows to write and journal events. Consent changes are stored with the time
 * and the source (this import) of the change, and the journal keeps the previous time and
 * source, so a rollback restores all three.
 */
function writesOf(
  plan: BatchPlan,
  stored: Map<string, StoredContactRow>,
  importSource: string,
  state: { seq: number },
): BatchWrites {
  const now = new Date().toISOString();
  const out: BatchWrites = { creates: [], updates: [], events: [] };
  const events: (JournalEvent & { order: number })[] = [];
  for (const c of plan.creates) {
    const fields = { ...c.values.fields };
    if (fields['source'] === undefined) fields['source'] = importSource;
    const consent: NewContactValues['consent'] = {};
    const after: Record<string, FieldValue> = { ...fields };
    for (const [k, v] of Object.entries(c.values.custom)) after[`custom:${k}`] = v;
    for (const [channel, status] of Object.entries(c.consent) as [
      'email' | 'sms',
      ConsentStatus,
    ][]) {
      consent[channel] = { status, at: now, source: importSource };
      after[`${channel}_consent`] = status;
    }
    out.creates.push({ id: c.id, fields, custom: c.values.custom, consent });
    events.push({
      order: c.row,
      seq: 0,
      row: c.row,
      contactId: c.id,
      kind: 'created',
      before: null,
      after,
      contactVersion: 1,
    });
  }
  for (const [id, u] of plan.updates) {
    const set: Record<string, FieldValue> = { ...u.set };
    const consentBefore = stored.get(id)?.consent;
    for (const e of u.events) {
      const before: Record<string, FieldValue> = {};
      const after: Record<string, FieldValue> = {};
      for (const d of e.diff) {
        before[d.field] = d.before;
        after[d.field] = d.after;
        const channel =
          d.field === 'email_consent' ? 'email' : d.field === 'sms_consent' ? 'sms' : null;
        if (channel) {
          const prev: ConsentRecord | undefined = consentBefore?.[channel];
          before[`${channel}_consent_at`] = prev?.at ?? null;
          before[`${channel}_consent_source`] = prev?.source ?? null;
          after[`${channel}_consent_at`] = now;
          after[`${channel}_consent_source`] = importSource;
          set[`${channel}_consent_at`] = now;
          set[`${channel}_consent_source`] = importSource;
        }
      }
      events.push({
        order: e.row,
        seq: 0,
        row: e.row,
        contactId: id,
        kind: 'updated',
        before,
        after,
        contactVersion: e.version,
      });
    }
    out.updates.push({ id, set, versionBump: u.events.length });
  }
  // Journal order is file order, whatever the kind.
  events.sort((a, b) => a.order - b.order);
  for (const e of events) {
    const { order: _order, ...event } = e;
    out.events.push({ ...event, seq: state.seq++ });
  }
  return out;
}
