/**
 * An import's issue as the API lists it and `roster import --json` prints it: one shape under
 * both, so that a script reads either the same way.
 */
import type { RowIssue } from '../core/model/issue.ts';

export interface IssueJson {
  row: number | null;
  column: string | null;
  field: string | null;
  value: string | null;
  code: string;
  severity: string;
  message: string;
}

/**
 * The issue's listed fields, in their documented order (the column index is left out: the column
 * is named).
 *
 * @example
 * const errors = summary.issues.map(issueJson);
 */
export function issueJson(i: RowIssue): IssueJson {
  return {
    row: i.row,
    column: i.column,
    field: i.field,
    value: i.value,
    code: i.code,
    severity: i.severity,
    message: i.message,
  };
}
