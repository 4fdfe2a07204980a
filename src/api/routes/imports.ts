/**
 * Imports over HTTP, the wizard's later steps: dry run (the validation screen), start, history,
 * details, issues, error report, rollback (preview and run) and cancel. The import itself runs
 * in a job (`deps.jobs.startImport`); the request only records it.
 */
import { PassThrough, type Readable } from 'node:stream';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { RosterError } from '../../core/errors.ts';
import type { ByteSource } from '../../core/model/byte-source.ts';
import { contentDisposition } from '../../files/signed-link.ts';
import { createImportJob } from '../../jobs/create-import.ts';
import { writeErrorReport } from '../../jobs/error-report.ts';
import type { ImportOptions } from '../../jobs/import-options.ts';
import { issueJson } from '../../jobs/issue-json.ts';
import { planImport } from '../../jobs/plan-import.ts';
import { dryRunImport, type ImportSummary } from '../../jobs/run-import.ts';
import { recordAudit } from '../../store/audit.ts';
import { countersOf, type ImportCounters } from '../../store/import-journal.ts';
import { listImportIssues, type StoredIssue } from '../../store/import-issues.ts';
import {
  countActiveImports,
  getImport,
  listImports,
  transitionImport,
} from '../../store/imports.ts';
import { previewRollback } from '../../store/rollback-preview.ts';
import { rollbackImport } from '../../store/rollback-import.ts';
import type { Database, ImportRow, ImportStatus, JsonValue } from '../../store/schema.ts';
import { tenantLimits } from '../../store/tenant-settings.ts';
import { getUpload } from '../../store/uploads.ts';
import { findUser } from '../../store/users.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf, type Principal } from '../principal.ts';
import { ERRORS, ErrorResponse, IdParams } from '../schemas/common.ts';
import {
  CountersBody,
  ImportOptionsBody,
  IssueBody,
  OneOf,
  importRequestOf,
} from '../schemas/imports.ts';

const STATUSES: readonly ImportStatus[] = [
  'uploaded',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'rolling_back',
  'rolled_back',
];
const Status = OneOf(STATUSES);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Json = Type.Unknown();

const StartBody = Type.Object(
  {
    uploadId: Type.String({ minLength: 1, maxLength: 100 }),
    options: Type.Optional(ImportOptionsBody),
  },
  { additionalProperties: false },
);

const ColumnBody = Type.Object({ header: Type.String(), field: Nullable(Type.String()) });

export const ImportBody = Type.Object({
  id: Type.String(),
  status: Status,
  file: Type.Object({
    name: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    format: Type.String(),
  }),
  uploadId: Nullable(Type.String()),
  counters: CountersBody,
  rowsTotal: Nullable(Type.Integer()),
  actor: Nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  rolledBackAt: Nullable(Type.String()),
  updatedAt: Type.String(),
  error: Json,
});
const ImportDetailBody = Type.Intersect([
  ImportBody,
  Type.Object({
    columns: Type.Array(ColumnBody),
    options: Json,
    segmentId: Nullable(Type.String()),
    rollback: Json,
  }),
]);

const DryRunResponse = Type.Object({
  status: Type.Literal('dry_run'),
  counters: CountersBody,
  issues: Type.Array(IssueBody),
  issuesNotListed: Type.Integer(),
  columns: Type.Array(ColumnBody),
  newCustomFields: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});

/** Issues listed by a dry run (its counters count them all). */
const DRY_RUN_LISTED = 100;

