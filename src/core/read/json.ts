import { Buffer, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import Parser from 'stream-json/Parser.js';
import Verifier from 'stream-json/utils/Verifier.js';
import { RosterError } from '../errors.ts';
import { readHead } from '../model/byte-source.ts';
import type { ByteSource } from '../model/byte-source.ts';
import { issue } from '../model/issue.ts';
import type { IssueSink, RowIssue } from '../model/issue.ts';
import type { Cell, RawRecord, RecordBatch } from '../model/record.ts';
import { chooseEncoding, decodeToUtf8 } from '../sniff/encoding.ts';
import {
  JsonBuilder,
  JsonDepthError,
  JsonSyntaxError,
  MAX_JSON_DEPTH,
  columnPaths,
  flattenObject,
  parseJsonText,
} from './json-value.ts';
import type { FlattenNotes, JsonObject, JsonToken, JsonValue } from './json-value.ts';
import { DEFAULT_BATCH_SIZE } from './types.ts';
import type { FormatReader, ReadOptions, TableInfo } from './types.ts';

/**
 * The JSON readers: an array of contact objects (`json`, streamed with stream-json, also inside
 * a `{"contacts": [...]}` or `{"data": [...]}` wrapper), or one object per line (`ndjson`).
 *
 * Objects become rows. Their keys are the columns: nested objects are flattened with dot paths
 * (`customFields.industry`, `consent.email.status`), lists of plain values stay lists (a `tags`
 * cell is a string[]), lists of objects become JSON text (reported), null becomes ''. Numbers keep
 * the digits they were written with.
 *
 * Objects need not share their keys, so each read makes two streaming passes: the first
 * collects the union of keys in first-seen order, the second yields a header row made of them
 * and one row per object. Rows are numbered as if the file were a spreadsheet with that header:
 * the header is row 1 and object n is row n + 1 (for NDJSON, the object on line n is row n + 1,
 * and messages name the line). Memory holds the keys and one batch, never the whole array.
 */

/** Keys of a wrapper object whose array holds the contacts (compared without case). */
const WRAPPER_KEYS = new Set([
  'contacts',
  'data',
  'items',
  'records',
  'results',
  'rows',
  'people',
  'members',
  'subscribers',
  'users',
  'leads',
  'customers',
]);

/** Columns a JSON file may produce (Excel's limit, as for the other readers). */
const MAX_JSON_COLUMNS = 16_384;
/** Longest NDJSON line read; longer lines are reported and skipped. */
export const MAX_NDJSON_LINE_BYTES = 64 * 1024 ** 2;
const HEAD_BYTES = 64 * 1024;

interface Element {
  /** Position in the array (1-based), or the NDJSON line number. */
  index: number;
  value: JsonValue;
}

/** Reads and decodes the source into UTF-8 chunks (BOM removed, UTF-16 and code pages converted). */
async function utf8Stream(
  source: ByteSource,
  info: Pick<TableInfo, 'encoding'> | null,
  options: ReadOptions,
  onInvalid: () => void,
): Promise<{ encoding: string; chunks: AsyncIterable<Buffer> }> {
  let encoding = info?.encoding ?? null;
  if (encoding === null) {
    const head = await readHead(source, HEAD_BYTES);
    encoding = chooseEncoding(head, options.encoding, head.byteLength < HEAD_BYTES).encoding;
  }
  return { encoding, chunks: decodeToUtf8(source.stream(), encoding, onInvalid) };
}

/** A syntax error found by stream-json's parser (as opposed to a failure to read the source). */
class ParseFailure extends Error {}

/** stream-json tokens, in one array per input chunk (one async step per chunk, not per token). */
async function* tokenBatches(chunks: AsyncIterable<Buffer>): AsyncGenerator<JsonToken[]> {
  const parser = new Parser({ packValues: true, streamValues: false });
  let tokens: JsonToken[] = [];
  let failure: Error | null = null;
  parser.on('data', (t: JsonToken) => tokens.push(t));
  parser.on('error', (err: Error) => (failure ??= new ParseFailure(err.message, { cause: err })));
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', () => resolve());
  });
  try {
    for await (const chunk of chunks) {
      await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
      if (failure) throw failure;
      if (tokens.length > 0) {
        const out = tokens;
        tokens = [];
        yield out;
      }
    }
    parser.end();
    await ended;
    if (failure) throw failure;
    if (tokens.length > 0) yield tokens;
  } finally {
    parser.destroy();
  }
}

