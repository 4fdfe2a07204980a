import { resolve } from 'node:path';
import { RosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import { fileSource } from './file-source.ts';
import { hashSource } from './hash-source.ts';

/**
 * The file an import read, for resuming it or writing its error report: `path` when given (the
 * file moved), else where the import found it. Throws RosterError('FILE_CHANGED') unless the
 * bytes are the very ones the import started with.
 *
 * @example
 * const source = await importFileSource(job, undefined);
 */
export async function importFileSource(
  job: { id: string; storage_key: string; file_sha256: string },
  path: string | undefined,
): Promise<ByteSource> {
  let where = path === undefined ? undefined : resolve(path);
  if (where === undefined) {
    if (!job.storage_key.startsWith('file:')) {
      throw new RosterError(
        'OPTION_INVALID',
        `The file of import ${job.id} is not on this machine; give its path`,
        { importId: job.id },
      );
    }
    where = job.storage_key.slice('file:'.length);
  }
  const source = fileSource(where);
  if ((await hashSource(source)).sha256 !== job.file_sha256) {
    throw new RosterError(
      'FILE_CHANGED',
      `${where} is not the file import ${job.id} read (its content changed)`,
      { importId: job.id },
    );
  }
  return source;
}
