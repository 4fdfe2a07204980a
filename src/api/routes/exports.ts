/**
 * Exports: start one (checked now, written by a background job), follow it, and download the
 * finished file through a short-lived signed link.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { RosterError } from '../../core/errors.ts';
import { CONTENT_TYPES, createQueuedExport } from '../../jobs/export-job.ts';
import type { ExportRequest } from '../../jobs/run-export.ts';
import { recordAudit } from '../../store/audit.ts';
import { getExport, listExportsPage, type ExportRow } from '../../store/exports.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, ErrorResponse, IdParams, PageQuery } from '../schemas/common.ts';
import { cursorOf, foundId, isUuid, notFound, Nullable, pageOf } from '../schemas/objects.ts';

/** Download links live five minutes: long enough to start, too short to pass around. */
export const DOWNLOAD_LINK_SECONDS = 300;

const ExportBody = Type.Object({
  id: Type.String(),
  format: Type.String(),
  status: Type.String({ description: 'queued, running, completed, failed or expired' }),
  filter: Nullable(Type.String()),
  segmentId: Nullable(Type.String()),
  fields: Type.Array(Type.String()),
  rows: Nullable(Type.Integer()),
  bytes: Nullable(Type.Integer()),
  fileName: Nullable(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  expiresAt: Nullable(Type.String()),
  downloadUrl: Type.Optional(
    Type.String({ description: 'A link valid for 5 minutes; only on a completed export' }),
  ),
});

const StartExportBody = Type.Object(
  {
    format: Type.Union([
      Type.Literal('csv'),
      Type.Literal('xlsx'),
      Type.Literal('json'),
      Type.Literal('ndjson'),
    ]),
    where: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10_000, description: 'Filter language' }),
    ),
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name' })),
    ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100_000 })),
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 500 }),
    ),
    bom: Type.Optional(Type.Boolean({ description: 'CSV: start with a UTF-8 byte order mark' })),
  },
  { additionalProperties: false },
);

export function registerExportRoutes(app: App, deps: AppDeps): void {
  const { db, files } = deps;

  app.post(
    '/exports',
    {
      schema: {
        tags: ['exports'],
        summary: 'Start an export; a background job writes the file',
        body: StartExportBody,
        response: { 202: Type.Object({ export: ExportBody }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { ids, ...rest } = request.body;
      if (ids !== undefined) {
        const wrong = ids.findIndex((id) => !isUuid(id));
        if (wrong >= 0) {
          throw new RosterError('OPTION_INVALID', `ids[${wrong}] is not a contact id`, {
            index: wrong,
            id: ids[wrong],
          });
        }
      }
      const exportRequest: ExportRequest = {
        ...rest,
        ...(ids !== undefined ? { ids } : {}),
        createdBy: p.userId,
      };
      // FILTER_INVALID (with its position), OPTION_INVALID (fields), NOT_FOUND (segment) are
      // the caller's mistakes: thrown here, before anything is recorded. The request is kept
      // with the export, for the job (and for queueing a stranded export again).
      const row = await createQueuedExport(db, p.tenantId, exportRequest);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'export.create',
        target: { type: 'export', id: row.id },
        details: { format: row.format, filter: row.filter, segment: rest.segment ?? null },
      });
      await deps.jobs.startExport(p.tenantId, row.id);
      const current = (await getExport(db, p.tenantId, row.id)) ?? row;
      return reply.code(202).send({ export: exportJson(current) });
    },
  );

  app.get(
    '/exports',
    {
      schema: {
        tags: ['exports'],
        summary: "The tenant's exports, newest first",
        querystring: PageQuery,
        response: {
          200: Type.Object({ exports: Type.Array(ExportBody), next: Nullable(Type.String()) }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const limit = request.query.limit ?? 100;
      const rows = await listExportsPage(db, tenantId, {
        limit: limit + 1,
        after: cursorOf(request.query.after),
      });
      const { items, next } = pageOf(rows, limit);
      return { exports: items.map(exportJson), next };
    },
  );

  app.get(
    '/exports/:id',
    {
      schema: {
        tags: ['exports'],
        summary: "An export's status; a download link once it is completed",
        params: IdParams,
        response: { 200: ExportBody, ...ERRORS },
      },
    },
    async (request) => {
      const row = await exportOf(request, request.params.id);
      const body = exportJson(row);
      if (isDownloadable(row)) body.downloadUrl = await downloadUrl(row);
      return body;
    },
  );

  app.get(
    '/exports/:id/download',
    {
      schema: {
        tags: ['exports'],
        summary: 'Redirects (302) to a fresh short-lived link to the file',
        params: IdParams,
        response: { 302: Type.Null(), ...ERRORS, 409: ErrorResponse, 410: ErrorResponse },
      },
    },
    async (request, reply) => {
      const row = await exportOf(request, request.params.id);
      if (!isDownloadable(row)) {
        if (row.status === 'expired' || (row.status === 'completed' && isExpired(row))) {
          throw new RosterError('LINK_EXPIRED', `Export ${row.id} has expired; export again`, {
            expiredAt: row.expires_at?.toISOString() ?? null,
          });
        }
        throw new RosterError('JOB_STATE', `Export ${row.id} is ${row.status}, not completed`, {
          status: row.status,
        });
      }
      reply.header('cache-control', 'no-store');
      return reply.redirect(await downloadUrl(row), 302);
    },
  );

  async function exportOf(request: FastifyRequest, id: string): Promise<ExportRow> {
    const { tenantId } = principalOf(request);
    const row = await getExport(db, tenantId, foundId('export', id));
    if (!row) throw notFound('export', id);
    return row;
  }

  function downloadUrl(row: ExportRow): Promise<string> {
    return files.signedUrl(row.storage_key ?? '', {
      expiresInSeconds: DOWNLOAD_LINK_SECONDS,
      fileName: row.file_name ?? `contacts.${row.format}`,
      contentType: CONTENT_TYPES[row.format],
    });
  }
}

function isExpired(row: ExportRow, now = Date.now()): boolean {
  return row.expires_at !== null && row.expires_at.getTime() <= now;
}

function isDownloadable(row: ExportRow): boolean {
  return row.status === 'completed' && row.storage_key !== null && !isExpired(row);
}

function exportJson(row: ExportRow): Static<typeof ExportBody> {
  const error = row.error as { code?: unknown; message?: unknown } | null;
  return {
    id: row.id,
    format: row.format,
    status: row.status,
    filter: row.filter,
    segmentId: row.segment_id,
    fields: row.fields ?? [],
    rows: row.row_count,
    bytes: row.file_size === null ? null : Number(row.file_size),
    fileName: row.file_name,
    error:
      error === null
        ? null
        : { code: String(error.code ?? 'INTERNAL'), message: String(error.message ?? '') },
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}
