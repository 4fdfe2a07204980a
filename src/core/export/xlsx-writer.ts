/**
 * The XLSX export: a workbook with the sheets Contacts, Custom Fields and Segments. The
 * SpreadsheetML is written directly, page by page, into a streamed ZIP part (xlsx-zip.ts, zlib):
 * no spreadsheet library sits on the per-cell path, no shared strings table grows with the rows,
 * and at most two pages' XML are in memory whatever the row count (besides the first 2,000
 * rows', held until they have sized the columns).
 */
import type ExcelJS from 'exceljs';
import { RosterError } from '../errors.ts';
import type { FieldValue } from '../model/contact.ts';
import { guardFormula } from '../transform/clean-text.ts';
import type { ByteSink, ExportColumn, ExportContact, ExportLayout, ExportWriter } from './types.ts';
import { ChunkBuilder } from './chunk-builder.ts';
import { escapeCellText } from './xlsx-escape.ts';
import {
  STYLE,
  contentTypesXml,
  rootRelsXml,
  sheetHead,
  sheetPath,
  sheetTail,
  stylesXml,
  workbookRelsXml,
  workbookXml,
  type ListValidation,
  type SheetColumn,
} from './xlsx-parts.ts';
import { createXlsxZip } from './xlsx-zip.ts';

export const CONTACTS_SHEET = 'Contacts';
export const CUSTOM_FIELDS_SHEET = 'Custom Fields';
export const SEGMENTS_SHEET = 'Segments';

/** Joins list values (tags, multi-select, additional phones, segments) in one cell. */
export const LIST_SEPARATOR = '|';

const SHEETS = [CONTACTS_SHEET, CUSTOM_FIELDS_SHEET, SEGMENTS_SHEET];
// zlib level of the parts. Measured on 200,000 synthetic contacts x 33 columns, 3 runs each, on a
// loaded 2-core machine (CPU seconds of the whole process less its start-up; file size):
// level 1: 2.4 s, 13.1 MB; level 3: 2.5 s, 12.4 MB; level 6 (zlib's default): 3.3 s, 11.6 MB.
// Level 3 keeps most of level 1's speed for 5% more bytes than level 6.
const COMPRESSION_LEVEL = 3;
/** Contacts whose values size the columns: the first ones written. */
const WIDTH_SAMPLE = 2000;
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
const MS_PER_DAY = 86_400_000;
// Excel's serial of 1970-01-01. Serials below 61 (before 1900-03-01) are off by one in Excel
// (its 1900 leap-year bug) or negative: such dates are written as text instead.
const EPOCH_SERIAL = 25_569;
const FIRST_SERIAL = 61;
const LAST_SERIAL = 2_958_465; // 9999-12-31

/**
 * A cell before serialisation. In date and timestamp columns a number is the Excel serial; text
 * is already guarded, not yet escaped; null is no cell at all.
 */
type Cell = string | number | boolean | null;

/** Worksheets have `dataValidations` in exceljs 4.4 (the reader tests use), but its typings leave
 *  the property out. */
export interface WithDataValidations {
  dataValidations: {
    add(address: string, validation: ExcelJS.DataValidation): void;
    find(address: string): ExcelJS.DataValidation | undefined;
  };
}

/**
 * Creates the XLSX writer for one export. Text cells are inline string cells (never formulas)
 * and also carry Roster's formula guard, so a value copied out of Excel stays inert; Roster's
 * importer removes exactly that guard again.
 *
 * @example
 * const writer = createXlsxWriter(createWriteStream('contacts.xlsx'), layout);
 * for await (const page of pages) await writer.writePage(page);
 * const { bytes } = await writer.finish();
 */