/** Where stream-json's verifier says the text stops being JSON. */
async function malformedAt(
  chunks: AsyncIterable<Buffer>,
): Promise<{ line: number; column: number } | null> {
  const verifier = new Verifier();
  const result = new Promise<{ line: number; column: number } | null>((resolve) => {
    verifier.on('error', (err: Error & { line?: number; pos?: number }) =>
      resolve(err.line !== undefined ? { line: err.line, column: err.pos ?? 0 } : null),
    );
    verifier.on('finish', () => resolve(null));
  });
  try {
    for await (const chunk of chunks) {
      if (verifier.destroyed || verifier.errored) break;
      if (!verifier.write(chunk))
        await Promise.race([result, new Promise((r) => verifier.once('drain', r))]);
    }
    verifier.end();
  } catch {
    // the first error is what we are after
  }
  return result;
}

function shapeError(message: string, details: Record<string, unknown> = {}): RosterError {
  return new RosterError('JSON_SHAPE', message, details);
}

const EXPECTED_SHAPE =
  'Roster expects an array of contact objects ([{"email": ...}, ...]), an object holding one ({"contacts": [...]}), or one object per line (NDJSON)';

/**
 * The elements of the top-level array, or of the array under a wrapper key, in batches as they
 * are parsed. Throws JSON_SHAPE when the file holds something else, JSON_MALFORMED (with line
 * and column) on a syntax error.
 */
