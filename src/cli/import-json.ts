/**
 * The documented `--json` shapes of `roster import` and `roster show` (README: "roster import
 * --json"). Keep them stable: scripts depend on them.
 */
import type { RowIssue } from '../core/model/issue.ts';
import type { ImportSummary } from '../jobs/run-import.ts';

export interface ImportJson {
  jobId: string | null;
  status: string;
  totalRows: number;
  valid: number;
  rejected: number;
  warnings: number;
  duplicatesInFile: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  possibleDuplicates: number;
  issues: Record<string, number>;
  errors: {
    row: number | null;
    column: string | null;
    field: string | null;
    value: string | null;
    code: string;
    severity: string;
    message: string;
  }[];
  /** How many issues `errors` leaves out (the error report has them all). */
  errorsNotListed: number;
}

/** Issues listed one by one in the JSON and on the terminal. */
export const LISTED_ISSUES = 100;

export function importJson(summary: ImportSummary): ImportJson {
  const c = summary.counters;
  const totalIssues = Object.values(c.issueCounts).reduce((a, b) => a + b, 0);
  return {
    jobId: summary.jobId,
    status: summary.status,
    totalRows: c.rowsProcessed,
    valid: c.rowsProcessed - c.rejected - c.duplicatesInFile,
    rejected: c.rejected,
    warnings: c.warnings,
    duplicatesInFile: c.duplicatesInFile,
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    skipped: c.skipped,
    possibleDuplicates: c.possibleDuplicates,
    issues: { ...c.issueCounts },
    errors: summary.issues.map(errorJson),
    errorsNotListed: Math.max(0, totalIssues - summary.issues.length),
  };
}

function errorJson(i: RowIssue): ImportJson['errors'][number] {
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
