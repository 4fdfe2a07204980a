/**
 * Opens any supported input file as a table: a header and a stream of data rows.
 *
 * The format's reader (readers.ts) yields every row of the file with its spreadsheet row
 * number. Everything that is the same for all formats happens here, once: finding the header
 * row (below notes, or none at all), naming columns (empty and duplicate names), skipping blank
 * rows, evening out ragged rows and cutting overlong cells. Each of these is reported through
 * `options.onIssue`; nothing is dropped without an issue.
 */
import { RosterError } from '../errors.ts';
import { readHead } from '../model/byte-source.ts';
import type { ByteSource } from '../model/byte-source.ts';
import { issue } from '../model/issue.ts';
import type { IssueSink, RowIssue } from '../model/issue.ts';
import { cellText } from '../model/record.ts';
import type { Cell, RawRecord, RecordBatch } from '../model/record.ts';
import { FORMAT_HEAD_SIZE, detectFormat } from '../sniff/format.ts';
import { HEADER_SCAN_ROWS, detectHeader } from '../sniff/header.ts';
import { READERS } from './readers.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_CELL_CHARS } from './types.ts';
import type { ReadOptions, Table, TableInfo } from './types.ts';

/** Cells per row kept (Excel's own limit); the rest of a wider row is cut and reported. */
export const MAX_COLUMNS = 16_384;
/** Blank rows held back with the first rows while the header is looked for. */
const MAX_HELD_BLANK_ROWS = 10_000;

const NOT_SPACE = /\S/;

function isBlankCell(cell: Cell): boolean {
  return typeof cell === 'string' ? !NOT_SPACE.test(cell) : cell.every((c) => !NOT_SPACE.test(c));
}

function isBlankRow(cells: readonly Cell[]): boolean {
  for (const c of cells) if (!isBlankCell(c)) return false;
  return true;
}

function blankRow(r: RawRecord): RowIssue {
  return issue({
    row: r.rowNumber,
    code: 'blank_row',
    severity: 'info',
    message: 'Blank row skipped',
  });
}

/**
 * Gives issues about a column the column's name as a person sees it. Issues that readers raise
 * before the header is known wait until it is.
 */
class IssueRouter {
  private queue: RowIssue[] | null = [];
  private header: readonly string[] = [];
  private headerRow: number | null = null;

  constructor(private readonly out: IssueSink | undefined) {}

  readonly sink: IssueSink = (i) => {
    if (!this.out) return;
    if (this.queue && i.column === null && i.columnIndex !== undefined) this.queue.push(i);
    else this.out(this.named(i));
  };

  /** The header is known (and may still grow: the same array is read each time). */
  ready(header: readonly string[], headerRow: number | null): void {
    this.header = header;
    this.headerRow = headerRow;
    const queued = this.queue ?? [];
    this.queue = null;
    for (const i of queued) this.sink(i);
  }

  private named(i: RowIssue): RowIssue {
    if (i.column !== null || i.columnIndex === undefined) return i;
    const below = this.headerRow === null || (i.row !== null && i.row > this.headerRow);
    const name = below ? this.header[i.columnIndex - 1] : undefined;
    return { ...i, column: name ?? `Column ${i.columnIndex}` };
  }
}

/** Makes `name` unique among `used` (lower-cased), as "Name (2)", "Name (3)", ... */
function uniqueName(name: string, used: Set<string>): string {
  let out = name;
  for (let n = 2; used.has(out.toLowerCase()); n++) out = `${name} (${n})`;
  used.add(out.toLowerCase());
  return out;
}

/** Column names from the header row: trimmed, empty ones named "Column N", all unique. */
function headerNames(cells: readonly Cell[], row: number, report: IssueSink): string[] {
  const used = new Set<string>();
  const texts = cells.map((c) => cellText(c).trim());
  // Names that are there are kept as they are; made-up ones must not take them.
  const named = texts.map((t, j) => t || `Column ${j + 1}`);
  return named.map((name, j) => {
    if (!texts[j]) {
      report(
        issue({
          row,
          column: name,
          columnIndex: j + 1,
          code: 'empty_header',
          severity: 'info',
          message: `Column ${j + 1} has no name in the header row; it is called "${name}"`,
        }),
      );
    }
    const unique = uniqueName(name, used);
    if (unique !== name) {
      report(
        issue({
          row,
          column: unique,
          columnIndex: j + 1,
          value: texts[j],
          code: 'duplicate_header',
          message: `The header "${name}" appears more than once; this column is called "${unique}"`,
        }),
      );
    }
    return unique;
  });
}