export function createXlsxWriter(
  sink: ByteSink,
  layout: ExportLayout,
  options: { compressionLevel?: number } = {},
): ExportWriter {
  const zip = createXlsxZip(sink, options.compressionLevel ?? COMPRESSION_LEVEL);
  zip.addPart('[Content_Types].xml', contentTypesXml(SHEETS.length));
  zip.addPart('_rels/.rels', rootRelsXml());
  zip.addPart('xl/_rels/workbook.xml.rels', workbookRelsXml(SHEETS.length));
  zip.addPart('xl/styles.xml', stylesXml());
  const contacts = zip.streamPart(sheetPath(1));
  const columns = layout.columns;
  const letters = columns.map((_, i) => columnLetter(i + 1));
  // ` s="1"` on the numbers of date and timestamp columns: their serials.
  const numberStyles = columns.map((c) => {
    const style = columnStyle(c);
    return style === STYLE.default ? '' : ` s="${style}"`;
  });
  const chunk = new ChunkBuilder();
  let started = false;
  let rows = 0;
  let finished = false;
  // Widths go before the rows in the sheet and come from the first WIDTH_SAMPLE contacts: until
  // then rows are rendered as they come and their bytes held back. Not the contacts: holding
  // 2,000 of them alive made V8 allocate every later contact straight into the old generation
  // (allocation-site pretenuring): 200k contacts, 203 MB promoted instead of 32, CPU 5.5 -> 3.0 s.
  const widths = columns.map((c) => Math.max(c.header.length, FORMAT_WIDTHS[c.type] ?? 0));
  const dated = columns.map((c) => columnStyle(c) !== STYLE.default);
  let sampled = 0;
  const held: Buffer[] = [];

  const start = async (): Promise<void> => {
    started = true;
    const head = sheetHead(
      columns.map((column, i) => ({
        width: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widths[i]! + 2)),
        style: columnStyle(column),
      })),
    );
    await contacts.write(
      head +
        headerRowXml(
          columns.map((c) => c.header),
          letters,
        ),
    );
    for (const bytes of held.splice(0)) await contacts.write(bytes);
  };

  /** A page's rows as XML bytes; the first WIDTH_SAMPLE contacts also size the columns. */
  const renderRows = (page: readonly ExportContact[]): Buffer => {
    for (const contact of page) {
      const r = rows + 2;
      rows += 1;
      const sample = sampled < WIDTH_SAMPLE;
      if (sample) sampled += 1;
      let xml = `<row r="${r}">`;
      for (let i = 0; i < columns.length; i++) {
        const value = cellValue(columns[i]!, contact);
        if (sample) widths[i] = sampleWidth(widths[i]!, value, dated[i]!);
        if (value !== null) xml += cellXml(letters[i]! + r, value, numberStyles[i]!);
      }
      // Row by row into bytes: a page-long string would be a deep rope, and flattening it
      // cost more than building it (measured: 37% of the CPU in Buffer.from).
      chunk.append(`${xml}</row>`);
    }
    return chunk.take();
  };

  return {
    async writePage(page) {
      if (finished) throw new RosterError('INTERNAL', 'XLSX export: writePage after finish');
      if (page.length === 0) return;
      const bytes = renderRows(page);
      if (started) {
        // One chunk per page; resolves once the previous page is in the compressor.
        await contacts.write(bytes);
        return;
      }
      held.push(bytes);
      if (sampled >= WIDTH_SAMPLE) await start();
    },

    async finish() {
      if (finished) throw new RosterError('INTERNAL', 'XLSX export: finish called twice');
      finished = true;
      if (!started) await start();
      const lastRow = rows + 1;
      const last = letters[letters.length - 1];
      await contacts.write(
        sheetTail({
          ...(last ? { autoFilter: `A1:${last}${lastRow}` } : {}),
          validations: rows > 0 ? validations(layout, lastRow) : [],
        }),
      );
      await contacts.end();
      zip.addPart(sheetPath(2), customFieldsSheet(layout));
      zip.addPart(sheetPath(3), segmentsSheet(layout));
      zip.addPart(
        'xl/workbook.xml',
        workbookXml(SHEETS, last ? [{ sheet: 0, range: `$A$1:$${last}$${lastRow}` }] : []),
      );
      return zip.finish();
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
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'date':
      if (typeof value === 'string') {
        const serial = dateSerial(value);
        if (serial !== null) return serial;
      }
      break;
    case 'timestamp':
      if (typeof value === 'string') {
        const serial = timestampSerial(value);
        if (serial !== null) return serial;
      }
      break;
    default:
      break;
  }
  // Text columns, and a value that does not fit its column's type (or Excel's date range):
  // kept as text, never lost.
  return text(String(value));
}

function text(value: string): string | null {
  return value === '' ? null : guardFormula(value);
}

/** `YYYY-MM-DD` as Excel's day number, or null if it is no real date or out of Excel's range. */
function dateSerial(value: string): number | null {
  const m = DATE_ONLY.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2023-02-30 over into March: such a value stays text.
  if (month < 1 || month > 12 || day < 1 || new Date(ms).getUTCDate() !== day) return null;
  return inExcelRange(ms / MS_PER_DAY + EPOCH_SERIAL);
}

/** An ISO timestamp as Excel's day number with the time as its fraction (UTC). */
function timestampSerial(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : inExcelRange(ms / MS_PER_DAY + EPOCH_SERIAL);
}

function inExcelRange(serial: number): number | null {
  return serial >= FIRST_SERIAL && serial < LAST_SERIAL + 1 ? serial : null;
}

/**
 * One `<c>` element; `numberStyle` is the ` s="n"` of a number in this column, `textStyle` that of
 * a text cell (the header's).
 */
