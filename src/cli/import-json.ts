/**
 * The documented `--json` shapes of `roster import` and `roster show` (README: "roster import
 * --json"). Keep them stable: scripts depend on them.
 */
import { issueJson, type IssueJson } from '../jobs/issue-json.ts';
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
  errors: IssueJson[];
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
    errors: summary.issues.map(issueJson),
    errorsNotListed: Math.max(0, totalIssues - summary.issues.length),
  };
}