async function* arrayElements(
  source: ByteSource,
  info: Pick<TableInfo, 'encoding'> | null,
  options: ReadOptions,
  onInvalid: () => void,
  onDuplicateKey: (index: number, key: string) => void,
): AsyncGenerator<Element[]> {
  type Phase = 'start' | 'key' | 'value' | 'skip' | 'elements' | 'rest';
  let phase: Phase = 'start';
  let skipDepth = 0;
  let key = '';
  const keys: string[] = [];
  let builder: JsonBuilder | null = null;
  let index = 0;
  // Inside a wrapper object: the list being read, and the lists seen so far. A wrapper may hold
  // empty lists before the real one; two lists with contacts are refused rather than half read.
  let wrapperList: string | null = null;
  let sawList = false;
  let filledList: string | null = null;

  const { encoding, chunks } = await utf8Stream(source, info, options, onInvalid);
  try {
    for await (const tokens of tokenBatches(chunks)) {
      const out: Element[] = [];
      for (const t of tokens) {
        switch (phase) {
          case 'start':
            if (t.name === 'startArray') phase = 'elements';
            else if (t.name === 'startObject') phase = 'key';
            else if (t.name.endsWith('Value')) {
              throw shapeError(
                `The JSON file holds a single value, not a list of contacts. ${EXPECTED_SHAPE}`,
              );
            }
            break;
          case 'key':
            if (t.name === 'keyValue') {
              key = t.value as string;
              if (keys.length < 10) keys.push(key);
              phase = 'value';
            } else if (t.name === 'endObject' && sawList) {
              phase = 'rest';
            } else if (t.name === 'endObject') {
              throw shapeError(
                `The JSON file is one object (keys: ${keys.join(', ') || 'none'}) with no "contacts" or "data" list in it. ${EXPECTED_SHAPE}`,
                { keys },
              );
            }
            break;
          case 'value':
            if (t.name === 'startArray' && WRAPPER_KEYS.has(key.toLowerCase())) {
              if (filledList !== null) {
                throw shapeError(
                  `The JSON object holds more than one contact list ("${filledList}" and "${key}"); Roster reads one list per file, so split them into two files`,
                  { keys },
                );
              }
              wrapperList = key;
              sawList = true;
              phase = 'elements';
            } else if (t.name === 'startObject' || t.name === 'startArray') {
              skipDepth = 1;
              phase = 'skip';
            } else if (t.name.endsWith('Value')) {
              phase = 'key';
            }
            break;
          case 'skip':
            if (t.name === 'startObject' || t.name === 'startArray') skipDepth++;
            else if (t.name === 'endObject' || t.name === 'endArray') skipDepth--;
            if (skipDepth === 0) phase = 'key';
            break;
          case 'elements':
            if (!builder) {
              if (t.name === 'endArray') {
                if (wrapperList === null) {
                  phase = 'rest';
                } else {
                  if (index > 0) filledList = wrapperList;
                  wrapperList = null;
                  phase = 'key';
                }
                break;
              }
              const at = index + 1;
              builder = new JsonBuilder((k) => onDuplicateKey(at, k));
            }
            builder.push(t);
            if (builder.done) {
              index++;
              if (index === 1 && !(builder.value instanceof Map)) {
                throw shapeError(
                  `The JSON list holds ${describe(builder.value)}, not contact objects. ${EXPECTED_SHAPE}`,
                );
              }
              out.push({ index, value: builder.value });
              builder = null;
            }
            break;
          case 'rest':
            // the rest of a wrapper object; the parser still checks its syntax
            break;
        }
      }
      if (out.length > 0) yield out;
    }
  } catch (err) {
    if (err instanceof JsonDepthError) {
      throw shapeError(`Contact ${index + 1} is nested more than ${MAX_JSON_DEPTH} levels deep`, {
        row: index + 2,
      });
    }
    if (!(err instanceof ParseFailure)) throw err;
    const where = await malformedAt(decodeToUtf8(source.stream(), encoding, () => {}));
    const reason = err.message.replace(/^Parser (cannot parse input: )?/, '');
    throw new RosterError(
      'JSON_MALFORMED',
      `The JSON file is malformed${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${reason}`,
      // `column` in error details names a table column; the character position goes in `position`.
      where ? { line: where.line, position: where.column } : {},
      { cause: err },
    );
  }
  if (phase === 'start') throw shapeError(`The JSON file is empty. ${EXPECTED_SHAPE}`);
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string'
    ? 'text'
    : typeof value === 'boolean'
      ? 'true or false'
      : 'a number';
}

interface Line {
  number: number;
  bytes: Buffer;
  /** The line was longer than MAX_NDJSON_LINE_BYTES and only its start is here. */
  cut: boolean;
}

