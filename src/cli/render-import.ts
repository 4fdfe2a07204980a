import type { ImportSummary } from '../jobs/run-import.ts';
import { importJson } from './import-json.ts';

const n = (v: number): string => v.toLocaleString('en-US');

/** The terminal summary of an import: the spec's "Import Complete" screen. */
export function renderImportSummary(summary: ImportSummary, dryRun: boolean): string {
  const j = importJson(summary);
  const pct = (v: number): string =>
    j.totalRows === 0 ? '' : ` (${((100 * v) / j.totalRows).toFixed(1)}%)`;
  const head = dryRun
    ? 'Dry run: nothing was written. The import would give:'
    : summary.status === 'completed'
      ? `✓ Import ${j.rejected > 0 ? 'completed with rejected rows' : 'completed successfully'}`
      : `✗ Import ${summary.status}`;
  const lines = [
    head,
    '',
    'Summary:',
    `  Total rows:            ${n(j.totalRows)}`,
    `  Imported:              ${n(j.created + j.updated + j.unchanged)}${pct(j.created + j.updated + j.unchanged)}`,
    `    - Created (new):       ${n(j.created)}`,
    `    - Updated (existing):  ${n(j.updated)}`,
    `    - Unchanged:           ${n(j.unchanged)}`,
    `  Skipped (errors):      ${n(j.rejected)}${pct(j.rejected)}`,
    `  Skipped (duplicates):  ${n(j.duplicatesInFile + j.skipped)}${pct(j.duplicatesInFile + j.skipped)}`,
    `    - Repeated in file:    ${n(j.duplicatesInFile)}`,
    `    - Existing, kept:      ${n(j.skipped)}`,
    `  Rows with warnings:    ${n(j.warnings)}`,
  ];
  if (j.possibleDuplicates > 0)
    lines.push(`  Possible duplicates:   ${n(j.possibleDuplicates)} (for review)`);
  const codes = Object.entries(j.issues).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) {
    lines.push('', 'Issues:');
    for (const [code, count] of codes) lines.push(`  ${n(count).padStart(8)} × ${code}`);
  }
  const shown = j.errors.slice(0, 10);
  if (shown.length > 0) {
    lines.push('', 'First issues:');
    for (const e of shown) {
      const where = [e.row !== null ? `row ${e.row}` : 'file', e.column ? `"${e.column}"` : '']
        .filter(Boolean)
        .join(' ');
      lines.push(`  ${where}: ${e.severity} ${e.code}: ${e.message}`);
    }
  }
  if (j.jobId !== null) {
    lines.push(
      '',
      `Job ${j.jobId}`,
      `  details:      roster show ${j.jobId}`,
      `  error report: roster show ${j.jobId} --errors report.csv`,
      `  undo:         roster rollback ${j.jobId}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
