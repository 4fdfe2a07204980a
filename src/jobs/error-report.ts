/**
 * The error report of an import: the original rows that were rejected or imported with a
 * warning, with their original columns plus `row`, `field`, `code` and `message`, so a person
 * can fix the file and import it again.
 *
 * The file is read again and joined with the stored issues in row order (both streams are in row
 * order, so memory stays at one page of issues). A row with several issues appears once, its
 * issues joined with "; ". Values are formula-guarded for spreadsheets (the import removes the
 * guard again). The report's header row is remembered as a mapping preset with the import's own
 * mapping and the four report columns skipped, so importing the fixed report maps exactly as the
 * original import did.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Kysely } from 'kysely';
import { headerFingerprint } from '../core/map/index.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import { cellText } from '../core/model/record.ts';
import { openTable } from '../core/read/open-table.ts';
import { guardFormula } from '../core/transform/index.ts';
import { eachImportIssue, type StoredIssue } from '../store/import-issues.ts';
import { savePreset } from '../store/mapping-presets.ts';
import type { Database, ImportRow, JsonValue } from '../store/schema.ts';
import type { ImportOptions } from './import-options.ts';

export const REPORT_COLUMNS = ['row', 'field', 'code', 'message'] as const;

export interface ErrorReportResult {
  /** Rows written (one per original row with issues). */
  rows: number;
  /** Issues that concern the whole file or rows the report cannot show (e.g. blank rows). */
  notShown: number;
}

/**
 * Writes the report as CSV (UTF-8 with BOM, which Excel needs to read UTF-8) to `out`.
 *
 * @example
 * await writeErrorReport(db, tenantId, job, fileSource(path), createWriteStream('report.csv'));
 */
export async function writeErrorReport(
  db: Kysely<Database>,
  tenantId: string,
  job: ImportRow,
  source: ByteSource,
  out: Writable,
): Promise<ErrorReportResult> {
  const options = job.options as unknown as ImportOptions;
  const table = await openTable(source, options.read);
  const header = [...table.header, ...REPORT_COLUMNS];
  const csv = stringify({ bom: true });
  csv.pipe(out);
  const write = async (cells: string[]): Promise<void> => {
    if (!csv.write(cells)) await new Promise((r) => csv.once('drain', r));
  };
  await write(header);

  const issues = eachImportIssue(db, tenantId, job.id)[Symbol.asyncIterator]();
  let next = await issues.next();
  let rows = 0;
  let notShown = 0;
  // File-level issues come first (row null).
  while (!next.done && next.value.row === null) {
    notShown++;
    next = await issues.next();
  }
  for await (const batch of table.records) {
    for (const record of batch) {
      const found: StoredIssue[] = [];
      while (!next.done && (next.value.row ?? 0) < record.rowNumber) {
        notShown++;
        next = await issues.next();
      }
      while (!next.done && next.value.row === record.rowNumber) {
        // Notes (possible duplicates) are for review in Roster, not for fixing in the file.
        if (next.value.severity !== 'info') found.push(next.value);
        next = await issues.next();
      }
      if (found.length === 0) continue;
      const cells = table.header.map((_, i) => guardFormula(cellText(record.cells[i])));
      await write([
        ...cells,
        String(record.rowNumber),
        guardFormula(
          joined(
            found.map((i) => i.field ?? ''),
            true,
          ),
        ),
        joined(
          found.map((i) => i.code),
          false,
        ),
        guardFormula(
          joined(
            found.map((i) => i.message),
            false,
          ),
        ),
      ]);
      rows++;
    }
  }
  while (!next.done) {
    notShown++;
    next = await issues.next();
  }
  csv.end();
  await finished(out);

  const mapping: Record<string, string | null> = {};
  for (const c of options.columns) mapping[c.header] = c.field;
  for (const c of REPORT_COLUMNS) mapping[c] = null;
  await savePreset(db, tenantId, {
    fingerprint: headerFingerprint(header),
    header,
    mapping,
    transforms: { columns: (options.transform.columns ?? {}) as unknown as JsonValue },
  });
  return { rows, notShown };
}

function joined(values: string[], distinct: boolean): string {
  const kept = values.filter((v) => v !== '');
  return (distinct ? [...new Set(kept)] : kept).join('; ');
}
