/**
 * Delimited text (CSV, TSV, semicolon and pipe files): csv-parse does the parsing; this module
 * feeds it and keeps three promises csv-parse alone does not keep.
 *
 * - Memory stays flat with huge cells. A small scanner (`FieldGuard`) runs ahead of the parser
 *   over the same bytes, follows csv-parse's quoting rules, and leaves out the middle of any
 *   field longer than a cap (3 bytes per allowed character), so the parser never accumulates a
 *   50 MB cell. openTable then cuts the cell to `maxCellChars` and reports it.
 * - Broken quoting loses no rows. A quote that opens a field and is never closed (or that runs
 *   over line breaks into a stray quote further on) would swallow the rest of the file into one
 *   cell. The scanner sees it; reading restarts at that row with the quote taken as a literal
 *   character, and the row is reported. After MAX_RESTARTS, further runaway quotes are kept
 *   (merging lines into one row) and reported as `merged_rows`.
 * - Rows keep spreadsheet numbers: one record is one row, even with line breaks in cells; a
 *   `sep=;` first line is skipped and the row after it is row 1, as Excel shows it.
 *
 * Records leave in batches from a synchronous write/read loop on the parser: no async hop per
 * record (see RecordBatch).
 */
import { Buffer } from 'node:buffer';
import { Parser } from 'csv-parse';
import { RosterError } from '../errors.ts';
import { readHead } from '../model/byte-source.ts';
import type { ByteSource } from '../model/byte-source.ts';
import { issue } from '../model/issue.ts';
import type { IssueSink } from '../model/issue.ts';
import type { RawRecord, RecordBatch } from '../model/record.ts';
import { detectDelimiter, detectSepLine } from '../sniff/delimiter.ts';
import {
  chooseEncoding,
  coalesceHead,
  decodeHead,
  decodeToUtf8,
  detectEncoding,
  nonAsciiSample,
} from '../sniff/encoding.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_CELL_CHARS } from './types.ts';
import type { FormatReader, ReadOptions, TableInfo } from './types.ts';

/** Bytes of the head used for sniffing the encoding and the delimiter. */
export const CSV_SNIFF_BYTES = 64 * 1024;
/** How far past an all-ASCII head sniffing looks for the first other bytes. */
export const ENCODING_SCAN_BYTES = 32 * 1024 * 1024;
/** Broken quotes recovered by re-reading; each restart reads the file again up to its row. */
export const MAX_RESTARTS = 50;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

type QuoteCode = 'stray_quote' | 'unclosed_quote' | 'merged_rows';

/** A quoting problem the scanner saw, reported once the parser has produced its row. */
interface QuoteProblem {
  row: number;
  columnIndex: number;
  code: QuoteCode;
  /** Reading restarted with the opening quote taken literally. */
  recovered: boolean;
}

/** Where reading starts again after a broken quote. Offsets count bytes of the UTF-8 text. */
interface Restart {
  /** Start of the record holding the quote. */
  offset: number;
  row: number;
  /** The opening quote, left out and put back as a literal `"` in front of the cell. */
  quoteOffset: number;
  /** 0-based field of the quote. */
  field: number;
  code: QuoteCode;
}

/**
 * Follows csv-parse's quoting (RFC 4180 with relax_quotes, record delimiters CRLF, LF and CR)
 * over the bytes before they reach the parser: counts records, notes stray quotes, asks for a
 * restart on a quote that swallows line breaks, and drops the middle of overlong fields.
 *
 * Dropping never changes what the parser sees around a structural byte (quote, CR, LF, a byte
 * of the delimiter): those are always kept, and so is the byte right after each of them, so
 * quoting and field boundaries parse the same with or without the dropped bytes.
 */
