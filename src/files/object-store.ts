/**
 * Object storage for uploaded files and finished exports: one interface, two same-shaped
 * implementations (`LocalFolderStore`, `S3ObjectStore`), chosen by `createObjectStore`.
 *
 * Rules every implementation keeps:
 * - bodies are streamed and hashed on the fly, never held whole in memory;
 * - an object appears complete or not at all: a body that fails or runs over `maxBytes` leaves
 *   nothing behind under its key (an existing object under that key stays as it was);
 * - keys are `/`-separated relative paths (`tenants/<tenantId>/uploads/<id>`) checked by
 *   `checkObjectKey`, the same on both backends so that a key that works locally works on S3.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { RosterError } from '../core/errors.ts';
import type { ByteSink } from '../core/export/types.ts';
import type { ByteSource } from '../core/model/byte-source.ts';

export interface PutOptions {
  contentType?: string;
  /** Stop reading and fail with FILE_TOO_LARGE when the body runs over this many bytes. */
  maxBytes?: number;
}

export interface PutResult {
  size: number;
  /** SHA-256 of the stored bytes, hex. */
  sha256: string;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
}

export interface SignedUrlOptions {
  /** Lifetime of the link, 1 s to 7 days (the longest an S3 presigned URL can live). */
  expiresInSeconds: number;
  /** The name the browser saves the download under. */
  fileName: string;
  contentType?: string;
}

/** A streaming writer for an object of unknown length (exports). */
export interface ObjectWriter {
  /** Write the bytes here, respecting `write()`'s backpressure, then `end()` it. */
  readonly sink: ByteSink;
  /** Resolves once the object is stored (call after `sink.end()`); rejects if it was not. */
  done(): Promise<{ size: number }>;
  /** Gives up: nothing is stored under the key; `done()` rejects with `reason`. */
  abort(reason?: Error): Promise<void>;
}

export type ObjectBody = AsyncIterable<Uint8Array> | Readable;

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /**
   * Stores a body under `key`, replacing any object there.
   *
   * @example
   * const { size, sha256 } = await store.put(`tenants/${t}/uploads/${id}`, request.file, {
   *   contentType: 'text/csv',
   *   maxBytes: 100 * 1024 * 1024,
   * });
   */
  put(key: string, body: ObjectBody, opts?: PutOptions): Promise<PutResult>;
  /**
   * The object as a ByteSource for the engine; every `stream()` call reads it again from the
   * start. Throws NOT_FOUND when there is no object under `key`.
   *
   * @example
   * const table = await openTable(await store.source(upload.key, upload.fileName));
   */
  source(key: string, fileName: string): Promise<ByteSource>;
  /**
   * Opens a streaming writer (export files): memory stays bounded however large the object.
   *
   * @example
   * const out = store.openWriter(key, { contentType: 'text/csv' });
   * const writer = createCsvWriter(out.sink, layout);
   * ...; await writer.finish();
   * const { size } = await out.done();
   */
  openWriter(key: string, opts?: { contentType?: string }): ObjectWriter;
  /** Size and content type; throws NOT_FOUND when missing. */
  head(key: string): Promise<ObjectHead>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A short-lived download link: an absolute presigned URL on S3, a relative
   * `/api/files/<token>` path on the local store (the API verifies and serves it).
   *
   * @example
   * const url = await store.signedUrl(exp.key, { expiresInSeconds: 300, fileName: 'contacts.csv' });
   */
  signedUrl(key: string, opts: SignedUrlOptions): Promise<string>;
}

/** SigV4 presigned URLs live at most 7 days; the local links keep the same bound. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

const MAX_KEY_BYTES = 1024;

/**
 * Throws KEY_INVALID unless `key` is a safe relative path: non-empty `/`-separated segments, none
 * empty or starting with `.` (that covers `.` and `..`, and keeps the local store's temporary
 * files, which start with `.`, out of reach), no backslash (a separator on Windows), no control
 * characters (NUL truncates paths in C APIs), at most 1024 bytes (S3's limit).
 *
 * @example
 * checkObjectKey('tenants/7/uploads/0190f1.csv'); // ok
 * checkObjectKey('tenants/../../etc/passwd'); // throws KEY_INVALID
 */
export function checkObjectKey(key: string): void {
  const fail = (why: string): never => {
    throw new RosterError('KEY_INVALID', `Invalid storage key ${JSON.stringify(key)}: ${why}`, {
      key,
    });
  };
  if (key.length === 0) fail('it is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) fail(`it is over ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) fail('it contains a control character');
  if (key.includes('\\')) fail('it contains a backslash');
  if (key.startsWith('/')) fail('it is absolute');
  for (const segment of key.split('/')) {
    if (segment === '') fail('it has an empty segment');
    if (segment.startsWith('.')) fail('a segment starts with "."');
  }
}

/** Throws OPTION_INVALID unless the link lifetime is a whole number of seconds in range. */
export function checkLinkLifetime(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_LINK_SECONDS) {
    throw new RosterError(
      'OPTION_INVALID',
      `A link must live between 1 and ${MAX_LINK_SECONDS} seconds (got ${seconds})`,
      { expiresInSeconds: seconds, max: MAX_LINK_SECONDS },
    );
  }
}

