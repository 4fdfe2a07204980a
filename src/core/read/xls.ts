import { Buffer } from 'node:buffer';
import * as XLSX from '@e965/xlsx';
import * as cptable from '@e965/xlsx/dist/cpexcel';
import { RosterError, isRosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';
import { issue } from '../model/issue.ts';
import type { RawRecord, RecordBatch } from '../model/record.ts';
import { applyDigitLayout, excelSerialToIso, formatNumber, isDateFormat } from './sheet-values.ts';
import { DEFAULT_BATCH_SIZE } from './types.ts';
import type { FormatReader, ReadOptions, TableInfo } from './types.ts';
import { chooseSheet } from './xlsx.ts';
import type { SheetChoice } from './xlsx.ts';
import { columnLetters } from './xlsx-sheet.ts';

/**
 * The legacy Excel reader (.xls, BIFF2-BIFF8, Excel 97-2003 and older), on SheetJS.
 *
 * An .xls file holds at most 65,536 rows × 256 columns, so it is read whole (up to
 * MAX_XLS_BYTES) and parsed at once; the rows are then handed out in batches. Cells follow the
 * same conventions as the XLSX reader (sheet-values.ts): text as text, numbers without float
 * noise, dates as ISO 8601 in the workbook's date system, booleans TRUE/FALSE, formulas as their
 * cached value, error cells empty with an issue.
 *
 * SheetJS reads many formats and guesses among them; here it only ever sees files that are an
 * OLE2 container holding a Workbook stream, or a bare BIFF worksheet, so a CSV or an HTML page
 * is never parsed as a spreadsheet.
 */

// Excel 95 and older store text in the workbook's code page; BIFF8 (Excel 97+) is UTF-16.
XLSX.set_cptable(cptable);

/** .xls files top out around 30 MB in practice; a cap keeps a hostile upload from filling memory. */
export const MAX_XLS_BYTES = 100 * 1024 ** 2;

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** BOF records of worksheets stored bare, outside an OLE2 container (Excel 2.x-4.x). */
const BIFF_BARE = [
  [0x09, 0x00, 0x04, 0x00],
  [0x09, 0x02, 0x06, 0x00],
  [0x09, 0x04, 0x06, 0x00],
];

interface CfbApi {
  read(data: Buffer, opts: { type: 'buffer' }): { FullPaths: string[] };
}

interface XlsSheet extends SheetChoice {
  rows: XLSX.CellObject[][];
}

interface XlsBook {
  sheets: XlsSheet[];
  date1904: boolean;
  /** Records SheetJS could not interpret: a sign of damage, reported once. */
  unknownRecords: number;
}

const books = new WeakMap<ByteSource, Promise<XlsBook>>();

function bookOf(source: ByteSource): Promise<XlsBook> {
  let book = books.get(source);
  if (!book) {
    book = readBytes(source).then(parseBook);
    books.set(source, book);
    book.catch(() => books.delete(source));
  }
  return book;
}

async function readBytes(source: ByteSource): Promise<Buffer> {
  if (source.size !== undefined && source.size > MAX_XLS_BYTES) tooLarge(source.size);
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source.stream()) {
    total += chunk.byteLength;
    if (total > MAX_XLS_BYTES) tooLarge(total);
    parts.push(chunk);
  }
  if (total === 0) throw new RosterError('FILE_EMPTY', `${source.name} is empty`);
  return Buffer.concat(parts, total);
}

