import { RosterError } from '../errors.ts';
import { issue } from '../model/issue.ts';
import type { IssueSink } from '../model/issue.ts';
import type { RawRecord, RecordBatch } from '../model/record.ts';
import {
  applyDigitLayout,
  decodeExcelEscapes,
  excelSerialToIso,
  formatNumberText,
} from './sheet-values.ts';
import type { WorkbookScan } from './xlsx-workbook.ts';
import { attr, xmlParser, xmlText } from './xlsx-xml.ts';
import type { XmlTag } from './xlsx-xml.ts';

/**
 * Streams the rows of one worksheet part (`<sheetData>`) as records of strings.
 *
 * Memory is one batch of rows: cells are placed by their reference (`C7`), so a file cannot make
 * the reader allocate more than the columns it really fills, and row and column numbers beyond
 * Excel's grid, or rows that reach far to the right with almost nothing in them (the shape of a
 * file built to exhaust memory), are refused with XLSX_LIMIT_EXCEEDED.
 */

/** Excel's grid: 1,048,576 rows × 16,384 columns (A..XFD). */
export const MAX_ROWS = 1_048_576;
export const MAX_COLUMNS = 16_384;
/** Rows up to this width are always accepted, however empty. */
const SPARSE_FREE_WIDTH = 1024;
/** A wider row must fill at least 1 in this many of its columns (or be no wider than a dense row). */
const SPARSE_FILL_RATIO = 16;

export interface SheetReadContext {
  scan: WorkbookScan;
  /** The sheet's name, for messages. */
  sheet: string;
  batchSize: number;
  onIssue?: IssueSink;
}

/**
 * Parses worksheet XML into batches of records. `rowNumber` is the row's own number, so rows the
 * file leaves out (empty rows) leave gaps; rows without any value are not yielded. Each row is
 * padded with '' to the widest row before it.
 *
 * @example
 * for await (const batch of sheetRows(entry.read(), { scan, sheet: 'Leads', batchSize: 500 })) use(batch);
 */
