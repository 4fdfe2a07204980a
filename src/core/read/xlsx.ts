import { RosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';
import type { RecordBatch } from '../model/record.ts';
import { DEFAULT_BATCH_SIZE } from './types.ts';
import type { FormatReader, ReadOptions, TableInfo } from './types.ts';
import { sheetRows } from './xlsx-sheet.ts';
import { scanWorkbook } from './xlsx-workbook.ts';
import type { WorkbookScan } from './xlsx-workbook.ts';
import { zipEntries } from './zip-entries.ts';

/**
 * The XLSX reader: two streaming passes over the archive, never the whole workbook in memory.
 *
 * 1. `sniff` scans the archive once (scanWorkbook): sheet names and order, which sheets have
 *    values, the date system, number formats and the shared strings.
 * 2. `rows` streams the archive again up to the chosen sheet and parses only that sheet.
 *
 * Two passes instead of one because Excel stores the shared strings after the sheets; the usual
 * alternative (exceljs's streaming reader) spools the sheets to temporary files instead. The
 * reading itself is our own small SAX loop on saxes + unzipper, the libraries exceljs's reader
 * is built on, because that reader turns Japanese phonetic guides into the cell text, drops all
 * but the last run of rich inline strings, decodes entities twice, cannot read cells without a
 * reference, gives no raw number text and needs the file system.
 *
 * Cells: text as text (leading zeros kept), numbers without float noise and never in exponent
 * form, dates as ISO 8601 (1904 date system respected), booleans TRUE/FALSE, formulas as their
 * last calculated value (noted once per column as `formula_value`), rich text and hyperlinks as
 * their text, error cells (#N/A) empty with a `cell_error` issue.
 */

/** Scans are shared between `sniff` and the `rows` call that follows it on the same source. */
const scans = new WeakMap<ByteSource, Promise<WorkbookScan>>();

function scanOf(source: ByteSource): Promise<WorkbookScan> {
  let scan = scans.get(source);
  if (!scan) {
    scan = scanWorkbook(source);
    scans.set(source, scan);
    scan.catch(() => scans.delete(source));
  }
  return scan;
}

/** What chooseSheet needs to know about a sheet (XLSX and XLS alike). */
export interface SheetChoice {
  name: string;
  state: 'visible' | 'hidden' | 'veryHidden';
  hasData: boolean;
}

/**
 * The sheet to read: the one named (exactly, else ignoring case and surrounding spaces), or the
 * first visible sheet with values, else the first sheet with values, else the first sheet.
 *
 * @example
 * chooseSheet(scan.sheets, 'leads').name; // 'Leads'
 */
export function chooseSheet<T extends SheetChoice>(
  sheets: readonly T[],
  wanted: string | null | undefined,
): T {
  if (wanted !== undefined && wanted !== null) {
    const exact = sheets.find((s) => s.name === wanted);
    if (exact) return exact;
    const key = wanted.trim().toLowerCase();
    const loose = sheets.filter((s) => s.name.trim().toLowerCase() === key);
    if (loose.length === 1) return loose[0]!;
    const names = sheets.map((s) => s.name);
    throw new RosterError(
      'SHEET_NOT_FOUND',
      `No sheet named "${wanted}"; the workbook has ${names.map((n) => `"${n}"`).join(', ')}`,
      { sheet: wanted, sheets: names },
    );
  }
  return (
    sheets.find((s) => s.hasData && s.state === 'visible') ??
    sheets.find((s) => s.hasData) ??
    sheets.find((s) => s.state === 'visible') ??
    sheets[0]!
  );
}

export const xlsxReader: FormatReader = {
  async sniff(source: ByteSource, options: ReadOptions): Promise<Partial<TableInfo>> {
    const scan = await scanOf(source);
    const sheet = chooseSheet(scan.sheets, options.sheet);
    return {
      format: 'xlsx',
      encoding: null,
      encodingConfidence: null,
      bom: false,
      delimiter: null,
      sheet: sheet.name,
      sheets: scan.sheets.map((s) => s.name),
    };
  },

  async *rows(
    source: ByteSource,
    info: TableInfo,
    options: ReadOptions,
  ): AsyncGenerator<RecordBatch> {
    const scan = await scanOf(source);
    // The shared strings can be large: let them go with this read.
    scans.delete(source);
    const sheet = chooseSheet(scan.sheets, info.sheet ?? options.sheet);
    for await (const entry of zipEntries(source)) {
      if (entry.path !== sheet.path) continue;
      yield* sheetRows(entry.read(), {
        scan,
        sheet: sheet.name,
        batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
        onIssue: options.onIssue,
      });
      return;
    }
    throw new RosterError(
      'XLSX_CORRUPT',
      `The XLSX file is damaged: sheet "${sheet.name}" is missing`,
    );
  },
};
