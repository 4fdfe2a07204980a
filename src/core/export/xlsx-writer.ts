/**
 * The XLSX export: a workbook with the sheets Contacts, Custom Fields and Segments, streamed with
 * exceljs' WorkbookWriter. Contacts rows are committed as they are written, so memory stays flat
 * whatever the row count; the two definition sheets are small and written at the end.
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { RosterError } from '../errors.ts';
import type { FieldValue } from '../model/contact.ts';
import { guardFormula } from '../transform/clean-text.ts';
import type { ByteSink, ExportColumn, ExportContact, ExportLayout, ExportWriter } from './types.ts';

export const CONTACTS_SHEET = 'Contacts';
export const CUSTOM_FIELDS_SHEET = 'Custom Fields';
export const SEGMENTS_SHEET = 'Segments';

/** Joins list values (tags, multi-select, additional phones, segments) in one cell. */
export const LIST_SEPARATOR = '|';

const DATE_FORMAT = 'yyyy-mm-dd';
const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true };
const HEADER_FILL: ExcelJS.Fill = {
  type: 'pattern',
  pattern: 'solid',
  fgColor: { argb: 'FFD9E1F2' },
};
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
// Width for columns whose cells Excel renders in a fixed format, whatever the source text.
const FORMAT_WIDTHS: Partial<Record<ExportColumn['type'], number>> = {
  date: 12,
  timestamp: 20,
  boolean: 8,
};
// Excel's limit on an inline list validation (`"a,b,c"`), quotes included.
const INLINE_LIST_MAX = 255;
// In the Custom Fields sheet the options of a field go one per cell from this column on, so that
// validations too long to inline can refer to them.
const CUSTOM_FIELD_HEADERS = ['key', 'label', 'type', 'required', 'min', 'max', 'max_length'];
const OPTIONS_COLUMN = CUSTOM_FIELD_HEADERS.length + 1;
const SEGMENT_HEADERS = ['name', 'description', 'filter', 'contacts'];
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

type Cell = string | number | boolean | Date | null;

/** Worksheets have `dataValidations` in exceljs 4.4, but its typings leave the property out. */
export interface WithDataValidations {
  dataValidations: {
    add(address: string, validation: ExcelJS.DataValidation): void;
    find(address: string): ExcelJS.DataValidation | undefined;
  };
}

/**
 * Creates the XLSX writer for one export. Text cells are string cells (never formulas) and also
 * carry Roster's formula guard, so a value copied out of Excel stays inert; Roster's importer
 * removes exactly that guard again.
 *
 * @example
 * const writer = createXlsxWriter(createWriteStream('contacts.xlsx'), layout);
 * for await (const page of pages) await writer.writePage(page);
 * const { bytes } = await writer.finish();
 */
export function createXlsxWriter(sink: ByteSink, layout: ExportLayout): ExportWriter {
  const output = sinkWritable(sink);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output.stream,
    useStyles: true,
    // Shared strings would keep every distinct text in memory until the end.
    useSharedStrings: false,
  });
  const columns = layout.columns;
  let contacts: ExcelJS.Worksheet | null = null;
  let rows = 0;
  let finished = false;

  const startContacts = (firstPage: readonly ExportContact[]): ExcelJS.Worksheet => {
    const sheet = workbook.addWorksheet(CONTACTS_SHEET, {
      views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
    });
    // Widths must be known before the first row is written: the first page is the sample.
    // A column style reaches every cell exceljs creates in it: cheaper than styling cells.
    sheet.columns = columns.map((column, i) => {
      const numFmt = cellFormat(column);
      return {
        key: `c${i}`,
        width: columnWidth(column, firstPage),
        ...(numFmt ? { style: { numFmt } } : {}),
      };
    });
    writeHeader(
      sheet,
      columns.map((c) => c.header),
    );
    return sheet;
  };

  return {
    async writePage(page) {
      if (finished) throw new RosterError('INTERNAL', 'XLSX export: writePage after finish');
      contacts ??= startContacts(page);
      for (const contact of page) {
        contacts.addRow(columns.map((column) => cellValue(column, contact))).commit();
      }
      rows += page.length;
      await sheetDrained(contacts);
      await output.settled();
    },

    async finish() {
      if (finished) throw new RosterError('INTERNAL', 'XLSX export: finish called twice');
      finished = true;
      const sheet = contacts ?? startContacts([]);
      const lastRow = rows + 1;
      if (columns.length > 0) {
        sheet.autoFilter = `A1:${columnLetter(columns.length)}${lastRow}`;
      }
      if (rows > 0) addValidations(sheet, layout, lastRow);
      sheet.commit();
      writeCustomFields(workbook, layout);
      writeSegments(workbook, layout);
      await workbook.commit();
      return { bytes: output.bytes() };
    },
  };
}

