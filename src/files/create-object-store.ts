import { join } from 'node:path';
import { LocalFolderStore } from './local-folder-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore, type S3StoreConfig } from './s3-store.ts';

export interface ObjectStoreConfig {
  /** Roster's data folder; the local store keeps its files in `<dataDir>/files`. */
  dataDir: string;
  /** Signs the local store's download links (at least 16 characters). */
  signingSecret: string;
  /** S3 settings (S3_BUCKET, S3_REGION, ...); used when `bucket` is set. */
  s3?: Partial<S3StoreConfig>;
}

/**
 * The configured object store: S3 when a bucket is set, else a local folder under the data
 * directory.
 *
 * @example
 * const store = createObjectStore({ dataDir: './roster-data', signingSecret: secret });
 * store.kind; // 'local'
 */
export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  // A blank environment variable means unset, not an empty endpoint or key.
  const s3 = Object.fromEntries(
    Object.entries(config.s3 ?? {}).filter(([, v]) => v !== undefined && v !== ''),
  ) as Partial<S3StoreConfig>;
  if (s3.bucket !== undefined) return S3ObjectStore.fromConfig({ ...s3, bucket: s3.bucket });
  return new LocalFolderStore(join(config.dataDir, 'files'), config.signingSecret);
}
