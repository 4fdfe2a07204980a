/**
 * The part of the import pipeline that needs no database: transform → validate → in-file
 * dedupe, for every row of a table, batch by batch. What comes out says, for each row, whether
 * it is ready for matching and merging, rejected, or a repeat of an earlier row, with all its
 * issues. The match/merge/write stages consume `ready` rows; a dry run counts everything.
 *
 * Concurrency rule: rows are prepared strictly in file order, because "first occurrence wins"
 * in the in-file dedupe depends on it. MX look-ups for a batch run concurrently before the
 * batch is validated.
 */
import { createInFileDeduper } from '../dedupe/index.ts';
import type { MatchKeys } from '../dedupe/index.ts';
import type { ContactDraft } from '../model/contact.ts';
import type { CustomFieldDef, FieldRef } from '../model/fields.ts';
import type { RowIssue } from '../model/issue.ts';
import type { RecordBatch } from '../model/record.ts';
import { buildTransformPlan, transformRow } from '../transform/index.ts';
import type { TransformColumn, TransformOptions } from '../transform/index.ts';
import { checkEmail, validateDraft, withoutDropped } from '../validate/index.ts';
import type { MatchKey, MxChecker, ValidationRules } from '../validate/index.ts';

export type RowOutcome = 'ready' | 'rejected' | 'duplicate_in_file';

export interface PreparedRow {
  rowNumber: number;
  outcome: RowOutcome;
  /** The cleaned values, without any value a warning dropped. */
  draft: ContactDraft;
  /** For `duplicate_in_file`: the row it repeats. */
  duplicateOf?: number;
  issues: RowIssue[];
}

export interface PrepareOptions {
  columns: readonly TransformColumn[];
  transform?: TransformOptions;
  customFields?: readonly CustomFieldDef[];
  /** The tenant's match keys (default `email`). */
  matchKeys?: MatchKeys;
  /** Field and email rules beyond the defaults. */
  validation?: Omit<ValidationRules, 'matchKeys' | 'customFields' | 'columns' | 'mx'>;
  /** MX look-ups, when enabled for the import. */
  mx?: MxChecker;
}

const IDENTITY: Record<MatchKeys, readonly MatchKey[]> = {
  email: ['email'],
  phone_then_email: ['phone', 'email'],
  // Both keys identify the row together; either alone is enough for it to be valid.
  email_and_phone: ['email', 'phone'],
};

/**
 * Prepares every row of a table for import.
 *
 * @example
 * for await (const batch of prepareRows(table.records, { columns })) {
 *   for (const row of batch) if (row.outcome === 'ready') plan(row.draft);
 * }
 */
export async function* prepareRows(
  records: AsyncIterable<RecordBatch>,
  options: PrepareOptions,
): AsyncGenerator<PreparedRow[]> {
  const plan = buildTransformPlan(options.columns, options.transform, options.customFields);
  const matchKeys = options.matchKeys ?? 'email';
  const deduper = createInFileDeduper(matchKeys);
  const columnOf: Record<FieldRef, string> = {};
  for (const c of options.columns)
    if (c.field !== null && !(c.field in columnOf)) columnOf[c.field] = c.header;
  const mx = options.mx;
  const rules: ValidationRules = {
    ...options.validation,
    matchKeys: IDENTITY[matchKeys],
    columns: columnOf,
    ...(options.customFields ? { customFields: options.customFields } : {}),
    ...(mx ? { mx: (domain: string) => mx.cached(domain)?.status } : {}),
  };

  for await (const batch of records) {
    const transformed = batch.map((record) => ({ record, ...transformRow(record, plan) }));
    if (mx) await mx.checkAll(emailDomains(transformed.map((t) => t.draft)));
    const out: PreparedRow[] = [];
    for (const { record, draft, issues } of transformed) {
      const rowNumber = record.rowNumber;
      const checked = validateDraft(draft, rowNumber, rules);
      const all = [...issues, ...checked.issues];
      const clean = withoutDropped(draft, checked.dropped);
      if (checked.rejected) {
        out.push({ rowNumber, outcome: 'rejected', draft: clean, issues: all });
        continue;
      }
      const dup = deduper.check(clean, rowNumber);
      if (dup) {
        all.push(dup.issue);
        out.push({
          rowNumber,
          outcome: 'duplicate_in_file',
          draft: clean,
          duplicateOf: dup.duplicateOf,
          issues: all,
        });
        continue;
      }
      out.push({ rowNumber, outcome: 'ready', draft: clean, issues: all });
    }
    yield out;
  }
}

function emailDomains(drafts: readonly ContactDraft[]): Set<string> {
  const domains = new Set<string>();
  for (const d of drafts) {
    const email = d.fields.email;
    if (typeof email !== 'string') continue;
    const check = checkEmail(email);
    if (check.valid) domains.add(check.asciiDomain);
  }
  return domains;
}