class FieldGuard {
  private state = FIELD_START;
  private offset: number;
  private fieldLen = 0;
  private prevStructural = true;
  /** Fields completed in the current record. */
  private fields = 0;
  /** Records completed in this pass. */
  private records = 0;
  private atBoundary = true;
  private crEnded = false;
  private recordStart: number;
  private quoteStart = -1;
  private quoteHasBreak = false;
  private delimMatched = 0;
  private readonly special = new Uint8Array(256);
  readonly problems: QuoteProblem[] = [];
  restart: Restart | null = null;

  constructor(
    private readonly delim: Uint8Array,
    private readonly cap: number,
    start: number,
    private readonly rowBase: number,
    private dropAt: number,
    private readonly mayRestart: boolean,
  ) {
    this.offset = start;
    this.recordStart = start;
    for (const b of [QUOTE, CR, LF, ...delim]) this.special[b] = 1;
  }

  private get row(): number {
    return this.rowBase + this.records + 1;
  }

  /** Scans a chunk; returns the bytes to parse (the chunk itself when nothing was dropped). */
  push(chunk: Buffer): Buffer {
    // State in locals: this loop runs over every byte of the file.
    let state = this.state;
    let fieldLen = this.fieldLen;
    let prevStructural = this.prevStructural;
    let fields = this.fields;
    let records = this.records;
    let atBoundary = this.atBoundary;
    let crEnded = this.crEnded;
    let recordStart = this.recordStart;
    let quoteStart = this.quoteStart;
    let quoteHasBreak = this.quoteHasBreak;
    let delimMatched = this.delimMatched;
    const { delim, special, cap, offset } = this;
    const d0 = delim[0]!;
    const dLen = delim.byteLength;
    const dropAt = this.dropAt - offset;
    const n = chunk.byteLength;

    const parts: Buffer[] = [];
    let keptFrom = 0;
    const drop = (from: number, to: number): void => {
      if (from > keptFrom) parts.push(chunk.subarray(keptFrom, from));
      keptFrom = to;
    };

    let i = 0;
    while (i < n) {
      if (state === UNQUOTED || state === QUOTED) {
        // A run of plain bytes: only the field length changes.
        let j = i;
        while (j < n && special[chunk[j]!] === 0) j++;
        if (j > i) {
          // Byte k of the run gets length fieldLen + k + 1; it is dropped past the cap, except
          // right after a structural byte.
          const first = Math.max(cap - fieldLen, prevStructural ? 1 : 0);
          if (first < j - i) drop(i + first, j);
          fieldLen += j - i;
          prevStructural = false;
          delimMatched = 0;
          i = j;
          if (i === n) break;
        }
      }
      const b = chunk[i]!;
      if (i === dropAt) {
        // The quote that broke an earlier pass: the parser must not see it.
        if (atBoundary) {
          atBoundary = false;
          crEnded = false;
          recordStart = offset + i;
        }
        drop(i, i + 1);
        prevStructural = true;
        i++;
        continue;
      }
      let next = state;
      if (state === FIELD_START) {
        if (atBoundary) {
          if (crEnded && b === LF) {
            crEnded = false;
            recordStart = offset + i + 1;
            prevStructural = true;
            i++;
            continue; // the LF of a CRLF
          }
          crEnded = false;
          atBoundary = false;
          recordStart = offset + i;
        }
        fieldLen = 0;
        if (b === QUOTE) {
          state = QUOTED;
          quoteStart = offset + i;
          quoteHasBreak = false;
          prevStructural = true;
          i++;
          continue;
        }
        next = UNQUOTED;
      } else if (state === QUOTED) {
        if (b === QUOTE) {
          state = QUOTE_IN_QUOTED;
        } else {
          fieldLen++;
          if (b === CR || b === LF) quoteHasBreak = true;
        }
        prevStructural = true; // every byte that reaches here is special
        i++;
        continue;
      } else if (state === QUOTE_IN_QUOTED) {
        if (b === QUOTE) {
          state = QUOTED; // an escaped quote
          fieldLen++;
          prevStructural = true;
          i++;
          continue;
        }
        if (b !== CR && b !== LF && b !== d0) {
          // A quote in the middle of a quoted field: csv-parse keeps it and the field goes on
          // unquoted. Over a line break that means the opening quote was the stray one.
          const row = this.rowBase + records + 1;
          if (quoteHasBreak && this.mayRestart) {
            this.restart = {
              offset: recordStart,
              row,
              quoteOffset: quoteStart,
              field: fields,
              code: 'stray_quote',
            };
            break;
          }
          this.problems.push({
            row,
            columnIndex: fields + 1,
            code: quoteHasBreak ? 'merged_rows' : 'stray_quote',
            recovered: false,
          });
        }
        next = UNQUOTED;
      }
      // UNQUOTED (or just became so): line breaks end the record, the delimiter the field.
      state = next;
      if (b === CR || b === LF) {
        fields = 0;
        records++;
        state = FIELD_START;
        atBoundary = true;
        crEnded = b === CR;
        delimMatched = 0;
      } else if (b === delim[delimMatched]) {
        if (++delimMatched === dLen) {
          delimMatched = 0;
          fields++;
          state = FIELD_START;
        } else {
          fieldLen++;
        }
      } else {
        delimMatched = b === d0 ? 1 : 0;
        fieldLen++;
      }
      prevStructural = special[b] === 1;
      i++;
    }

    this.state = state;
    this.fieldLen = fieldLen;
    this.prevStructural = prevStructural;
    this.fields = fields;
    this.records = records;
    this.atBoundary = atBoundary;
    this.crEnded = crEnded;
    this.recordStart = recordStart;
    this.quoteStart = quoteStart;
    this.quoteHasBreak = quoteHasBreak;
    this.delimMatched = delimMatched;
    if (dropAt >= 0 && dropAt < i) this.dropAt = -1;
    this.offset = offset + i;
    if (keptFrom === 0) return i === n ? chunk : chunk.subarray(0, i);
    if (keptFrom < i) parts.push(chunk.subarray(keptFrom, i));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** End of the text: a quote still open is an unclosed quote. */
  finish(): void {
    if (this.state !== QUOTED) return;
    if (this.mayRestart) {
      this.restart = {
        offset: this.recordStart,
        row: this.row,
        quoteOffset: this.quoteStart,
        field: this.fields,
        code: 'unclosed_quote',
      };
    } else {
      this.problems.push({
        row: this.row,
        columnIndex: this.fields + 1,
        code: 'unclosed_quote',
        recovered: false,
      });
    }
  }
}

/**
 * Checks a delimiter given by the caller: one character, not a quote or a line break.
 *
 * @example
 * checkDelimiter('\t'); // '\t'
 */
export function checkDelimiter(delimiter: string): string {
  if ([...delimiter].length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new RosterError(
      'OPTION_INVALID',
      `The delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`,
      { delimiter },
    );
  }
  return delimiter;
}

/** Leaves out Excel's `sep=;` first line, which is a hint, not data. */
async function* withoutSepLine(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of coalesceHead(chunks, 16)) {
    if (first) {
      first = false;
      const start = chunk.subarray(0, 16).toString('utf8');
      const sep = detectSepLine(start);
      if (sep) {
        const bytes = Buffer.byteLength(start.slice(0, sep.length));
        if (chunk.byteLength > bytes) yield chunk.subarray(bytes);
        continue;
      }
    }
    yield chunk;
  }
}

