import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
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
import { contentDisposition } from './signed-link.ts';

export interface S3StoreConfig {
  bucket: string;
  /** Default us-east-1 (S3-compatible servers mostly ignore it, but SigV4 needs one). */
  region?: string;
  /** An S3-compatible server (MinIO, Ceph, R2, ...); unset for AWS. */
  endpoint?: string;
  /** Both or neither; without them the SDK's default chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `endpoint/bucket/key` URLs instead of `bucket.endpoint/key` (most self-hosted servers). */
  forcePathStyle?: boolean;
}

/**
 * S3's minimum part size; a multipart upload holds at most `PART_BYTES * QUEUE_SIZE` in memory
 * (10 MB), whatever the object's size. 10,000 parts of 5 MB cap an object at ~48 GB, well above
 * any upload limit.
 */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/**
 * Objects in an S3 bucket (or an S3-compatible server). Bodies of unknown length go up as
 * multipart uploads through lib-storage's `Upload`, which aborts the upload when the body
 * fails, so no object appears; parts an S3 server fails to abort are left for the bucket's
 * AbortIncompleteMultipartUpload lifecycle rule (set one).
 *
 * @example
 * const store = S3ObjectStore.fromConfig({ bucket: 'roster', endpoint: 'http://127.0.0.1:9000',
 *   forcePathStyle: true, accessKeyId: 'minio', secretAccessKey: 'minio123' });
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * Builds the client from Roster's S3 settings.
   *
   * @example
   * const store = S3ObjectStore.fromConfig({ bucket: process.env.S3_BUCKET! });
   */
  static fromConfig(config: S3StoreConfig): S3ObjectStore {
    if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
      throw new RosterError(
        'CONFIG_INVALID',
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together',
      );
    }
    const options: S3ClientConfig = {
      region: config.region ?? 'us-east-1',
      forcePathStyle: config.forcePathStyle ?? false,
    };
    if (config.endpoint !== undefined) {
      options.endpoint = config.endpoint;
      // The SDK's default CRC checksums on every request (2025) are not understood by many
      // S3-compatible servers; they get the checksums S3 has always required, no more.
      options.requestChecksumCalculation = 'WHEN_REQUIRED';
      options.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    if (config.accessKeyId !== undefined && config.secretAccessKey !== undefined) {
      options.credentials = {
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey,
      };
    }
    return new S3ObjectStore(new S3Client(options), config.bucket);
  }

  async put(key: string, body: ObjectBody, opts: PutOptions = {}): Promise<PutResult> {
    checkObjectKey(key);
    const meter = newBodyMeter();
    const upload = this.#upload(
      key,
      Readable.from(meterBody(body, meter, opts.maxBytes)),
      opts.contentType,
    );
    try {
      await upload.done();
    } catch (err) {
      // lib-storage reports a failed abort in place of the body's error; the body's is the news.
      throw meter.error ?? err;
    }
    return { size: meter.size, sha256: meter.hash.digest('hex') };
  }

  async source(key: string, fileName: string): Promise<ByteSource> {
    const { size } = await this.head(key);
    const { client, bucket } = this;
    return {
      name: fileName,
      size,
      async *stream() {
        const res = await client
          .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
          .catch((err: unknown) => {
            throw isNotFound(err) ? objectNotFound(key) : err;
          });
        if (!(res.Body instanceof Readable)) {
          throw new RosterError('INTERNAL', 'The S3 client returned a body that is not a stream');
        }
        // Leaving this loop early (break, error) destroys the body and frees the connection.
        for await (const chunk of res.Body as AsyncIterable<Uint8Array>) yield chunk;
      },
    };
  }

  openWriter(key: string, opts: { contentType?: string } = {}): ObjectWriter {
    checkObjectKey(key);
    return openObjectWriter((sink) => {
      const upload = this.#upload(key, sink, opts.contentType);
      return { done: upload.done().then(() => {}), cancel: () => upload.abort() };
    });
  }

  async head(key: string): Promise<ObjectHead> {
    checkObjectKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const head: ObjectHead = { size: res.ContentLength ?? 0 };
      if (res.ContentType !== undefined) head.contentType = res.ContentType;
      return head;
    } catch (err) {
      throw isNotFound(err) ? objectNotFound(key) : err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return existsByHead(this, key);
  }

  async delete(key: string): Promise<void> {
    checkObjectKey(key);
    // S3 answers 204 for a missing key too, so this is idempotent as it stands.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A presigned GetObject URL that makes the browser save the file as `fileName`. */
  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    checkObjectKey(key);
    checkLinkLifetime(opts.expiresInSeconds);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: contentDisposition(opts.fileName),
      ...(opts.contentType !== undefined ? { ResponseContentType: opts.contentType } : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn: opts.expiresInSeconds });
  }

  #upload(key: string, body: Readable, contentType: string | undefined): Upload {
    return new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ...(contentType !== undefined ? { ContentType: contentType } : {}),
      },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404;
}
