/**
 * Uploads: files received over HTTP, kept in object storage under `tenants/<t>/uploads/<id>`
 * until an import reads them. The row is written only once the bytes are stored, so an upload
 * row always names a complete object.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { Database, UploadsTable } from './schema.ts';

export type UploadRow = Selectable<UploadsTable>;

export interface NewUpload {
  /** Chosen before the bytes are stored (the storage key contains it); see `newUploadId`. */
  id: string;
  fileName: string;
  contentType: string | null;
  fileSize: number;
  fileSha256: string;
  storageKey: string;
  /** The user who uploaded it; null for an API key without a user. */
  createdBy: string | null;
}

/** A fresh upload id (a UUID, like the ids the database generates). */
export function newUploadId(): string {
  return randomUUID();
}

/**
 * The object storage key of an upload.
 *
 * @example
 * uploadKey(tenantId, id); // 'tenants/<tenantId>/uploads/<id>'
 */
export function uploadKey(tenantId: string, uploadId: string): string {
  return `tenants/${tenantId}/uploads/${uploadId}`;
}

/**
 * Records a stored upload.
 *
 * @example
 * const upload = await createUpload(db, tenantId, { id, fileName: 'leads.csv', ... });
 */
export async function createUpload(
  db: Kysely<Database>,
  tenantId: string,
  upload: NewUpload,
): Promise<UploadRow> {
  return db
    .insertInto('uploads')
    .values({
      tenant_id: tenantId,
      id: upload.id,
      file_name: upload.fileName,
      content_type: upload.contentType,
      file_size: upload.fileSize,
      file_sha256: upload.fileSha256,
      storage_key: upload.storageKey,
      created_by: upload.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The tenant's upload with this id. Throws RosterError('NOT_FOUND') when there is none, also
 * when the id is not a UUID or belongs to another tenant.
 *
 * @example
 * const upload = await getUpload(db, tenantId, id);
 */
export async function getUpload(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<UploadRow> {
  const row = UUID.test(id)
    ? await db
        .selectFrom('uploads')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new RosterError('NOT_FOUND', `No upload with id ${id}`, { uploadId: id });
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
