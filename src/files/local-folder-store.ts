import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RosterError } from '../core/errors.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import {
  checkLinkLifetime,
  checkObjectKey,
  existsByHead,
  meterBody,
  newBodyMeter,
  objectNotFound,
  openObjectWriter,
  type ObjectBody,
  type ObjectHead,
  type ObjectStore,
  type ObjectWriter,
  type PutOptions,
  type PutResult,
  type SignedUrlOptions,
} from './object-store.ts';
import {
  checkSigningSecret,
  signLinkToken,
  verifySignedToken,
  type SignedLink,
} from './signed-link.ts';

/** Large reads keep the per-chunk overhead of the parsers low (as in file-source.ts). */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Where the API serves local download links. */
export const LOCAL_LINK_PREFIX = '/api/files/';

/**
 * Objects as files under a root folder (`<dataDir>/files`): key `a/b/c` is `<root>/a/b/c`.
 *
 * Bodies are written to a temporary file beside the target (`.<name>.<random>.part`, which no
 * valid key can name) and renamed into place when complete, so a reader never sees half a file
 * and a failed write leaves nothing. Content types are not kept on disk: the signed link carries
 * the one to serve.
 *
 * @example
 * const store = new LocalFolderStore('/var/lib/roster/files', process.env.ROSTER_SECRET!);
 * await store.put('tenants/1/uploads/42', createReadStream('contacts.csv'));
 */
export class LocalFolderStore implements ObjectStore {
  readonly kind = 'local';
  readonly root: string;
  readonly #secret: string;

  constructor(root: string, signingSecret: string) {
    checkSigningSecret(signingSecret);
    this.root = resolve(root);
    this.#secret = signingSecret;
  }

  async put(key: string, body: ObjectBody, opts: PutOptions = {}): Promise<PutResult> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = tempPath(path);
    const meter = newBodyMeter();
    try {
      await pipeline(
        Readable.from(meterBody(body, meter, opts.maxBytes)),
        createWriteStream(temp, { flags: 'wx' }),
      );
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw meter.error ?? err;
    }
    return { size: meter.size, sha256: meter.hash.digest('hex') };
  }

  async source(key: string, fileName: string): Promise<ByteSource> {
    const path = this.#path(key);
    const { size } = await this.head(key);
    return {
      name: fileName,
      size,
      stream: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
    };
  }

  openWriter(key: string): ObjectWriter {
    const path = this.#path(key);
    const temp = tempPath(path);
    return openObjectWriter((sink, signal) => ({
      done: (async () => {
        try {
          await mkdir(dirname(path), { recursive: true });
          await pipeline(sink, createWriteStream(temp, { flags: 'wx' }));
          signal.throwIfAborted();
          await rename(temp, path);
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        }
      })(),
    }));
  }

  async head(key: string): Promise<ObjectHead> {
    const path = this.#path(key);
    try {
      const st = await stat(path);
      if (st.isFile()) return { size: st.size };
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    throw objectNotFound(key);
  }

  async exists(key: string): Promise<boolean> {
    return existsByHead(this, key);
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  /** A relative `/api/files/<token>` path; the API checks it with `verifyLink`. */
  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    checkLinkLifetime(opts.expiresInSeconds);
    const link: SignedLink = {
      key,
      fileName: opts.fileName,
      expiresAt: Date.now() + opts.expiresInSeconds * 1000,
    };
    if (opts.contentType !== undefined) link.contentType = opts.contentType;
    return LOCAL_LINK_PREFIX + signLinkToken(link, this.#secret);
  }

  /**
   * Checks a token from a `signedUrl` path with this store's secret (LINK_INVALID,
   * LINK_EXPIRED); serve the bytes with `source(link.key, link.fileName)`.
   *
   * @example
   * const link = store.verifyLink(request.params.token);
   * const src = await store.source(link.key, link.fileName);
   */
  verifyLink(token: string, now = Date.now()): SignedLink {
    return verifySignedToken(token, this.#secret, now);
  }

  #path(key: string): string {
    checkObjectKey(key);
    const path = resolve(this.root, ...key.split('/'));
    // checkObjectKey already rules out escapes; this guards against a future change to it.
    if (!path.startsWith(this.root + sep)) {
      throw new RosterError('KEY_INVALID', `Storage key ${JSON.stringify(key)} leaves the root`, {
        key,
      });
    }
    return path;
  }
}

function tempPath(path: string): string {
  const name = path.slice(path.lastIndexOf(sep) + 1);
  return join(dirname(path), `.${name}.${randomBytes(6).toString('hex')}.part`);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