/** The cell of one column for one contact: typed for Excel, text guarded. */
function cellValue(column: ExportColumn, contact: ExportContact): Cell {
  switch (column.kind) {
    case 'consent': {
      const channel = column.key.startsWith('sms') ? 'sms' : 'email';
      const status = contact.consent[channel].status;
      return status === 'opted_in' ? true : status === 'opted_out' ? false : null;
    }
    case 'segments':
      return text(contact.segments.join(LIST_SEPARATOR));
    case 'custom':
      return typed(column, contact.custom[column.key] ?? null);
    case 'field':
      return typed(column, contact.fields[column.key] ?? null);
  }
}

function typed(column: ExportColumn, value: FieldValue): Cell {
  if (value === null) return null;
  if (Array.isArray(value)) return text(value.join(LIST_SEPARATOR));
  switch (column.type) {
    case 'number':
    case 'integer':
      if (typeof value === 'number') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'date':
      if (typeof value === 'string') {
        const m = DATE_ONLY.exec(value);
        if (m) return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      }
      break;
    case 'timestamp':
      if (typeof value === 'string') {
        const ms = Date.parse(value);
        if (!Number.isNaN(ms)) return new Date(ms);
      }
      break;
    default:
      break;
  }
  // Text columns, and a value that does not fit its column's type: kept as text, never lost.
  return text(String(value));
}

function text(value: string): string | null {
  return value === '' ? null : guardFormula(value);
}

function cellFormat(column: ExportColumn): string | null {
  if (column.kind !== 'field' && column.kind !== 'custom') return null;
  return column.type === 'date'
    ? DATE_FORMAT
    : column.type === 'timestamp'
      ? TIMESTAMP_FORMAT
      : null;
}

function columnWidth(column: ExportColumn, sample: readonly ExportContact[]): number {
  let width = Math.max(column.header.length, FORMAT_WIDTHS[column.type] ?? 0);
  for (const contact of sample) {
    const value = cellValue(column, contact);
    if (typeof value === 'string') width = Math.max(width, value.length);
    else if (typeof value === 'number') width = Math.max(width, String(value).length);
  }
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width + 2));
}

function writeHeader(sheet: ExcelJS.Worksheet, headers: readonly string[]): void {
  const row = sheet.addRow(headers.map((h) => text(h)));
  row.eachCell((cell) => {
    cell.font = HEADER_FONT;
    cell.fill = HEADER_FILL;
  });
  row.commit();
}

/** List validations on the select columns, over the written rows. */
function addValidations(sheet: ExcelJS.Worksheet, layout: ExportLayout, lastRow: number): void {
  layout.columns.forEach((column, i) => {
    // A multi-select cell holds several options joined: a list validation would reject it.
    if (!column.options || column.options.length === 0 || column.type === 'list') return;
    const formula = listFormula(column, layout);
    if (!formula) return;
    const letter = columnLetter(i + 1);
    (sheet as unknown as WithDataValidations).dataValidations.add(
      `${letter}2:${letter}${lastRow}`,
      {
        type: 'list',
        allowBlank: true,
        formulae: [formula],
        showErrorMessage: true,
        errorStyle: 'warning',
        errorTitle: column.header,
        error: `Choose one of the options of ${column.header}`,
      },
    );
  });
}

