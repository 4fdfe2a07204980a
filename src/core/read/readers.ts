/**
 * The reader of each input format. openTable picks one by the detected (or forced) format.
 */
import { RosterError } from '../errors.ts';
import { csvReader } from './csv.ts';
import type { FormatReader, InputFormat } from './types.ts';
import { xlsReader } from './xls.ts';
import { xlsxReader } from './xlsx.ts';

/** Stands in for a reader that is not written yet (replaced by the formats' own modules). */
function notYet(format: InputFormat): FormatReader {
  const fail = (): never => {
    throw new RosterError('FORMAT_UNSUPPORTED', `Reading ${format} files is not available yet`, {
      format,
    });
  };
  return {
    sniff: async () => fail(),
    rows: () => fail(),
  };
}

export const READERS: Record<InputFormat, FormatReader> = {
  csv: csvReader,
  xlsx: xlsxReader,
  xls: xlsReader,
  json: notYet('json'),
  ndjson: notYet('ndjson'),
};
