import { Readable } from 'node:stream';
import unzipper from 'unzipper';
import type { Entry } from 'unzipper';
import { RosterError, isRosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';

/**
 * Streams the files of a ZIP archive (an XLSX workbook) in archive order, inflating each one as it
 * is read, with limits against archives built to explode (zip bombs).
 *
 * Built on unzipper's streaming parser of local file headers, the same one exceljs's streaming
 * reader uses: the archive is never held whole in memory and needs no random access, so it works
 * on any ByteSource (disk, object storage, request body).
 */

export interface ZipLimits {
  /** Inflated bytes over the whole archive, all entries together. */
  maxTotalBytes: number;
  /** Inflated bytes per compressed byte read so far, once `ratioAfterBytes` are inflated. */
  maxRatio: number;
  ratioAfterBytes: number;
}

/**
 * Office files compress 5-30x, rarely 100x; a zip bomb compresses ~1000x. The total bounds the
 * time a pass can take (4 GiB of XML is well over a million rows of contacts).
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 200,
  ratioAfterBytes: 100 * 1024 ** 2,
};

export interface ZipEntry {
  /** The path inside the archive, as stored (`xl/worksheets/sheet1.xml`). */
  readonly path: string;
  /**
   * The inflated bytes. Read it at most once; an entry that is not read (or not read to the end)
   * is drained when the iteration moves on. `maxBytes` caps this one entry (parts kept in memory).
   */
  read(maxBytes?: number): AsyncGenerator<Uint8Array>;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const STORED = 0;
const DEFLATED = 8;

/**
 * Iterates the entries of a ZIP archive. Breaking out early stops reading the source.
 * Broken archives throw XLSX_CORRUPT; archives over the limits throw XLSX_LIMIT_EXCEEDED.
 *
 * @example
 * for await (const entry of zipEntries(source)) {
 *   if (entry.path === 'xl/workbook.xml') for await (const chunk of entry.read(1 << 20)) use(chunk);
 * }
 */
export async function* zipEntries(
  source: ByteSource,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): AsyncGenerator<ZipEntry> {
  let compressed = 0;
  let inflated = 0;

  async function* counted(): AsyncGenerator<Uint8Array> {
    let first = true;
    for await (const chunk of source.stream()) {
      if (chunk.byteLength === 0) continue;
      if (first && !ZIP_MAGIC.every((b, i) => i >= chunk.byteLength || chunk[i] === b)) {
        throw corrupt('The file is not a ZIP archive, so it cannot be an XLSX workbook');
      }
      first = false;
      compressed += chunk.byteLength;
      yield chunk;
    }
    if (first) throw new RosterError('FILE_EMPTY', 'The file is empty');
  }

  const input = Readable.from(counted(), { objectMode: false });
  const zip = unzipper.Parse({ forceStream: true });
  let current: Entry | null = null;
  let failure: unknown = null;
  const fail = (err: unknown): void => {
    failure ??= err;
    // An inflate error reaches the archive stream, not the entry being read: end that read too.
    current?.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  zip.on('error', fail);
  input.on('error', (err) => {
    fail(err);
    zip.destroy(err);
  });
  input.pipe(zip);

  const account = (bytes: number): void => {
    inflated += bytes;
    if (inflated > limits.maxTotalBytes) {
      throw new RosterError(
        'XLSX_LIMIT_EXCEEDED',
        `The workbook unpacks to more than ${mib(limits.maxTotalBytes)} MiB`,
        { limit: limits.maxTotalBytes },
      );
    }
    if (inflated > limits.ratioAfterBytes && inflated > compressed * limits.maxRatio) {
      throw new RosterError(
        'XLSX_LIMIT_EXCEEDED',
        `The workbook unpacks to over ${limits.maxRatio} times its size (${mib(inflated)} MiB from ${mib(compressed)} MiB read): it looks like a zip bomb`,
        { inflated, compressed },
      );
    }
  };

  try {
    for await (const item of zip) {
      // An error can arrive between entries (a truncated file); the entry handed out after it
      // would never end.
      if (failure) throw failure;
      const entry = item as Entry;
      current = entry;
      const { flags, compressionMethod } = entry.vars;
      if (flags & 0x1) {
        throw new RosterError(
          'FORMAT_UNSUPPORTED',
          `The workbook is encrypted (${entry.path}); save it without a password and try again`,
        );
      }
      if (compressionMethod !== STORED && compressionMethod !== DEFLATED) {
        throw corrupt(
          `${entry.path} uses ZIP compression method ${compressionMethod}, which is not supported`,
        );
      }
      let started = false;
      let done = false;
      const read = async function* (maxBytes = Infinity): AsyncGenerator<Uint8Array> {
        if (started) throw new Error(`zip entry ${entry.path} read twice`);
        started = true;
        let own = 0;
        try {
          if (failure) throw failure;
          // destroyOnReturn false: a reader that stops early leaves the rest to be drained, since
          // the archive parser waits for each entry to be consumed before it reads the next.
          for await (const chunk of entry.iterator({ destroyOnReturn: false })) {
            const bytes = chunk as Uint8Array;
            own += bytes.byteLength;
            if (own > maxBytes) {
              throw new RosterError(
                'XLSX_LIMIT_EXCEEDED',
                `${entry.path} unpacks to more than ${mib(maxBytes)} MiB`,
                { path: entry.path, limit: maxBytes },
              );
            }
            account(bytes.byteLength);
            yield bytes;
          }
          done = true;
        } catch (err) {
          throw wrap(err);
        }
      };
      const rest = async (): Promise<void> => {
        if (done) return;
        if (started) return drainRest(entry, account);
        for await (const _ of read()) {
          // drained: its bytes still count against the limits
        }
      };
      yield { path: entry.path, read };
      await rest();
      current = null;
    }
    if (failure) throw failure;
  } catch (err) {
    throw wrap(failure ?? err);
  } finally {
    current?.destroy();
    input.destroy();
    zip.destroy();
  }
}

async function drainRest(entry: Entry, account: (n: number) => void): Promise<void> {
  try {
    for await (const chunk of entry.iterator({ destroyOnReturn: false })) {
      account((chunk as Uint8Array).byteLength);
    }
  } catch (err) {
    throw wrap(err);
  }
}

function corrupt(message: string, cause?: unknown): RosterError {
  return new RosterError('XLSX_CORRUPT', message, {}, { cause });
}

/** unzipper and zlib throw plain errors; anything not ours means the archive is damaged. */
function wrap(err: unknown): unknown {
  if (isRosterError(err)) return err;
  const text = err instanceof Error ? err.message : String(err);
  const why =
    text === 'FILE_ENDED' ? 'the file ends in the middle of the archive (truncated?)' : text;
  return corrupt(`The XLSX file is damaged: ${why}`, err);
}

function mib(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 2 : 0);
}
