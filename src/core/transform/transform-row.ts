/**
 * The per-row work of the transform stage: raw cells in, a ContactDraft and its issues out.
 */
import type { ContactDraft } from '../model/contact.ts';
import type { RowIssue } from '../model/issue.ts';
import type { RawRecord } from '../model/record.ts';
import { unionLists } from './column-steps.ts';
import type { TransformPlan } from './transform-plan.ts';

export interface TransformResult {
  draft: ContactDraft;
  issues: RowIssue[];
}

/**
 * Transforms one row. Only mapped columns appear in the draft: a blank cell gives `null`
 * (present but blank), a rejected value is left out and reported as a warning. A row shorter
 * than the header reads its missing cells as blank. Never throws on cell content.
 *
 * @example
 * const plan = buildTransformPlan([{ index: 0, header: 'Tags', field: 'tags' }], { importTags: ['webinar'] });
 * transformRow({ rowNumber: 2, cells: ['vip|Partner'] }, plan).draft.fields.tags; // ['vip', 'Partner', 'webinar']
 */
export function transformRow(record: RawRecord, plan: TransformPlan): TransformResult {
  const draft: ContactDraft = { fields: {}, custom: {} };
  const issues: RowIssue[] = [];
  const cells = record.cells;
  const columns = plan.columns;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    col.step(cells[col.index] ?? '', draft, record.rowNumber, issues);
  }
  if (plan.importTags.length > 0) {
    const own = draft.fields['tags'];
    draft.fields['tags'] = Array.isArray(own)
      ? unionLists(own as readonly string[], plan.importTags)
      : [...plan.importTags];
  }
  return { draft, issues };
}
