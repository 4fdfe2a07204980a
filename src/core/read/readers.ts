/**
 * The reader of each input format. openTable picks one by the detected (or forced) format.
 *
 * Readers load on first use: the spreadsheet libraries (SheetJS above all) cost tens of
 * megabytes of heap, which a CSV import should not pay (bench/read-csv.ts measures peak RSS).
 */
import type { FormatReader, InputFormat } from './types.ts';

export const READERS: Record<InputFormat, () => Promise<FormatReader>> = {
  csv: async () => (await import('./csv.ts')).csvReader,
  xlsx: async () => (await import('./xlsx.ts')).xlsxReader,
  xls: async () => (await import('./xls.ts')).xlsReader,
  json: async () => (await import('./json.ts')).jsonReader,
  ndjson: async () => (await import('./json.ts')).ndjsonReader,
};
