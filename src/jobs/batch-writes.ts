/**
 * A batch plan as rows to write and journal events, and the counting of its outcomes.
 */
import type { ConsentStatus, FieldValue } from '../core/model/contact.ts';
import type { RowIssue } from '../core/model/issue.ts';
import type { BatchPlan } from '../core/pipeline/plan-batch.ts';
import type { PreparedRow } from '../core/pipeline/prepare-rows.ts';
import type { ConsentRecord, StoredContactRow } from '../store/contact-columns.ts';
import type { ContactChange, NewContactValues } from '../store/contact-writes.ts';
import type { ImportCounters, JournalEvent } from '../store/import-journal.ts';
import type { PreparedBatch } from './import-batches.ts';

export function count(counters: ImportCounters, batch: PreparedBatch, plan: BatchPlan): void {
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

export function rowIssues(rows: readonly PreparedRow[], plan: BatchPlan): RowIssue[] {
  const out: RowIssue[] = [];
  for (const r of rows) out.push(...r.issues);
  out.push(...plan.issues);
  return out;
}

export function memberIds(plan: BatchPlan): string[] {
  return [
    ...plan.creates.map((c) => c.id),
    ...plan.updates.keys(),
    ...plan.unchanged.map((u) => u.contactId),
    ...plan.skipped.map((s) => s.contactId),
  ];
}

export interface BatchWrites {
  creates: NewContactValues[];
  updates: ContactChange[];
  events: JournalEvent[];
}

/**
 * Turns a plan into rows to write and journal events. Consent changes are stored with the time
 * and the source (this import) of the change, and the journal keeps the previous time and
 * source, so a rollback restores all three.
 */
export function writesOf(
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
    out.updates.push({
      id,
      set,
      versionBump: u.events.length,
      expectedVersion: u.original.version,
    });
  }
  // Journal order is file order, whatever the kind.
  events.sort((a, b) => a.order - b.order);
  for (const e of events) {
    const { order: _order, ...event } = e;
    out.events.push({ ...event, seq: state.seq++ });
  }
  return out;
}
