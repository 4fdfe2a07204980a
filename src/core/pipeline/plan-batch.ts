/**
 * The merge stage for one batch: what happens to each ready row, given the existing contacts the
 * match stage found. Pure: the caller looks contacts up and writes the plan.
 *
 * Two rows of a batch can identify the same existing contact (with `phone_then_email` keys, one
 * by its phone and another by its email). The second one is planned against the contact as the
 * first one left it, and both changes become one write with one journal event each, exactly as
 * if the rows had been imported one after the other.
 */
import type { ConsentStatus, ContactDraft, FieldValue, StoredContact } from '../model/contact.ts';
import { customKeyOf, isCustomRef } from '../model/fields.ts';
import type { RowIssue } from '../model/issue.ts';
import { planChange } from '../merge/index.ts';
import type { ConsentChannel, FieldDiff, MergeOptions } from '../merge/index.ts';
import type { PreparedRow } from './prepare-rows.ts';

/** Finds the existing contact a row identifies. */
export type FindExisting = (row: PreparedRow) => StoredContact | null;

export interface PlannedCreate {
  id: string;
  row: number;
  values: ContactDraft;
  consent: Partial<Record<ConsentChannel, ConsentStatus>>;
}

export interface PlannedUpdateEvent {
  row: number;
  diff: FieldDiff[];
  /** The contact's version once this event is applied. */
  version: number;
}

export interface PlannedUpdate {
  /** The contact as it was before this batch. */
  original: StoredContact;
  /** The final value of every changed field (FieldRef, or `email_consent` / `sms_consent`). */
  set: Record<string, FieldValue>;
  events: PlannedUpdateEvent[];
}

export interface BatchPlan {
  creates: PlannedCreate[];
  /** By contact id, in the order first touched. */
  updates: Map<string, PlannedUpdate>;
  unchanged: { row: number; contactId: string }[];
  skipped: { row: number; contactId: string }[];
  /** Issues the merge stage raised (values not applied), by row. */
  issues: RowIssue[];
}

/**
 * Plans a batch of `ready` rows (other outcomes are ignored).
 *
 * @example
 * const plan = planBatch(rows, (r) => byEmail.get(emailKey(r.draft) ?? '') ?? null, { strategy: 'update' }, randomUUID);
 */
export function planBatch(
  rows: readonly PreparedRow[],
  findExisting: FindExisting,
  merge: MergeOptions,
  newId: () => string,
): BatchPlan {
  const plan: BatchPlan = {
    creates: [],
    updates: new Map(),
    unchanged: [],
    skipped: [],
    issues: [],
  };
  for (const row of rows) {
    if (row.outcome !== 'ready') continue;
    const found = findExisting(row);
    const pending = found ? plan.updates.get(found.id) : undefined;
    const current = found && pending ? applied(pending) : found;
    const change = planChange(row.draft, current, merge, row.rowNumber);
    plan.issues.push(...change.issues);
    switch (change.kind) {
      case 'create':
        plan.creates.push({
          id: newId(),
          row: row.rowNumber,
          values: change.values,
          consent: change.consent,
        });
        break;
      case 'update': {
        // planChange only updates a contact it was given.
        const contact = current as StoredContact;
        const entry = pending ?? { original: contact, set: {}, events: [] };
        for (const d of change.diff) entry.set[d.field] = d.after;
        entry.events.push({ row: row.rowNumber, diff: change.diff, version: contact.version + 1 });
        plan.updates.set(contact.id, entry);
        break;
      }
      case 'unchanged':
        plan.unchanged.push({ row: row.rowNumber, contactId: (current as StoredContact).id });
        break;
      case 'skip':
        plan.skipped.push({ row: row.rowNumber, contactId: (current as StoredContact).id });
        break;
    }
  }
  return plan;
}

/** The contact as a pending update leaves it. */
function applied(update: PlannedUpdate): StoredContact {
  const c = update.original;
  const fields = { ...c.fields };
  const custom = { ...c.custom };
  const consent = { ...c.consent };
  for (const [ref, value] of Object.entries(update.set)) {
    if (ref === 'email_consent' || ref === 'sms_consent') {
      consent[ref === 'email_consent' ? 'email' : 'sms'] = value as ConsentStatus;
    } else if (isCustomRef(ref)) custom[customKeyOf(ref)] = value;
    else fields[ref] = value;
  }
  const last = update.events[update.events.length - 1];
  return { ...c, fields, custom, consent, version: last ? last.version : c.version };
}