async function* skipBytes(chunks: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let left = n;
  for await (const chunk of chunks) {
    if (left >= chunk.byteLength) {
      left -= chunk.byteLength;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

function newParser(delimiter: string): Parser {
  return new Parser({
    delimiter,
    quote: '"',
    escape: '"',
    // All three, so that files mixing line endings (concatenated exports) split everywhere.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    bom: false,
  });
}

const QUOTE_MESSAGES: Record<QuoteCode, [recovered: string, kept: string]> = {
  unclosed_quote: [
    'A quote opens this cell and is never closed; it was read as a literal quote so that the rows after it are not swallowed',
    'A quote opens this cell and is never closed',
  ],
  stray_quote: [
    'A quote opens this cell and the next quote comes only after a line break; the first quote was read as a literal quote so that the rows after it are not swallowed',
    'A quote in the middle of a quoted cell; the cell was read as it stands, quotes included',
  ],
  merged_rows: [
    '',
    'A quote opens this cell and the next quote comes only after a line break; the file has too many broken quotes to recover them all, so the lines in between were read into this cell',
  ],
};

/**
 * Streams the rows of a delimited text file: every row, notes and header included, with its
 * spreadsheet row number, in batches. Issues: `invalid_encoding` per cell with bytes that are
 * not valid in the file's encoding, `stray_quote` and `unclosed_quote` per cell with broken
 * quoting. Throws CSV_MALFORMED when broken quoting cannot be recovered.
 *
 * @example
 * for await (const batch of readCsvRows(src, info, {})) for (const r of batch) console.log(r.rowNumber, r.cells);
 */
export async function* readCsvRows(
  source: ByteSource,
  info: Pick<TableInfo, 'encoding' | 'delimiter'>,
  options: ReadOptions,
): AsyncGenerator<RecordBatch> {
  const encoding = info.encoding ?? 'utf-8';
  const delimiter = checkDelimiter(info.delimiter ?? ',');
  const delimBytes = Buffer.from(delimiter, 'utf8');
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const maxCellChars = options.maxCellChars ?? DEFAULT_MAX_CELL_CHARS;
  const cap = 3 * maxCellChars + 8;
  const onIssue: IssueSink = options.onIssue ?? (() => {});
  let tainted = false;
  let restart: Restart | null = null;
  let restarts = 0;

  for (;;) {
    const start: number = restart?.offset ?? 0;
    const rowBase: number = restart ? restart.row - 1 : 0;
    const guard: FieldGuard = new FieldGuard(
      delimBytes,
      cap,
      start,
      rowBase,
      restart?.quoteOffset ?? -1,
      restarts < MAX_RESTARTS,
    );
    const parser = newParser(delimiter);
    parser.on('error', () => {}); // read from parser.errored, synchronously
    let fix = restart;
    const problems: QuoteProblem[] = restart
      ? [{ row: restart.row, columnIndex: restart.field + 1, code: restart.code, recovered: true }]
      : [];
    let emitted = 0;
    let batch: RawRecord[] = [];
    const ready: RecordBatch[] = [];
    const cellsOf = new Map<number, string[]>();

    const report = (upToRow: number): void => {
      const pending = problems.concat(guard.problems.splice(0));
      problems.length = 0;
      for (const p of pending) {
        if (p.row > upToRow) {
          problems.push(p);
          continue;
        }
        const value = cellsOf.get(p.row)?.[p.columnIndex - 1] ?? null;
        onIssue(
          issue({
            row: p.row,
            columnIndex: p.columnIndex,
            value,
            code: p.code,
            severity: p.recovered || p.code === 'merged_rows' ? 'warning' : 'info',
            message: QUOTE_MESSAGES[p.code][p.recovered ? 0 : 1],
          }),
        );
      }
      cellsOf.clear();
    };

    const drain = (limitRow: number): void => {
      // Quote problems are reported with their cell's value, so keep those rows' cells for a while.
      const wanted = new Set<number>();
      for (const p of problems) wanted.add(p.row);
      for (const p of guard.problems) wanted.add(p.row);
      let cells: string[] | null;
      while ((cells = parser.read() as string[] | null) !== null) {
        const row = rowBase + ++emitted;
        if (row >= limitRow) continue; // the row a restart reads again
        if (fix) {
          cells[fix.field] = `"${cells[fix.field] ?? ''}`;
          fix = null;
        }
        if (tainted) reportInvalid(cells, row);
        if (wanted.has(row)) cellsOf.set(row, cells);
        batch.push({ rowNumber: row, cells });
        if (batch.length >= batchSize) {
          ready.push(batch);
          batch = [];
        }
      }
    };

    const reportInvalid = (cells: string[], row: number): void => {
      for (let j = 0; j < cells.length; j++) {
        const at = cells[j]!.indexOf('\uFFFD');
        // Past maxCellChars the cell is cut anyway (and may end in a character cut by the guard).
        if (at >= 0 && at < maxCellChars) {
          onIssue(
            issue({
              row,
              columnIndex: j + 1,
              value: cells[j],
              code: 'invalid_encoding',
              message:
                encoding === 'utf-8'
                  ? 'Bytes that are not valid UTF-8 were replaced by \uFFFD; if the file was saved in another encoding (such as Windows-1252), give that encoding'
                  : `Bytes that are not valid ${encoding} were replaced by \uFFFD`,
            }),
          );
        }
      }
    };

    const failIfErrored = (): void => {
      const err = parser.errored;
      if (err) {
        throw new RosterError(
          'CSV_MALFORMED',
          `The file cannot be read as delimited text: ${err.message}`,
          {
            row: rowBase + emitted + 1,
          },
          { cause: err },
        );
      }
    };

    const text = skipBytes(
      withoutSepLine(decodeToUtf8(source.stream(), encoding, () => (tainted = true))),
      start,
    );
    let next: Restart | null = null;
    for await (const chunk of text) {
      const out = guard.push(chunk);
      if (out.byteLength > 0) parser.write(out);
      if (guard.restart) {
        next = guard.restart;
        break;
      }
      drain(Infinity);
      failIfErrored();
      report(rowBase + emitted);
      for (const b of ready.splice(0)) yield b;
    }
    if (!next) {
      guard.finish();
      next = guard.restart;
    }
    parser.end();
    drain(next ? next.row : Infinity);
    if (!next) failIfErrored();
    report(next ? next.row - 1 : Infinity);
    if (batch.length > 0) ready.push(batch);
    for (const b of ready.splice(0)) yield b;
    if (!next) return;
    restart = next;
    restarts++;
  }
}

/**
 * The reader for delimited text. `sniff` reads the first 64 KB: encoding (or the forced one,
 * checked), BOM, delimiter (or the forced one, checked, or the `sep=` line).
 *
 * @example
 * const info = await csvReader.sniff(bytesSource('a.csv', Buffer.from('a;b\n1;2\n')), {});
 * info.delimiter; // ';'
 */
export const csvReader: FormatReader = {
  async sniff(source: ByteSource, options: ReadOptions): Promise<Partial<TableInfo>> {
    const head = await readHead(source, CSV_SNIFF_BYTES);
    const complete = head.byteLength < CSV_SNIFF_BYTES || source.size === head.byteLength;
    let guess = chooseEncoding(head, options.encoding, complete);
    if (options.encoding === undefined && guess.encoding === 'utf-8' && guess.confidence < 1) {
      // The head is plain ASCII: the first other bytes further down decide.
      const sample = await nonAsciiSample(source.stream(), ENCODING_SCAN_BYTES);
      if (sample) guess = { ...detectEncoding(sample), bomLength: guess.bomLength };
    }
    const delimiter =
      options.delimiter !== undefined
        ? checkDelimiter(options.delimiter)
        : detectDelimiter(decodeHead(head, guess), complete).delimiter;
    return {
      format: 'csv',
      encoding: guess.encoding,
      encodingConfidence: guess.confidence,
      bom: guess.bomLength > 0,
      delimiter,
      sheet: null,
      sheets: [],
    };
  },
  rows(source: ByteSource, info: TableInfo, options: ReadOptions): AsyncIterable<RecordBatch> {
    return readCsvRows(source, info, options);
  },
};