function cutText(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  // Never leave half of a surrogate pair at the end.
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

interface Shaper {
  header: string[];
  /** Width of the header row (or of the first rows of a headerless file). */
  baseWidth: number;
  maxCellChars: number;
  report: IssueSink;
}

/**
 * Shapes one data row in place: long cells cut, short rows padded, long rows kept whole with
 * new "Column N" names in the header. Returns false for a blank row (reported, to be skipped).
 */
function shapeRow(r: RawRecord, s: Shaper): boolean {
  const { header, maxCellChars, report } = s;
  const cells = r.cells;
  if (isBlankRow(cells)) {
    report(blankRow(r));
    return false;
  }
  if (cells.length > MAX_COLUMNS) {
    report(
      issue({
        row: r.rowNumber,
        code: 'too_many_columns',
        message: `Row has ${cells.length} cells; only the first ${MAX_COLUMNS} are read`,
      }),
    );
    cells.length = MAX_COLUMNS;
  }
  for (let j = 0; j < cells.length; j++) {
    const c = cells[j]!;
    const long =
      typeof c === 'string' ? c.length > maxCellChars : c.some((x) => x.length > maxCellChars);
    if (!long) continue;
    cells[j] =
      typeof c === 'string' ? cutText(c, maxCellChars) : c.map((x) => cutText(x, maxCellChars));
    report(
      issue({
        row: r.rowNumber,
        columnIndex: j + 1,
        value: typeof c === 'string' ? c : c.join(', '),
        code: 'cell_too_large',
        // Readers may have shortened a huge cell already, so its true length is not known here.
        message: `Cell is longer than ${maxCellChars.toLocaleString('en-US')} characters; only the first ${maxCellChars.toLocaleString('en-US')} are kept`,
      }),
    );
  }

  const n = cells.length;
  if (n < s.baseWidth) {
    report(
      issue({
        row: r.rowNumber,
        code: 'row_too_short',
        message: `Row has ${n} cells, the header has ${s.baseWidth}; the missing cells are empty`,
      }),
    );
  }
  if (n > s.baseWidth) {
    let last = n - 1;
    while (last >= s.baseWidth && isBlankCell(cells[last]!)) last--;
    // Empty cells past the header (trailing delimiters) hold nothing to keep.
    cells.length = last + 1 > s.baseWidth ? last + 1 : s.baseWidth;
    if (last >= s.baseWidth) {
      if (last >= header.length) {
        const used = new Set(header.map((h) => h.toLowerCase()));
        for (let j = header.length; j <= last; j++)
          header.push(uniqueName(`Column ${j + 1}`, used));
      }
      const from = s.baseWidth;
      report(
        issue({
          row: r.rowNumber,
          value: cells.slice(from).map(cellText).filter(Boolean).join(', '),
          code: 'row_too_long',
          message: `Row has ${n} cells, the header has ${from}; the extra cells are kept as ${
            last === from ? `"${header[from]}"` : `"${header[from]}" to "${header[last]}"`
          }`,
        }),
      );
    }
  }
  while (cells.length < header.length) cells.push('');
  return true;
}

function checkOptions(options: ReadOptions): void {
  const positive = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      throw new RosterError('OPTION_INVALID', `${name} must be a positive whole number, got ${v}`, {
        [name]: v,
      });
    }
  };
  positive('maxCellChars', options.maxCellChars);
  positive('batchSize', options.batchSize);
  if (options.format !== undefined && !Object.hasOwn(READERS, options.format)) {
    throw new RosterError('OPTION_INVALID', `Unknown format "${String(options.format)}"`, {
      format: options.format,
    });
  }
}

/**
 * Opens a file as a table: detects the format (or takes `options.format`), lets the format's
 * reader sniff it (encoding, delimiter, sheet), finds the header row among the first rows
 * (unless `hasHeader` is given) and returns the header with a stream of data rows in batches.
 *
 * Issues (`options.onIssue`): `blank_row`, `row_above_header`, `empty_header`,
 * `duplicate_header`, `row_too_short`, `row_too_long`, `cell_too_large`, `too_many_columns`,
 * plus the reader's own (`invalid_encoding`, `stray_quote`, ...). The header array grows when a
 * later row is longer than it (its extra cells are kept as "Column N"). Throws FILE_EMPTY when
 * the file has no rows, and the readers' codes for broken files.
 *
 * @example
 * const table = await openTable(bytesSource('a.csv', Buffer.from('Email\nann@example.com\n')));
 * table.header; // ['Email']
 * for await (const batch of table.records) for (const r of batch) console.log(r.rowNumber, r.cells);
 */