/** What `meterBody` has seen so far; final once its generator is done. */
export interface BodyMeter {
  size: number;
  hash: Hash;
  /** The error that stopped the body (its own failure or FILE_TOO_LARGE), if any. */
  error?: unknown;
}

/**
 * Passes a body's chunks through while counting and hashing them. Running over `maxBytes`
 * throws FILE_TOO_LARGE before the offending chunk is passed on; the `for await` then stops
 * reading the body (a Readable is destroyed). Whatever stopped the body is kept in
 * `meter.error`, so that callers can report it rather than a follow-up error (a failed
 * multipart abort, say).
 *
 * @example
 * const meter = newBodyMeter();
 * await pipeline(Readable.from(meterBody(body, meter, opts.maxBytes)), out);
 */
export async function* meterBody(
  body: ObjectBody,
  meter: BodyMeter,
  maxBytes?: number,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (maxBytes !== undefined && meter.size + bytes.byteLength > maxBytes) {
        throw tooLarge(maxBytes);
      }
      meter.size += bytes.byteLength;
      meter.hash.update(bytes);
      yield bytes;
    }
  } catch (err) {
    meter.error ??= err;
    throw err;
  }
}

export function newBodyMeter(): BodyMeter {
  return { size: 0, hash: createHash('sha256') };
}

function tooLarge(maxBytes: number): RosterError {
  return new RosterError('FILE_TOO_LARGE', `The file is over the limit of ${maxBytes} bytes`, {
    maxBytes,
  });
}

/**
 * A pass-through that counts the bytes written to it: the `sink` of an ObjectWriter.
 *
 * @example
 * const sink = new CountingPassThrough();
 * sink.end('abc'); // sink.bytes === 3 once flushed
 */
export class CountingPassThrough extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.byteLength;
    callback(null, chunk);
  }
}

/**
 * The NOT_FOUND error both stores throw for a key with no object.
 *
 * @example
 * throw objectNotFound('tenants/7/uploads/42');
 */
export function objectNotFound(key: string): RosterError {
  return new RosterError('NOT_FOUND', `No stored file under ${key}`, { key });
}

/**
 * `exists` in terms of `head`: false on NOT_FOUND; any other failure (a key that is not valid,
 * a storage error) is thrown, so that a broken store does not look like an empty one.
 *
 * @example
 * async exists(key: string) { return existsByHead(this, key); }
 */
export async function existsByHead(
  store: Pick<ObjectStore, 'head'>,
  key: string,
): Promise<boolean> {
  try {
    await store.head(key);
    return true;
  } catch (err) {
    if (err instanceof RosterError && err.code === 'NOT_FOUND') return false;
    throw err;
  }
}

/** How a store writes a streamed body: started by `openObjectWriter`. */
export interface WriterBackend {
  /** Resolves once the object is stored under its key; rejects if it was not. */
  done: Promise<void>;
  /** Called first on abort, before the sink is destroyed (an S3 upload aborts its parts). */
  cancel?: () => Promise<void>;
}

/**
 * The ObjectWriter around a store's own write: a counting sink, `done()` that rejects with the
 * abort's reason rather than the error the abort caused, and `abort()` that waits until the
 * store has cleaned up. `start` gets the sink and a signal aborted (with the reason) when
 * `abort()` is called, to check before it makes the object visible.
 *
 * @example
 * return openObjectWriter((sink, signal) => ({
 *   done: (async () => { await pipeline(sink, out); signal.throwIfAborted(); await publish(); })(),
 * }));
 */
export function openObjectWriter(
  start: (sink: CountingPassThrough, signal: AbortSignal) => WriterBackend,
): ObjectWriter {
  const sink = new CountingPassThrough();
  // An abort can destroy the sink before the store attaches to it; the error reaches done()
  // through the store's write, this listener only keeps it from counting as uncaught.
  sink.on('error', () => {});
  const aborter = new AbortController();
  const backend = start(sink, aborter.signal);
  const completion = backend.done.then(
    () => ({ size: sink.bytes }),
    (err: unknown) => {
      throw aborter.signal.aborted ? (aborter.signal.reason as unknown) : err;
    },
  );
  // Failures surface through done(); this only keeps an unawaited writer from crashing Node.
  completion.catch(() => {});
  return {
    sink,
    done: () => completion,
    abort: async (reason = new Error('Write aborted')) => {
      aborter.abort(reason);
      await backend.cancel?.();
      sink.destroy(reason);
      await completion.catch(() => {});
    },
  };
}
