import type { ByteSource } from '../model/byte-source.ts';
import type { IssueSink } from '../model/issue.ts';
import type { RecordBatch } from '../model/record.ts';

export type InputFormat = 'csv' | 'xlsx' | 'xls' | 'json' | 'ndjson';

/** What the caller may force; everything left out is detected. */
export interface ReadOptions {
  format?: InputFormat;
  /** Text formats: an encoding name iconv-lite knows (utf-8, utf-16le, windows-1252, ...). */
  encoding?: string;
  /** CSV: the delimiter (`,` `;` `\t` `|` or any single character). */
  delimiter?: string;
  /** true: the first row is the header; false: no header (columns map by position). */
  hasHeader?: boolean;
  /** XLSX/XLS: the sheet to read, by name; default the first sheet that has data. */
  sheet?: string;
  /** Longest cell kept whole, in characters; longer cells are cut and reported. */
  maxCellChars?: number;
  /** Records per batch handed downstream. */
  batchSize?: number;
  /** Receives row and file issues as they are found. */
  onIssue?: IssueSink;
}

export const DEFAULT_MAX_CELL_CHARS = 1_000_000;
export const DEFAULT_BATCH_SIZE = 500;

/** What was found out about the file (the `roster inspect --json` fields). */
export interface TableInfo {
  format: InputFormat;
  encoding: string | null;
  /** 0..1, how sure the encoding detection is; 1 when given or certain (BOM). */
  encodingConfidence: number | null;
  bom: boolean;
  delimiter: string | null;
  hasHeader: boolean;
  /** Spreadsheet row of the header (1 in an ordinary file), null when headerless. */
  headerRow: number | null;
  sheet: string | null;
  sheets: string[];
}

/** An opened input: its header and a single-use stream of data rows (header excluded). */
export interface Table {
  info: TableInfo;
  /** Column names as a person sees them; "Column N" where a file has no header. */
  header: string[];
  records: AsyncIterable<RecordBatch>;
}

/**
 * One input format. `sniff` looks at the file (usually its head) and fills in what it can;
 * `rows` streams every row of the file including any header and note lines above it, with
 * `rowNumber` = the spreadsheet row. Header detection, blank rows and ragged rows are handled
 * once, for all formats, by `openTable`.
 */
export interface FormatReader {
  sniff(source: ByteSource, options: ReadOptions): Promise<Partial<TableInfo>>;
  rows(source: ByteSource, info: TableInfo, options: ReadOptions): AsyncIterable<RecordBatch>;
}