export async function openTable(source: ByteSource, options: ReadOptions = {}): Promise<Table> {
  checkOptions(options);
  const head = await readHead(source, FORMAT_HEAD_SIZE);
  if (head.byteLength === 0) throw new RosterError('FILE_EMPTY', `${source.name} is empty`);
  const format = options.format ?? detectFormat(head, source.name);
  const reader = await READERS[format]();
  const sniffed = await reader.sniff(source, options);
  const info: TableInfo = {
    encoding: null,
    encodingConfidence: null,
    bom: false,
    delimiter: null,
    sheet: null,
    sheets: [],
    ...sniffed,
    format,
    hasHeader: false,
    headerRow: null,
  };

  const router = new IssueRouter(options.onIssue);
  const report = router.sink;
  const doubt = encodingDoubt(info);
  if (doubt) report(doubt);
  const readerOptions: ReadOptions = {
    ...options,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    onIssue: report,
  };
  const rows = reader.rows(source, info, readerOptions)[Symbol.asyncIterator]();

  // Hold the first rows back to find the header; blank ones stay in place so that issues come
  // out in row order (past MAX_HELD_BLANK_ROWS they are reported at once instead).
  const held: RawRecord[] = [];
  const filled: number[] = []; // indexes into held of the non-blank rows
  try {
    while (filled.length < HEADER_SCAN_ROWS) {
      const next = await rows.next();
      if (next.done) break;
      for (const r of next.value) {
        if (!isBlankRow(r.cells)) filled.push(held.length);
        else if (held.length - filled.length >= MAX_HELD_BLANK_ROWS) {
          report(blankRow(r));
          continue;
        }
        held.push(r);
      }
    }
    if (filled.length === 0) throw new RosterError('FILE_EMPTY', `${source.name} has no rows`);
  } catch (err) {
    await rows.return?.();
    throw err;
  }

  const found =
    options.hasHeader === true
      ? 0
      : options.hasHeader === false
        ? -1
        : detectHeader(filled.slice(0, HEADER_SCAN_ROWS).map((i) => held[i]!.cells.map(cellText)))
            .index;
  const index = found >= 0 ? filled[found]! : -1;

  let header: string[];
  if (index >= 0) {
    const headerRecord = held[index]!;
    for (const above of held.slice(0, index)) {
      report(
        isBlankRow(above.cells)
          ? blankRow(above)
          : issue({
              row: above.rowNumber,
              value: above.cells.map(cellText).filter(Boolean).join(' '),
              code: 'row_above_header',
              severity: 'info',
              message: `Row above the header row (row ${headerRecord.rowNumber}), not imported`,
            }),
      );
    }
    header = headerNames(headerRecord.cells.slice(0, MAX_COLUMNS), headerRecord.rowNumber, report);
    info.hasHeader = true;
    info.headerRow = headerRecord.rowNumber;
  } else {
    const width = Math.min(MAX_COLUMNS, Math.max(...held.map((r) => r.cells.length)));
    header = Array.from({ length: width }, (_, j) => `Column ${j + 1}`);
  }
  // Make room for the widest of the held rows now, so that the header handed out already has
  // it (rows further down the file may still add columns; each such row is reported).
  const data = held.slice(index + 1);
  const baseWidth = header.length;
  const used = new Set(header.map((h) => h.toLowerCase()));
  for (const r of data) {
    let last = Math.min(r.cells.length, MAX_COLUMNS) - 1;
    while (last >= header.length && isBlankCell(r.cells[last]!)) last--;
    for (let j = header.length; j <= last; j++) header.push(uniqueName(`Column ${j + 1}`, used));
  }
  router.ready(header, info.headerRow);

  const shaper: Shaper = {
    header,
    baseWidth,
    maxCellChars: options.maxCellChars ?? DEFAULT_MAX_CELL_CHARS,
    report,
  };
  return { info, header, records: dataBatches(data, rows, shaper) };
}

async function* dataBatches(
  first: RawRecord[],
  rest: AsyncIterator<RecordBatch>,
  shaper: Shaper,
): AsyncGenerator<RecordBatch> {
  try {
    const shape = (batch: RecordBatch): RecordBatch => batch.filter((r) => shapeRow(r, shaper));
    if (first.length > 0) {
      const out = shape(first);
      if (out.length > 0) yield out;
    }
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      const out = shape(next.value);
      if (out.length > 0) yield out;
    }
  } finally {
    await rest.return?.();
  }
}

/** Below this, an encoding guess for an 8-bit code page is said out loud. */
const SURE_ENOUGH = 0.5;

/**
 * chardet often puts Windows-1252 first, with little confidence, for text that is really
 * Central European or Cyrillic, because emails and digits dominate contact files. A wrong guess
 * would change every accented name, so a weak guess is reported instead of being taken silently.
 */
function encodingDoubt(info: TableInfo): RowIssue | null {
  if (info.encoding === null || info.encodingConfidence === null) return null;
  if (info.encodingConfidence >= SURE_ENOUGH || info.encoding.startsWith('utf')) return null;
  const pct = Math.round(info.encodingConfidence * 100);
  return issue({
    code: 'encoding_uncertain',
    severity: 'warning',
    value: info.encoding,
    message:
      `The text encoding was guessed as ${info.encoding}, only ${pct}% sure. If accented names ` +
      'look wrong in the samples, give the encoding the file was saved in (for example ' +
      '--encoding windows-1250 for Central European, windows-1251 for Cyrillic, iso-8859-2)',
  });
}
