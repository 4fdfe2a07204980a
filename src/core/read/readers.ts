/**
 * The reader of each input format. openTable picks one by the detected (or forced) format.
 */
import { csvReader } from './csv.ts';
import { jsonReader, ndjsonReader } from './json.ts';
import type { FormatReader, InputFormat } from './types.ts';
import { xlsReader } from './xls.ts';
import { xlsxReader } from './xlsx.ts';

export const READERS: Record<InputFormat, FormatReader> = {
  csv: csvReader,
  xlsx: xlsxReader,
  xls: xlsReader,
  json: jsonReader,
  ndjson: ndjsonReader,
};
