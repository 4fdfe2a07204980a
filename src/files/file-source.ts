import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { RosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';

/** Large reads keep the per-chunk overhead of the parsers low (see bench/read-csv.ts). */
const CHUNK_BYTES = 1024 * 1024;

/**
 * A ByteSource over a file on the local disk.
 *
 * @example
 * const table = await openTable(fileSource('contacts.csv'));
 */
export function fileSource(path: string): ByteSource {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new RosterError('FILE_UNREADABLE', `${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof RosterError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new RosterError(
      'FILE_UNREADABLE',
      code === 'ENOENT'
        ? `No such file: ${path}`
        : `Cannot read ${path} (${code ?? 'unknown error'})`,
      {},
      { cause: err },
    );
  }
  return {
    name: basename(path),
    size,
    stream: () => createReadStream(path, { highWaterMark: CHUNK_BYTES }),
  };
}
