/**
 * Export tests' job starter: writes the export inline into the test API's object store (what
 * the pg-boss export job does in a worker), so the download routes have a real file to serve.
 */
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { JobStarter } from '../../src/api/app.ts';
import type { ObjectStore } from '../../src/files/object-store.ts';
import { CONTENT_TYPES, exportKey, storedRequest } from '../../src/jobs/export-job.ts';
import { prepareExport, writeExport } from '../../src/jobs/run-export.ts';
import { getExport } from '../../src/store/exports.ts';
import type { Database } from '../../src/store/schema.ts';

export interface InlineExports extends JobStarter {
  /** Set once the test API (and its store) exists. */
  files?: ObjectStore;
  /** Export ids in the order they were run. */
  ran: string[];
}

/**
 * @example
 * const jobs = inlineExports(db);
 * const api = await testApi(db, jobs);
 * jobs.files = api.files;
 */
export function inlineExports(db: Kysely<Database>): InlineExports {
  const jobs: InlineExports = {
    ran: [],
    startImport: async () => {},
    startExport: async (tenantId, exportId) => {
      const files = jobs.files;
      if (!files) throw new Error('inlineExports: set .files before starting exports');
      const row = await getExport(db, tenantId, exportId);
      const request = row ? storedRequest(row) : null;
      if (!row || !request) throw new Error(`export ${exportId} has no stored request`);
      await db
        .updateTable('exports')
        .set({ status: 'running', started_at: new Date() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', exportId)
        .execute();
      const prepared = await prepareExport(db, tenantId, request);
      const key = exportKey(tenantId, exportId, request.format);
      const out = files.openWriter(key, { contentType: CONTENT_TYPES[request.format] });
      try {
        await writeExport(db, tenantId, exportId, prepared, out.sink, {
          fileName: `contacts-${exportId.slice(0, 8)}.${request.format}`,
          storageKey: key,
          stored: () => out.done(),
        });
      } catch (err) {
        await out.abort(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
      jobs.ran.push(exportId);
    },
  };
  return jobs;
}

/**
 * CSV bytes as the export wrote them, as records keyed by header.
 *
 * @example
 * parseCsv(res.rawPayload); // [{ email: 'ann@example.com', ... }]
 */
export function parseCsv(bytes: Buffer): Record<string, string>[] {
  return parse(bytes, { columns: true, bom: true }) as Record<string, string>[];
}