function listFormula(column: ExportColumn, layout: ExportLayout): string | null {
  const options = column.options ?? [];
  const inline = `"${options.join(',')}"`;
  if (inline.length <= INLINE_LIST_MAX && options.every((o) => !/[,"]/.test(o))) return inline;
  // Too long or awkward to inline: point at the options in the Custom Fields sheet.
  const index = layout.customFields.findIndex((d) => d.key === column.key);
  if (column.kind !== 'custom' || index < 0) return null;
  const row = index + 2;
  const from = columnLetter(OPTIONS_COLUMN);
  const to = columnLetter(OPTIONS_COLUMN + options.length - 1);
  return `'${CUSTOM_FIELDS_SHEET}'!$${from}$${row}:$${to}$${row}`;
}

function writeCustomFields(workbook: ExcelJS.stream.xlsx.WorkbookWriter, layout: ExportLayout) {
  const widest = Math.max(0, ...layout.customFields.map((d) => d.options?.length ?? 0));
  const sheet = smallSheet(workbook, CUSTOM_FIELDS_SHEET, [
    ...CUSTOM_FIELD_HEADERS.map((h) => [h, h === 'label' ? 30 : 14] as const),
    ...Array.from(
      { length: Math.max(1, widest) },
      (_, i) => [i === 0 ? 'options' : '', 16] as const,
    ),
  ]);
  for (const def of layout.customFields) {
    const row = sheet.addRow([
      text(def.key),
      text(def.label),
      def.type,
      def.required ?? false,
      def.min ?? null,
      def.max ?? null,
      def.maxLength ?? null,
      ...(def.options ?? []).map((o) => text(o)),
    ]);
    row.commit();
  }
  sheet.commit();
}

function writeSegments(workbook: ExcelJS.stream.xlsx.WorkbookWriter, layout: ExportLayout) {
  const sheet = smallSheet(
    workbook,
    SEGMENTS_SHEET,
    SEGMENT_HEADERS.map((h) => [h, h === 'contacts' ? 12 : 40] as const),
  );
  for (const segment of layout.segments) {
    const row = sheet.addRow([
      text(segment.name),
      segment.description === null ? null : text(segment.description),
      segment.filter === null ? null : text(segment.filter),
      segment.contacts,
    ]);
    row.commit();
  }
  sheet.commit();
}

function smallSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: readonly (readonly [string, number])[],
): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  sheet.columns = columns.map(([, width], i) => ({ key: `c${i}`, width }));
  writeHeader(
    sheet,
    columns.map(([header]) => header),
  );
  return sheet;
}

/** What `sheetDrained` needs of exceljs' internals (checked at run time, not trusted). */
interface StreamInternals {
  stream?: { pipes?: unknown[] };
}
interface PendingWrites {
  _writableState: { needDrain: boolean };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Waits until the zip has taken in what the sheet wrote so far. exceljs' sheet stream hands its
 * bytes to the zip entry without heeding backpressure, so a producer faster than deflate would
 * pile every row up in memory (measured: +53 MB over 180,000 rows). Waiting for the entry's
 * `drain` keeps at most a few buffers in flight. If a later exceljs changes these internals,
 * this waits for nothing and exports still work.
 */
async function sheetDrained(sheet: ExcelJS.Worksheet): Promise<void> {
  const pipes = (sheet as unknown as StreamInternals).stream?.pipes ?? [];
  for (const pipe of pipes) {
    if (!isPendingWrites(pipe)) continue;
    while (pipe._writableState.needDrain) {
      await new Promise<void>((resolve) => pipe.once('drain', () => resolve()));
    }
  }
}

function isPendingWrites(value: unknown): value is PendingWrites {
  if (typeof value !== 'object' || value === null || !('_writableState' in value)) return false;
  const state = (value as { _writableState: unknown })._writableState;
  return (
    typeof state === 'object' &&
    state !== null &&
    typeof (state as { needDrain?: unknown }).needDrain === 'boolean' &&
    typeof (value as { once?: unknown }).once === 'function'
  );
}

/** 1 → A, 27 → AA. */
function columnLetter(index: number): string {
  let n = index;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/**
 * The ByteSink as the Writable exceljs pipes its zip into, honouring the sink's backpressure and
 * counting the bytes.
 */
function sinkWritable(sink: ByteSink) {
  let bytes = 0;
  let failure: Error | null = null;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.byteLength;
      if (sink.write(chunk)) callback();
      else sink.once('drain', () => callback());
    },
    final(callback) {
      sink.end(() => callback());
    },
  });
  stream.on('error', (error) => {
    failure = error;
  });
  return {
    stream,
    bytes: () => bytes,
    /**
     * Resolves once the compressor has had a turn and the sink is not asking to wait, so a fast
     * producer cannot pile pages up in exceljs' buffers.
     */
    async settled(): Promise<void> {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (stream.writableNeedDrain && !failure) {
        await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      }
      if (failure) throw failure;
    },
  };
}