function tooLarge(bytes: number): never {
  throw new RosterError(
    'FILE_TOO_LARGE',
    `The .xls file is over ${MAX_XLS_BYTES / 1024 ** 2} MB; save it as .xlsx or CSV, which Roster streams`,
    { size: bytes, limit: MAX_XLS_BYTES },
  );
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** Refuses OLE2 files that are not workbooks (Word, PowerPoint, Outlook, encrypted .xlsx). */
function checkContainer(bytes: Buffer): void {
  if (BIFF_BARE.some((bof) => startsWith(bytes, bof))) return;
  if (!startsWith(bytes, OLE2)) {
    throw new RosterError('XLS_CORRUPT', 'The file is not an Excel 97-2003 workbook (.xls)');
  }
  let paths: string[];
  try {
    paths = (XLSX.CFB as CfbApi).read(bytes, { type: 'buffer' }).FullPaths;
  } catch (err) {
    throw new RosterError(
      'XLS_CORRUPT',
      `The .xls file is damaged: ${message(err)}`,
      {},
      { cause: err },
    );
  }
  const has = (name: string): boolean =>
    paths.some((p) => p.replace(/\/$/, '').split('/').pop() === name);
  if (has('Workbook') || has('Book')) return;
  const unsupported = (what: string, hint: string): never => {
    throw new RosterError('FORMAT_UNSUPPORTED', `This file is ${what}; ${hint}`, {
      detected: what,
    });
  };
  if (has('EncryptedPackage')) {
    unsupported(
      'a password-protected Excel workbook',
      'remove the password in Excel and try again',
    );
  }
  if (has('WordDocument'))
    unsupported('a Word document (.doc)', 'Roster reads spreadsheets, CSV and JSON');
  if (has('PowerPoint Document'))
    unsupported('a PowerPoint presentation (.ppt)', 'Roster reads spreadsheets');
  if (paths.some((p) => p.includes('__substg1.0_')))
    unsupported('an Outlook message (.msg)', 'export the contacts as CSV');
  throw new RosterError(
    'XLS_CORRUPT',
    'The file is an OLE2 container without an Excel workbook in it',
  );
}

function parseBook(bytes: Buffer): XlsBook {
  checkContainer(bytes);
  let wb: XLSX.WorkBook;
  // SheetJS writes to console.error about records it does not know (damaged or unusual files).
  // The read is synchronous, so the console can be borrowed for its duration; the count becomes
  // an issue instead of noise in the server log.
  const consoleError = console.error;
  let unknownRecords = 0;
  console.error = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args[0].startsWith('Missing Info for XLS Record'))
      unknownRecords++;
    else consoleError(...args);
  };
  try {
    wb = XLSX.read(bytes, {
      type: 'buffer',
      dense: true,
      cellFormula: true,
      cellNF: true,
      cellDates: false,
      cellHTML: false,
    });
  } catch (err) {
    if (/password/i.test(message(err))) {
      throw new RosterError(
        'FORMAT_UNSUPPORTED',
        'The .xls workbook is password-protected; remove the password in Excel and try again',
      );
    }
    throw new RosterError(
      'XLS_CORRUPT',
      `The .xls file is damaged: ${message(err)}`,
      {},
      { cause: err },
    );
  } finally {
    console.error = consoleError;
  }
  const props = wb.Workbook?.Sheets ?? [];
  const sheets = wb.SheetNames.map((name, i): XlsSheet => {
    const rows = (wb.Sheets[name]?.['!data'] ?? []) as XLSX.CellObject[][];
    const hidden = props[i]?.Hidden;
    return {
      name,
      state: hidden === 1 ? 'hidden' : hidden === 2 ? 'veryHidden' : 'visible',
      hasData: rows.some((row) => row?.some((cell) => cell !== undefined && hasValue(cell))),
      rows,
    };
  });
  if (sheets.length === 0) throw new RosterError('XLS_CORRUPT', 'The .xls file has no worksheets');
  return { sheets, date1904: Boolean(wb.Workbook?.WBProps?.date1904), unknownRecords };
}