export async function* sheetRows(
  chunks: AsyncIterable<Uint8Array>,
  ctx: SheetReadContext,
): AsyncGenerator<RecordBatch> {
  const { scan, onIssue } = ctx;
  const ready: RawRecord[] = [];
  const formulaColumns = new Set<number>();
  const uncalculatedColumns = new Set<number>();

  let inSheetData = false;
  let rowNumber = 0;
  let cells: string[] = [];
  let filled = 0;
  let widestDense = 0;
  let widest = 0;
  let col = 0;
  let type = '';
  let style = 0;
  let hasFormula = false;
  let value = '';
  let collect = false;
  let inInline = false;
  let phonetic = 0;

  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new RosterError('XLSX_LIMIT_EXCEEDED', `Sheet "${ctx.sheet}": ${message}`, details);
  };

  const openRow = (tag: XmlTag): void => {
    const r = attr(tag, 'r');
    const next = r === undefined ? rowNumber + 1 : Number(r);
    if (!Number.isInteger(next) || next < 1 || next > MAX_ROWS) {
      fail(`row number ${r ?? next} is outside Excel's ${MAX_ROWS.toLocaleString('en')} rows`, {
        row: next,
      });
    }
    rowNumber = next;
    cells = [];
    filled = 0;
    col = 0;
  };

  const openCell = (tag: XmlTag): void => {
    const ref = attr(tag, 'r');
    col = ref === undefined ? col + 1 : columnOf(ref);
    if (col < 1 || col > MAX_COLUMNS) {
      fail(
        `cell ${ref ?? col} is outside Excel's ${MAX_COLUMNS.toLocaleString('en')} columns (A..XFD)`,
        {
          row: rowNumber,
          cell: ref,
        },
      );
    }
    type = attr(tag, 't') ?? 'n';
    style = Number(attr(tag, 's') ?? 0);
    hasFormula = false;
    value = '';
  };

  const closeCell = (): void => {
    const text = cellText();
    if (hasFormula) noteFormula(text);
    if (text === '') return;
    if (cells[col - 1] === undefined) filled++;
    cells[col - 1] = text;
  };

  const cellText = (): string => {
    switch (type) {
      case 's': {
        const index = Number(value);
        const text = Number.isInteger(index) ? scan.sharedStrings[index] : undefined;
        if (text === undefined && value.trim() !== '') {
          report(
            'xlsx_bad_shared_string',
            'warning',
            value,
            `refers to shared string ${value}, which the file does not have`,
          );
          return '';
        }
        return text ?? '';
      }
      case 'inlineStr':
      case 'str':
        return decodeExcelEscapes(value);
      case 'b':
        return value === '' ? '' : value === '1' || value === 'true' ? 'TRUE' : 'FALSE';
      case 'e':
        report('cell_error', 'warning', value, `holds the error ${value}; imported as empty`);
        return '';
      case 'd':
        return isoDateText(value);
      default: {
        if (value.trim() === '') return '';
        const format = scan.formats[style];
        if (format?.date) {
          const iso = excelSerialToIso(Number(value), scan.date1904);
          if (iso !== null) return iso;
        } else if (format?.digitLayout) {
          const laid = applyDigitLayout(format.digitLayout, Number(value));
          if (laid !== null) return laid;
        }
        return formatNumberText(value);
      }
    }
  };

  const noteFormula = (text: string): void => {
    // One note per column: a sheet of formulas would otherwise flood the report.
    if (text === '' && type !== 'e') {
      if (uncalculatedColumns.has(col)) return;
      uncalculatedColumns.add(col);
      report(
        'formula_not_calculated',
        'warning',
        null,
        'holds a formula without a calculated value (the file was saved without recalculating); imported as empty. Open and save it in Excel to fill in the values',
      );
    } else if (!formulaColumns.has(col)) {
      formulaColumns.add(col);
      report(
        'formula_value',
        'info',
        text,
        `holds a formula; its last calculated value was imported (noted once per column)`,
      );
    }
  };

  const report = (
    code: string,
    severity: 'info' | 'warning',
    val: string | null,
    what: string,
  ): void => {
    onIssue?.(
      issue({
        row: rowNumber,
        columnIndex: col,
        // The header is found later (openTable); the message names the cell.
        column: null,
        value: val,
        code,
        severity,
        message: `Cell ${columnLetters(col)}${rowNumber} ${what}`,
      }),
    );
  };

  const closeRow = (): void => {
    if (filled === 0) return;
    const width = cells.length;
    if (width > SPARSE_FREE_WIDTH && width > widestDense && filled * SPARSE_FILL_RATIO < width) {
      fail(
        `row ${rowNumber} reaches column ${columnLetters(width)} with only ${filled} values; the sheet's layout looks broken or hostile`,
        { row: rowNumber, columns: width, values: filled },
      );
    }
    if (filled * SPARSE_FILL_RATIO >= width) widestDense = Math.max(widestDense, width);
    // Empty cells at the end of a row are not written to the file; padding to the widest row so
    // far (usually the header) keeps them from looking like a short, ragged row.
    widest = Math.max(widest, width);
    const dense = new Array<string>(widest);
    for (let i = 0; i < widest; i++) dense[i] = cells[i] ?? '';
    ready.push({ rowNumber, cells: dense });
  };

  const parser = xmlParser(ctx.sheet, {
    open(tag, name) {
      switch (name) {
        case 'sheetData':
          inSheetData = true;
          break;
        case 'row':
          if (inSheetData) openRow(tag);
          break;
        case 'c':
          if (inSheetData) openCell(tag);
          break;
        case 'v':
          collect = inSheetData;
          break;
        case 'f':
          hasFormula = true;
          break;
        case 'is':
          inInline = true;
          break;
        case 't':
          if (inInline && phonetic === 0) collect = true;
          break;
        case 'rPh':
          phonetic++;
          break;
      }
    },
    close(_tag, name) {
      switch (name) {
        case 'sheetData':
          inSheetData = false;
          break;
        case 'row':
          if (inSheetData) closeRow();
          break;
        case 'c':
          if (inSheetData) closeCell();
          break;
        case 'v':
        case 't':
          collect = false;
          break;
        case 'is':
          inInline = false;
          break;
        case 'rPh':
          phonetic--;
          break;
      }
    },
    text(text) {
      if (collect) value += text;
    },
  });

  for await (const text of xmlText(chunks)) {
    parser.write(text);
    while (ready.length >= ctx.batchSize) yield ready.splice(0, ctx.batchSize);
  }
  parser.close();
  while (ready.length > 0) yield ready.splice(0, ctx.batchSize);
}

/** The 1-based column of a cell reference (`C7` → 3); 0 when the reference has no letters. */
export function columnOf(ref: string): number {
  let col = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) & ~0x20; // upper case
    if (c < 65 || c > 90) break;
    col = col * 26 + (c - 64);
    if (i >= 3) return MAX_COLUMNS + 1; // four letters or more: beyond XFD
  }
  return col;
}

/** Column letters of a 1-based column (3 → `C`, 16384 → `XFD`). */
export function columnLetters(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Strict-OOXML date cells (`t="d"`) hold ISO text; midnight is shown as a plain date. */
function isoDateText(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T00:00(?::00(?:\.0+)?)?Z?)?$/.exec(value.trim());
  return m ? m[1]! : value.trim();
}
