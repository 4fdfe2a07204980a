/**
 * Creates an import job for a file: hashes it (unless its hash is known), plans it, and stores it
 * `queued`.
 */
import type { Kysely } from 'kysely';
import type { ByteSource } from '../core/model/byte-source.ts';
import { hashSource } from '../files/hash-source.ts';
import { createImport } from '../store/imports.ts';
import type { Database, ImportRow, JsonObject } from '../store/schema.ts';
import { planImport, type ImportRequest, type PlannedImport } from './plan-import.ts';

export interface CreatedImport extends PlannedImport {
  job: ImportRow;
}

/**
 * @example
 * const { job } = await createImportJob(db, tenantId, fileSource(path), `file:${path}`, request, 'alice');
 * await runImport({ db, tenantId, source }, job.id);
 */
export async function createImportJob(
  db: Kysely<Database>,
  tenantId: string,
  source: ByteSource,
  storageKey: string,
  request: ImportRequest,
  actor: string | null,
  /** The file's hash and size when already known (an upload records them): not read again. */
  file?: { sha256: string; size: number },
): Promise<CreatedImport> {
  const planned = await planImport(db, tenantId, source, request);
  const { sha256, size } = file ?? (await hashSource(source));
  const job = await createImport(db, tenantId, {
    fileName: source.name,
    fileSize: size,
    fileSha256: sha256,
    fileFormat: planned.inspection.format,
    storageKey,
    mapping: Object.fromEntries(planned.options.columns.map((c) => [c.header, c.field])),
    options: planned.options as unknown as JsonObject,
    actor,
  });
  return { ...planned, job };
}
