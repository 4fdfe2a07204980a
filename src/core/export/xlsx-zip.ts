/**
 * The ZIP container of the XLSX export, on yazl: parts added whole (small ones) or streamed (the
 * Contacts sheet), deflated by Node's zlib off the main thread, and written to the ByteSink with
 * its backpressure honoured end to end.
 *
 * Concurrency rule: yazl reads the parts one after another, in the order they were added. A
 * streamed part therefore holds at most what was written to it since the compressor last caught
 * up: `write` resolves only once the chunk before it has been taken in, so a fast producer waits
 * for deflate and for the sink instead of piling pages up in memory.
 */
import { PassThrough, Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import { RosterError } from '../errors.ts';
import type { ByteSink } from './types.ts';

/** A part being streamed into the archive. */
export interface ZipPartStream {
  /**
   * Queues a chunk. Resolves once the previous chunk has been consumed, so at most two chunks
   * (this one and the one the compressor is working on) are in memory.
   */
  write(chunk: string | Buffer): Promise<void>;
  /** Ends the part once everything written has been consumed. */
  end(): Promise<void>;
}

export interface XlsxZip {
  /** Adds a small part whole. */
  addPart(path: string, text: string): void;
  /** Adds a part whose content is written as it is produced. */
  streamPart(path: string): ZipPartStream;
  /** Ends the archive; resolves with the bytes the sink received once the sink has ended. */
  finish(): Promise<{ bytes: number }>;
}

/**
 * Opens a ZIP archive on a sink. `compressionLevel` is zlib's (1 fastest … 9 smallest).
 *
 * @example
 * const zip = createXlsxZip(createWriteStream('book.xlsx'), 3);
 * zip.addPart('[Content_Types].xml', contentTypes);
 * const sheet = zip.streamPart('xl/worksheets/sheet1.xml');
 * await sheet.write(head);
 * await sheet.end();
 * const { bytes } = await zip.finish();
 */
export function createXlsxZip(sink: ByteSink, compressionLevel: number): XlsxZip {
  const zip = new ZipFile();
  const mtime = new Date();
  let failure: Error | null = null;
  const failed = new Set<(error: Error) => void>();
  const fail = (error: unknown) => {
    if (failure) return;
    failure =
      error instanceof Error ? error : new RosterError('INTERNAL', `XLSX export: ${String(error)}`);
    for (const listener of failed) listener(failure);
  };
  /** Waits for an event, or rejects as soon as any part of the pipeline fails. */
  const until = (subscribe: (done: () => void) => void): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      const onFail = (error: Error) => reject(error);
      failed.add(onFail);
      subscribe(() => {
        failed.delete(onFail);
        resolve();
      });
    });

  let bytes = 0;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.byteLength;
      if (sink.write(chunk)) callback();
      else sink.once('drain', () => callback());
    },
    final(callback) {
      sink.end(() => callback());
    },
  });
  const finished = until((done) => output.once('finish', done));
  // Nobody may be waiting on it yet: keep a failure for `finish` instead of an unhandled rejection.
  finished.catch(() => undefined);
  output.on('error', fail);
  zip.on('error', fail);
  zip.outputStream.on('error', fail);
  zip.outputStream.pipe(output);

  return {
    addPart(path, text) {
      zip.addBuffer(Buffer.from(text, 'utf8'), path, { mtime, compressionLevel });
    },

    streamPart(path) {
      const part = new PassThrough();
      part.on('error', fail);
      zip.addReadStreamLazy(path, { mtime, compressionLevel }, (cb) => cb(null, part));
      let consumed: Promise<void> = Promise.resolve();
      return {
        async write(chunk) {
          await consumed;
          if (failure) throw failure;
          if (!part.write(chunk)) {
            consumed = until((done) => part.once('drain', done));
            consumed.catch(() => undefined);
          }
        },
        async end() {
          await consumed;
          part.end();
        },
      };
    },

    async finish() {
      zip.end();
      await finished;
      return { bytes };
    },
  };
}