/** Splits UTF-8 chunks into lines (LF or CRLF), without holding more than one line. */
async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Line[]> {
  let parts: Buffer[] = [];
  let size = 0;
  let cut = false;
  let number = 0;
  const take = (): Line => {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    if (bytes[bytes.byteLength - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    const line = { number: ++number, bytes, cut };
    parts = [];
    size = 0;
    cut = false;
    return line;
  };
  const keep = (piece: Buffer): void => {
    if (cut || piece.byteLength === 0) return;
    const room = MAX_NDJSON_LINE_BYTES - size;
    if (piece.byteLength > room) {
      cut = true;
      piece = piece.subarray(0, room);
    }
    parts.push(piece);
    size += piece.byteLength;
  };
  for await (const chunk of chunks) {
    const out: Line[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      keep(chunk.subarray(start, nl));
      out.push(take());
      start = nl + 1;
    }
    // Copy: the chunk's buffer may be reused by the stream it came from.
    keep(Buffer.from(chunk.subarray(start)));
    if (out.length > 0) yield out;
  }
  if (size > 0 || cut) yield [take()];
}

/**
 * The objects of an NDJSON file in batches, one per line that holds one. Lines that are not
 * JSON, not an object, too long or not valid text are reported (with `report`) and skipped.
 */
async function* ndjsonElements(
  source: ByteSource,
  info: Pick<TableInfo, 'encoding'> | null,
  options: ReadOptions,
  report: IssueSink | undefined,
  onDuplicateKey: (index: number, key: string) => void,
): AsyncGenerator<Element[]> {
  let invalid = false;
  const { encoding, chunks } = await utf8Stream(source, info, options, () => (invalid = true));
  const decoder = new TextDecoder('utf-8');
  for await (const batch of lines(chunks)) {
    const out: Element[] = [];
    for (const line of batch) {
      const row = line.number + 1;
      if (line.cut) {
        report?.(
          issue({
            row,
            code: 'json_line_too_long',
            severity: 'error',
            message: `Line ${line.number} is longer than ${MAX_NDJSON_LINE_BYTES / 1024 ** 2} MB; skipped`,
          }),
        );
        continue;
      }
      const text = decoder.decode(line.bytes);
      if (!/\S/.test(text)) continue;
      if (encoding === 'utf-8' ? !isUtf8(line.bytes) : invalid && text.includes('\uFFFD')) {
        report?.(
          issue({
            row,
            code: 'invalid_encoding',
            message: `Line ${line.number} has bytes that are not valid ${encoding}; they were replaced by \uFFFD`,
          }),
        );
      }
      let value: JsonValue;
      try {
        value = parseJsonText(text, (k) => onDuplicateKey(line.number, k));
      } catch (err) {
        if (!(err instanceof JsonSyntaxError)) throw err;
        report?.(
          issue({
            row,
            value: text,
            code: 'json_malformed_line',
            severity: 'error',
            message: `Line ${line.number} is not valid JSON (${err.message} at column ${err.offset + 1}); skipped`,
          }),
        );
        continue;
      }
      if (!(value instanceof Map)) {
        report?.(notObject(row, `Line ${line.number}`, value, text));
        continue;
      }
      out.push({ index: line.number, value });
    }
    if (out.length > 0) yield out;
  }
}

function notObject(row: number, where: string, value: JsonValue, text?: string): RowIssue {
  return issue({
    row,
    value: text ?? null,
    code: 'json_not_object',
    severity: 'error',
    message: `${where} holds ${describe(value)}, not a contact object; skipped`,
  });
}

/** Rows of a JSON or NDJSON file: the two passes described at the top. */
async function* jsonRows(
  format: 'json' | 'ndjson',
  source: ByteSource,
  info: Pick<TableInfo, 'encoding'> | null,
  options: ReadOptions,
): AsyncGenerator<RecordBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const onIssue = options.onIssue;
  const elements = (pass: 1 | 2): AsyncGenerator<Element[]> => {
    const quiet = pass === 1;
    const duplicate = (index: number, key: string): void => {
      if (quiet) return;
      const where = format === 'ndjson' ? `Line ${index}` : `Contact ${index}`;
      onIssue?.(
        issue({
          row: index + 1,
          column: key,
          code: 'json_duplicate_key',
          message: `${where} has the key "${key}" more than once; the last value is used`,
        }),
      );
    };
    if (format === 'ndjson')
      return ndjsonElements(source, info, options, quiet ? undefined : onIssue, duplicate);
    let reported = false;
    const onInvalid = (): void => {
      if (quiet || reported) return;
      reported = true;
      onIssue?.(
        issue({
          code: 'invalid_encoding',
          message:
            'The file has bytes that are not valid text in its encoding; they were replaced by \uFFFD',
        }),
      );
    };
    return arrayElements(source, info, options, onInvalid, duplicate);
  };

  // Pass 1: the columns.
  const columns = new Map<string, number>();
  const addColumn = (path: string): number => {
    let at = columns.get(path);
    if (at === undefined) {
      if (columns.size >= MAX_JSON_COLUMNS) {
        throw shapeError(`The JSON objects have more than ${MAX_JSON_COLUMNS} different keys`, {
          limit: MAX_JSON_COLUMNS,
        });
      }
      at = columns.size;
      columns.set(path, at);
    }
    return at;
  };
  let objects = 0;
  for await (const batch of elements(1)) {
    for (const e of batch) {
      if (!(e.value instanceof Map)) continue;
      objects++;
      for (const path of columnPaths(e.value)) addColumn(path);
    }
  }
  // Pass 2: the header, then the rows (and the issues: pass 2 also runs when no line held an
  // object, so that the bad lines are reported).
  let ready: RawRecord[] = objects > 0 ? [{ rowNumber: 1, cells: [...columns.keys()] }] : [];
  const nested = new Set<string>();
  for await (const batch of elements(2)) {
    for (const e of batch) {
      const row = e.index + 1;
      const where = format === 'ndjson' ? `Line ${e.index}` : `Contact ${e.index}`;
      if (!(e.value instanceof Map)) {
        onIssue?.(notObject(row, where, e.value));
        continue;
      }
      const notes: FlattenNotes = {
        nestedList(path, text) {
          if (nested.has(path)) return;
          nested.add(path);
          onIssue?.(
            issue({
              row,
              column: path,
              value: text,
              code: 'json_nested_list',
              message: `"${path}" holds a list of objects or lists; it is kept as JSON text (noted once per column)`,
            }),
          );
        },
        sameColumn(path) {
          onIssue?.(
            issue({
              row,
              column: path,
              code: 'json_duplicate_key',
              message: `${where} gives "${path}" twice (as a dotted key and as a nested object); the last value is used`,
            }),
          );
        },
      };
      ready.push({ rowNumber: row, cells: cellsOf(e.value, notes, columns, addColumn) });
    }
    if (ready.length >= batchSize) {
      for (let i = 0; i + batchSize <= ready.length; i += batchSize)
        yield ready.slice(i, i + batchSize);
      ready = ready.slice(ready.length - (ready.length % batchSize));
    }
  }
  if (ready.length > 0) yield ready;
}

function cellsOf(
  obj: JsonObject,
  notes: FlattenNotes,
  columns: Map<string, number>,
  addColumn: (path: string) => number,
): Cell[] {
  const cells: Cell[] = new Array<Cell>(columns.size).fill('');
  for (const [path, cell] of flattenObject(obj, notes)) {
    // A key first seen now (the file changed between the passes) still keeps its value.
    cells[columns.get(path) ?? addColumn(path)] = cell;
  }
  return cells;
}

function readerFor(format: 'json' | 'ndjson'): FormatReader {
  return {
    async sniff(source: ByteSource, options: ReadOptions): Promise<Partial<TableInfo>> {
      const head = await readHead(source, HEAD_BYTES);
      const guess = chooseEncoding(head, options.encoding, head.byteLength < HEAD_BYTES);
      return {
        format,
        encoding: guess.encoding,
        encodingConfidence: guess.confidence,
        bom: guess.bomLength > 0,
        delimiter: null,
        sheet: null,
        sheets: [],
      };
    },
    rows(source: ByteSource, info: TableInfo, options: ReadOptions): AsyncIterable<RecordBatch> {
      return jsonRows(format, source, info, options);
    },
  };
}

/**
 * Reads a JSON array of contact objects (or one under a `contacts`/`data` key).
 *
 * @example
 * const info = await jsonReader.sniff(source, {});
 * for await (const batch of jsonReader.rows(source, { ...info } as TableInfo, {})) use(batch); // header row first
 */
export const jsonReader: FormatReader = readerFor('json');

/**
 * Reads NDJSON (JSON Lines): one contact object per line; bad lines are reported and skipped.
 *
 * @example
 * for await (const batch of ndjsonReader.rows(source, info, { onIssue })) use(batch);
 */
export const ndjsonReader: FormatReader = readerFor('ndjson');