function cellXml(
  ref: string,
  value: string | number | boolean,
  numberStyle: string,
  textStyle = '',
): string {
  if (typeof value === 'string') {
    // Excel trims leading and trailing whitespace unless told to keep it.
    const space =
      value.charCodeAt(0) <= 32 || value.charCodeAt(value.length - 1) <= 32
        ? ' xml:space="preserve"'
        : '';
    const escaped = escapeCellText(value);
    // exceljs decodes `_xHHHH_` escapes only inside a rich-text run; Excel and Roster's reader
    // decode them in both forms. Such values are rare: only they pay for the run.
    const body =
      escaped !== value && escaped.includes('_x')
        ? `<r><t${space}>${escaped}</t></r>`
        : `<t${space}>${escaped}</t>`;
    return `<c r="${ref}"${textStyle} t="inlineStr"><is>${body}</is></c>`;
  }
  if (typeof value === 'number') return `<c r="${ref}"${numberStyle}><v>${value}</v></c>`;
  return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
}

/** A row of plain values (the definition sheets): numbers unstyled. */
function valuesRowXml(values: readonly Cell[], row: number): string {
  let xml = `<row r="${row}">`;
  values.forEach((value, i) => {
    if (value !== null) xml += cellXml(columnLetter(i + 1) + row, value, '');
  });
  return `${xml}</row>`;
}

/** Row 1: the headers as bold, filled text cells. */
function headerRowXml(headers: readonly string[], letters?: readonly string[]): string {
  let xml = '<row r="1">';
  headers.forEach((header, i) => {
    const value = text(header);
    if (value === null) return;
    const ref = `${letters?.[i] ?? columnLetter(i + 1)}1`;
    xml += cellXml(ref, value, '', ` s="${STYLE.header}"`);
  });
  return `${xml}</row>`;
}

function columnStyle(column: ExportColumn): number {
  if (column.kind !== 'field' && column.kind !== 'custom') return STYLE.default;
  return column.type === 'date'
    ? STYLE.date
    : column.type === 'timestamp'
      ? STYLE.timestamp
      : STYLE.default;
}

/** A column's width so far, given one more of its cells. */
function sampleWidth(width: number, value: Cell, dated: boolean): number {
  if (typeof value === 'string') return Math.max(width, value.length);
  // A date's serial says nothing about how wide Excel shows it.
  if (typeof value === 'number' && !dated) return Math.max(width, String(value).length);
  return width;
}

/** List validations on the select columns, over the written rows. */
function validations(layout: ExportLayout, lastRow: number): ListValidation[] {
  const out: ListValidation[] = [];
  layout.columns.forEach((column, i) => {
    // A multi-select cell holds several options joined: a list validation would reject it.
    if (!column.options || column.options.length === 0 || column.type === 'list') return;
    const formula = listFormula(column, layout);
    if (!formula) return;
    const letter = columnLetter(i + 1);
    out.push({
      range: `${letter}2:${letter}${lastRow}`,
      formula,
      title: column.header,
      message: `Choose one of the options of ${column.header}`,
    });
  });
  return out;
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

function customFieldsSheet(layout: ExportLayout): string {
  const widest = Math.max(1, ...layout.customFields.map((d) => d.options?.length ?? 0));
  const columns: SheetColumn[] = [
    ...CUSTOM_FIELD_HEADERS.map((h) => ({ width: h === 'label' ? 30 : 14 })),
    ...Array.from({ length: widest }, () => ({ width: 16 })),
  ];
  const headers = [
    ...CUSTOM_FIELD_HEADERS,
    ...Array.from({ length: widest }, (_, i) => (i === 0 ? 'options' : '')),
  ];
  let xml = sheetHead(columns) + headerRowXml(headers);
  layout.customFields.forEach((def, i) => {
    xml += valuesRowXml(
      [
        text(def.key),
        text(def.label),
        def.type,
        def.required ?? false,
        def.min ?? null,
        def.max ?? null,
        def.maxLength ?? null,
        ...(def.options ?? []).map((o) => text(o)),
      ],
      i + 2,
    );
  });
  return xml + sheetTail({});
}

function segmentsSheet(layout: ExportLayout): string {
  const columns = SEGMENT_HEADERS.map((h) => ({ width: h === 'contacts' ? 12 : 40 }));
  let xml = sheetHead(columns) + headerRowXml(SEGMENT_HEADERS);
  layout.segments.forEach((segment, i) => {
    xml += valuesRowXml(
      [
        text(segment.name),
        segment.description === null ? null : text(segment.description),
        segment.filter === null ? null : text(segment.filter),
        segment.contacts,
      ],
      i + 2,
    );
  });
  return xml + sheetTail({});
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
