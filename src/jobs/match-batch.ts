/**
 * Match and merge for one batch: exact matches by the tenant's keys, possible duplicates of the
 * rows that would be created, and the merge plan.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { emailKey, phoneKey } from '../core/dedupe/index.ts';
import type { MatchKeys } from '../core/dedupe/index.ts';
import type { ContactDraft, StoredContact } from '../core/model/contact.ts';
import { issue, type RowIssue } from '../core/model/issue.ts';
import { planBatch, type BatchPlan } from '../core/pipeline/plan-batch.ts';
import type { PreparedRow } from '../core/pipeline/prepare-rows.ts';
import type { StoredContactRow } from '../store/contact-columns.ts';
import { findMatches, type MatchIndex } from '../store/find-matches.ts';
import {
  findPossibleDuplicates,
  nameProbeOf,
  type FuzzyProbe,
  type PossibleDuplicate,
} from '../store/find-possible-duplicates.ts';
import type { Database } from '../store/schema.ts';
import type { PreparedBatch } from './import-batches.ts';
import type { ImportOptions } from './import-options.ts';

interface Lookup {
  find: (draft: ContactDraft) => StoredContact | null;
  rows: Map<string, StoredContactRow>;
}

/**
 * Match and merge for one batch: exact matches by the tenant's keys, then possible duplicates
 * of the rows that would be created, then the merge plan. Possible duplicates become `info`
 * issues (`possible_duplicate`), or, when the import asks to merge them, the row's match.
 */
export async function planStep(
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