export function registerImportRoutes(app: App, deps: AppDeps): void {
  const { db, files } = deps;

  app.post(
    '/imports/dry-run',
    {
      schema: {
        tags: ['imports'],
        summary: 'Validate an upload with a mapping and options: what the import would do',
        body: StartBody,
        response: { 200: DryRunResponse, ...ERRORS, 422: ErrorResponse },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { source } = await uploadSource(deps, tenantId, request.body.uploadId);
      const request_ = importRequestOf(request.body.options ?? {});
      // Never remembered from a dry run: the person may still change the mapping.
      const { options } = await planImport(db, tenantId, source, { ...request_, remember: false });
      const summary = await dryRunImport(
        { db, tenantId, source, maxListedIssues: DRY_RUN_LISTED },
        options,
      );
      return {
        status: 'dry_run' as const,
        counters: countersJson(summary.counters),
        issues: summary.issues.map(issueJson),
        issuesNotListed: Math.max(0, issueTotal(summary) - summary.issues.length),
        columns: options.columns.map((c) => ({ header: c.header, field: c.field })),
        newCustomFields: options.newCustomFields.map((f) => ({ ...f })),
      };
    },
  );

  app.post(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Start importing an upload; the import runs in the background',
        body: StartBody,
        response: { 202: ImportBody, ...ERRORS, 422: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const limits = await tenantLimits(db, p.tenantId);
      const active = await countActiveImports(db, p.tenantId);
      if (active >= limits.maxConcurrentImports) {
        throw new RosterError(
          'LIMIT_EXCEEDED',
          `${active} imports are already waiting or running; the limit is ${limits.maxConcurrentImports}. Start this one when one of them has finished`,
          { limit: limits.maxConcurrentImports, value: active, setting: 'maxConcurrentImports' },
        );
      }
      const { upload, source } = await uploadSource(deps, p.tenantId, request.body.uploadId);
      const importRequest = importRequestOf(request.body.options ?? {});
      // Reads the head of the file only. Counting its rows (maxRowsPerImport, rowsTotal) is the
      // job's first step: for a million rows it took 10-25 s, too long to keep a request open.
      const { job } = await createImportJob(
        db,
        p.tenantId,
        source,
        upload.storage_key,
        importRequest,
        await actorName(db, p),
        { sha256: upload.file_sha256, size: upload.file_size },
      );
      const recorded = await db
        .updateTable('imports')
        .set({ upload_id: upload.id, created_by: p.userId })
        .where('tenant_id', '=', p.tenantId)
        .where('id', '=', job.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'import.create',
        target: { type: 'import', id: job.id },
        details: { uploadId: upload.id, fileName: upload.file_name },
      });
      await deps.jobs.startImport(p.tenantId, job.id);
      return reply.code(202).send(importJson(recorded));
    },
  );

  app.get(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Import history, newest first',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          after: Type.Optional(Type.String({ maxLength: 100 })),
          status: Type.Optional(Type.Array(Status, { maxItems: STATUSES.length })),
        }),
        response: {
          200: Type.Object({ imports: Type.Array(ImportBody), next: Nullable(Type.String()) }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { limit = 50, after, status } = request.query;
      if (after !== undefined) await getImport(db, tenantId, after);
      const rows = await listImports(db, tenantId, {
        limit: limit + 1,
        ...(after !== undefined ? { afterId: after } : {}),
        ...(status ? { status } : {}),
      });
      const page = rows.slice(0, limit);
      return {
        imports: page.map(importJson),
        next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        tags: ['imports'],
        summary: 'An import: status, counters, file, options, timings, rollback outcome',
        params: IdParams,
        response: { 200: ImportDetailBody, ...ERRORS },
      },
    },
    async (request) => {
      const job = await getImport(db, principalOf(request).tenantId, request.params.id);
      const options = job.options as unknown as Partial<ImportOptions>;
      return {
        ...importJson(job),
        columns: (options.columns ?? []).map((c) => ({ header: c.header, field: c.field })),
        options: job.options,
        segmentId: job.segment_id,
        rollback: job.rollback,
      };
    },
  );

  app.get(
    '/imports/:id/issues',
    {
      schema: {
        tags: ['imports'],
        summary: 'The row issues of an import, in row order (keyset paged)',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          after: Type.Optional(Type.String({ pattern: '^[0-9]+:[0-9]+$', maxLength: 40 })),
          code: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          severity: Type.Optional(OneOf(['error', 'warning', 'info'] as const)),
        }),
        response: {
          200: Type.Object({
            issues: Type.Array(Type.Intersect([IssueBody, Type.Object({ id: Type.Integer() })])),
            next: Nullable(Type.String()),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const job = await getImport(db, tenantId, request.params.id);
      const { limit = 100, after, code, severity } = request.query;
      const keep = (i: StoredIssue): boolean =>
        (code === undefined || i.code === code) &&
        (severity === undefined || i.severity === severity);
      const found: StoredIssue[] = [];
      let cursor = after === undefined ? undefined : cursorIssue(after);
      let more = true;
      // Filters are applied to pages in row order; without one this is a single query.
      while (found.length <= limit && more) {
        const pageSize = code === undefined && severity === undefined ? limit + 1 : 1000;
        const page = await listImportIssues(db, tenantId, job.id, {
          limit: pageSize,
          ...(cursor ? { after: cursor } : {}),
        });
        more = page.length === pageSize;
        for (const issue of page) {
          cursor = issue;
          if (keep(issue)) found.push(issue);
          if (found.length > limit) break;
        }
      }
      const listed = found.slice(0, limit);
      const last = listed[listed.length - 1];
      return {
        issues: listed.map((i) => ({ ...issueJson(i), id: i.id })),
        next: found.length > limit && last ? `${last.row ?? 0}:${last.id}` : null,
      };
    },
  );

  app.get(
    '/imports/:id/error-report',
    {
      schema: {
        tags: ['imports'],
        summary: 'The rejected and warned rows as CSV, with row, field, code and message',
        params: IdParams,
        produces: ['text/csv'],
        response: {
          // Streamed as it is written (a stream is sent as is, never serialised).
          200: Type.Unsafe<Readable>({ type: 'string', description: 'CSV (UTF-8 with BOM)' }),
          ...ERRORS,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const job = await getImport(db, tenantId, request.params.id);
      if (job.status === 'queued' || job.status === 'running' || job.status === 'cancelled') {
        throw new RosterError(
          'JOB_STATE',
          `Import ${job.id} is ${job.status}; its error report is ready when it has finished`,
          { importId: job.id, status: job.status },
        );
      }
      // Opened before the reply starts, so a missing file is an error response, not a cut CSV.
      const source = await files.source(job.storage_key, job.file_name);
      const out = new PassThrough();
      writeErrorReport(db, tenantId, job, source, out).catch((err: unknown) => {
        request.log.error({ err, importId: job.id }, 'error report failed');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      const name = `${job.file_name.replace(/\.[^.]*$/, '')}-errors.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition(name))
        .header('cache-control', 'no-store')
        .send(out);
    },
  );

  app.get(
    '/imports/:id/rollback',
    {
      schema: {
        tags: ['imports'],
        summary: 'What a rollback would do now',
        params: IdParams,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
        response: {
          200: Type.Object({
            importId: Type.String(),
            fileName: Type.String(),
            status: Status,
            toDelete: Type.Integer(),
            toRestore: Type.Integer(),
            conflicts: Type.Integer(),
            gone: Type.Integer(),
            tags: Type.Array(Type.String()),
            segment: Json,
            nothingToDo: Type.Boolean(),
          }),
          ...ERRORS,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { jobId, ...preview } = await previewRollback(db, tenantId, request.params.id, {
        force: request.query.force === true,
      });
      return { importId: jobId, ...preview };
    },
  );

  app.post(
    '/imports/:id/rollback',
    {
      schema: {
        tags: ['imports'],
        summary: 'Undo an import: delete the contacts it created, restore the ones it changed',
        params: IdParams,
        body: Type.Optional(
          Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        ),
        response: {
          200: Type.Object({
            importId: Type.String(),
            status: Type.Literal('rolled_back'),
            changed: Type.Boolean(),
            rolledBackAt: Nullable(Type.String()),
            summary: Type.Record(Type.String(), Type.Unknown()),
          }),
          ...ERRORS,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { jobId, ...result } = await rollbackImport(db, p.tenantId, request.params.id, {
        force: request.body?.force === true,
        actor: actorOf(p),
      });
      return { importId: jobId, ...result };
    },
  );

  app.post(
    '/imports/:id/cancel',
    {
      schema: {
        tags: ['imports'],
        summary: 'Cancel an import that has not started yet',
        params: IdParams,
        response: { 200: ImportBody, ...ERRORS, 409: ErrorResponse },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const job = await getImport(db, p.tenantId, request.params.id);
      if (!(await transitionImport(db, p.tenantId, job.id, ['queued'], 'cancelled'))) {
        const now = await getImport(db, p.tenantId, job.id);
        throw new RosterError(
          'JOB_STATE',
          `Import ${job.id} is ${now.status}; only a queued import can be cancelled (roll back a finished one)`,
          { importId: job.id, status: now.status },
        );
      }
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'import.cancel',
        target: { type: 'import', id: job.id },
      });
      return importJson(await getImport(db, p.tenantId, job.id));
    },
  );
}

/** The upload and its bytes in object storage. */
async function uploadSource(
  deps: AppDeps,
  tenantId: string,
  uploadId: string,
): Promise<{ upload: Awaited<ReturnType<typeof getUpload>>; source: ByteSource }> {
  const upload = await getUpload(deps.db, tenantId, uploadId);
  return { upload, source: await deps.files.source(upload.storage_key, upload.file_name) };
}

/** The name an import shows as its starter: the user's email, or the API key. */
async function actorName(db: Kysely<Database>, p: Principal): Promise<string> {
  const user = p.userId === null ? undefined : await findUser(db, p.tenantId, p.userId);
  return user?.email ?? `api-key:${p.credentialId}`;
}

function cursorIssue(after: string): StoredIssue {
  const [row = '0', id = '0'] = after.split(':');
  return {
    id: Number(id),
    row: Number(row),
    column: null,
    field: null,
    value: null,
    code: '',
    severity: 'info',
    message: '',
  };
}

function issueTotal(summary: ImportSummary): number {
  return Object.values(summary.counters.issueCounts).reduce((a, b) => a + b, 0);
}

/** Counters as the API shows them (the names of `roster import --json`). */
export function countersJson(c: ImportCounters): Static<typeof CountersBody> {
  return {
    totalRows: c.rowsProcessed,
    valid: c.rowsProcessed - c.rejected - c.duplicatesInFile,
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    skipped: c.skipped,
    rejected: c.rejected,
    warnings: c.warnings,
    duplicatesInFile: c.duplicatesInFile,
    possibleDuplicates: c.possibleDuplicates,
    issueCounts: { ...c.issueCounts },
  };
}

/** An import as lists and the start route show it. */
export function importJson(job: ImportRow): Static<typeof ImportBody> {
  return {
    id: job.id,
    status: job.status,
    file: {
      name: job.file_name,
      size: job.file_size,
      sha256: job.file_sha256,
      format: job.file_format,
    },
    uploadId: job.upload_id,
    counters: countersJson(countersOf(job)),
    rowsTotal: job.rows_total,
    actor: job.actor,
    createdAt: job.created_at.toISOString(),
    startedAt: job.started_at?.toISOString() ?? null,
    finishedAt: job.finished_at?.toISOString() ?? null,
    rolledBackAt: job.rolled_back_at?.toISOString() ?? null,
    updatedAt: job.updated_at.toISOString(),
    error: job.error as JsonValue,
  };
}