function hasValue(cell: XLSX.CellObject): boolean {
  return cell.t !== 'z' && cell.v !== undefined && cell.v !== '';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const xlsReader: FormatReader = {
  async sniff(source: ByteSource, options: ReadOptions): Promise<Partial<TableInfo>> {
    const book = await bookOf(source);
    const sheet = chooseSheet(book.sheets, options.sheet);
    return {
      format: 'xls',
      encoding: null,
      encodingConfidence: null,
      bom: false,
      delimiter: null,
      sheet: sheet.name,
      sheets: book.sheets.map((s) => s.name),
    };
  },

  async *rows(
    source: ByteSource,
    info: TableInfo,
    options: ReadOptions,
  ): AsyncGenerator<RecordBatch> {
    let book: XlsBook;
    try {
      book = await bookOf(source);
    } catch (err) {
      throw isRosterError(err)
        ? err
        : new RosterError('XLS_CORRUPT', message(err), {}, { cause: err });
    }
    books.delete(source);
    const sheet = chooseSheet(book.sheets, info.sheet ?? options.sheet);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const onIssue = options.onIssue;
    const formulaColumns = new Set<number>();
    let batch: RawRecord[] = [];
    let widest = 0;
    if (book.unknownRecords > 0) {
      onIssue?.(
        issue({
          code: 'xls_unknown_records',
          message: `The .xls file has ${book.unknownRecords} parts that could not be read; it may be damaged, so check the imported data`,
        }),
      );
    }

    for (let r = 0; r < sheet.rows.length; r++) {
      const row = sheet.rows[r];
      if (!row) continue;
      const rowNumber = r + 1;
      const cells: string[] = [];
      let width = 0;
      for (let c = 0; c < row.length; c++) {
        const cell = row[c];
        if (!cell) continue;
        const col = c + 1;
        const report = (
          code: string,
          severity: 'info' | 'warning',
          value: string,
          what: string,
        ): void =>
          onIssue?.(
            issue({
              row: rowNumber,
              column: null,
              columnIndex: col,
              value,
              code,
              severity,
              message: `Cell ${columnLetters(col)}${rowNumber} ${what}`,
            }),
          );
        const text = cellText(cell, book.date1904, report);
        if (cell.f !== undefined && !formulaColumns.has(col)) {
          formulaColumns.add(col);
          report(
            'formula_value',
            'info',
            text,
            'holds a formula; its last calculated value was imported (noted once per column)',
          );
        }
        if (text === '') continue;
        cells[c] = text;
        width = col;
      }
      if (width === 0) continue;
      // As in the XLSX reader: trailing empty cells must not make a row look short.
      widest = Math.max(widest, width);
      const dense = new Array<string>(widest);
      for (let i = 0; i < widest; i++) dense[i] = cells[i] ?? '';
      batch.push({ rowNumber, cells: dense });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  },
};

type Report = (code: string, severity: 'info' | 'warning', value: string, what: string) => void;

function cellText(cell: XLSX.CellObject, date1904: boolean, report: Report): string {
  switch (cell.t) {
    case 's':
      return cell.v === undefined ? '' : String(cell.v);
    case 'b':
      return cell.v ? 'TRUE' : 'FALSE';
    case 'e': {
      const shown = cell.w ?? XLSX_ERRORS[Number(cell.v)] ?? '#ERROR';
      report('cell_error', 'warning', shown, `holds the error ${shown}; imported as empty`);
      return '';
    }
    case 'n': {
      const n = Number(cell.v);
      const format = typeof cell.z === 'string' ? cell.z : '';
      if (format && isDateFormat(format)) {
        const iso = excelSerialToIso(n, date1904);
        if (iso !== null) return iso;
      } else if (format) {
        const laid = applyDigitLayout(format, n);
        if (laid !== null) return laid;
      }
      return formatNumber(n);
    }
    case 'd':
      return cell.v instanceof Date ? cell.v.toISOString() : String(cell.v ?? '');
    default:
      return '';
  }
}

/** BIFF error codes, for cells SheetJS leaves without display text. */
const XLSX_ERRORS: Record<number, string> = {
  0x00: '#NULL!',
  0x07: '#DIV/0!',
  0x0f: '#VALUE!',
  0x17: '#REF!',
  0x1d: '#NAME?',
  0x24: '#NUM!',
  0x2a: '#N/A',
};
