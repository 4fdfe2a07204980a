/**
 * The wizard's first steps: upload a file (streamed to object storage, never held in memory)
 * and inspect it (format, encoding, sheets, columns with the suggested field and samples).
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { inspectionJson as inspectJson } from '../../core/inspect/inspection-json.ts';
import { RosterError, isRosterError } from '../../core/errors.ts';
import { inspectTable } from '../../core/inspect/inspect-table.ts';
import { listCustomFields } from '../../store/custom-fields.ts';
import { findPreset } from '../../store/mapping-presets.ts';
import { tenantImportSettings, tenantLimits } from '../../store/tenant-settings.ts';
import {
  createUpload,
  getUpload,
  newUploadId,
  uploadKey,
  type UploadRow,
} from '../../store/uploads.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, ErrorResponse, IdParams } from '../schemas/common.ts';
import { MapBody, ReadBody } from '../schemas/imports.ts';
import { recordAudit } from '../../store/audit.ts';

export const UploadBody = Type.Object({
  id: Type.String(),
  fileName: Type.String(),
  contentType: Type.Union([Type.String(), Type.Null()]),
  size: Type.Integer(),
  sha256: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const InspectBody = Type.Object({
  format: Type.String(),
  encoding: Type.Union([Type.String(), Type.Null()]),
  encodingConfidence: Type.Union([Type.Number(), Type.Null()]),
  delimiter: Type.Union([Type.String(), Type.Null()]),
  hasHeader: Type.Boolean(),
  headerRow: Type.Union([Type.Integer(), Type.Null()]),
  sheet: Type.Union([Type.String(), Type.Null()]),
  sheets: Type.Array(Type.String()),
  rowCount: Type.Integer({ description: 'Data rows read (all of them unless sampleOnly)' }),
  fingerprint: Type.String(),
  columns: Type.Array(
    Type.Object({
      index: Type.Integer(),
      header: Type.String(),
      field: Type.Union([Type.String(), Type.Null()]),
      confidence: Type.Number(),
      method: Type.String(),
      inferredType: Type.Union([Type.String(), Type.Null()]),
      samples: Type.Array(Type.String()),
      newCustomField: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  issues: Type.Array(
    Type.Object({
      row: Type.Union([Type.Integer(), Type.Null()]),
      column: Type.Union([Type.String(), Type.Null()]),
      code: Type.String(),
      severity: Type.String(),
      message: Type.String(),
      value: Type.Optional(Type.String()),
    }),
  ),
  issueCounts: Type.Record(Type.String(), Type.Integer()),
  issuesNotListed: Type.Integer(),
});

/** Uploads per tenant and minute: enough for people, a brake on a runaway script. */
const UPLOAD_RATE = { max: 30, timeWindow: '1 minute' };

export function registerUploadRoutes(app: App, deps: AppDeps): void {
  const { db, files } = deps;

  app.post(
    '/uploads',
    {
      config: {
        rateLimit: {
          ...UPLOAD_RATE,
          hook: 'preHandler',
          keyGenerator: (request: FastifyRequest) =>
            `uploads:${request.principal?.tenantId ?? request.ip}`,
        },
      },
      schema: {
        tags: ['imports'],
        summary: 'Upload a contact file (multipart/form-data, one file)',
        consumes: ['multipart/form-data'],
        response: { 201: UploadBody, ...ERRORS, 413: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const limits = await tenantLimits(db, p.tenantId);
      const maxBytes = Math.min(
        deps.settings.maxUploadBytes,
        limits.maxUploadBytes ?? Number.MAX_SAFE_INTEGER,
      );
      // One byte over our own limit for the parser, so that the store's meter (which leaves
      // nothing behind) is what stops an oversized file.
      const part = await request.file({ limits: { fileSize: maxBytes + 1 } });
      if (!part) throw new RosterError('REQUEST_INVALID', 'Send one file as multipart/form-data');
      const id = newUploadId();
      const key = uploadKey(p.tenantId, id);
      const contentType = part.mimetype || null;
      const stored = await files
        .put(key, part.file, { maxBytes, ...(contentType ? { contentType } : {}) })
        .catch((err: unknown) => {
          throw isRosterError(err, 'FILE_TOO_LARGE')
            ? new RosterError('FILE_TOO_LARGE', `The file is over the limit of ${maxBytes} bytes`, {
                maxBytes,
              })
            : err;
        });
      const upload = await createUpload(db, p.tenantId, {
        id,
        fileName: part.filename || 'upload',
        contentType,
        fileSize: stored.size,
        fileSha256: stored.sha256,
        storageKey: key,
        createdBy: p.userId,
      }).catch(async (err: unknown) => {
        await files.delete(key);
        throw err;
      });
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'upload.create',
        target: { type: 'upload', id },
        details: { fileName: upload.file_name, size: upload.file_size },
      });
      return reply.code(201).send(uploadJson(upload));
    },
  );

  app.get(
    '/uploads/:id',
    {
      schema: {
        tags: ['imports'],
        summary: 'An upload',
        params: IdParams,
        response: { 200: UploadBody, ...ERRORS },
      },
    },
    async (request) =>
      uploadJson(await getUpload(db, principalOf(request).tenantId, request.params.id)),
  );

  app.post(
    '/uploads/:id/inspect',
    {
      schema: {
        tags: ['imports'],
        summary: 'Format, columns, suggested mapping and samples of an upload',
        params: IdParams,
        body: Type.Object(
          {
            read: Type.Optional(ReadBody),
            map: Type.Optional(MapBody),
            /** Read only the sample (fast on big files; rowCount then counts the sample). */
            sampleOnly: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: InspectBody, ...ERRORS, 422: ErrorResponse },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const upload = await getUpload(db, tenantId, request.params.id);
      const source = await files.source(upload.storage_key, upload.file_name);
      const settings = await tenantImportSettings(db, tenantId);
      const customFields = await listCustomFields(db, tenantId);
      const result = await inspectTable(source, {
        ...request.body.read,
        customFields,
        overrides: request.body.map ?? {},
        allowNewCustomFields: settings.allowNewCustomFields,
        sampleOnly: request.body.sampleOnly === true,
        findPreset: async (fingerprint) =>
          (await findPreset(db, tenantId, fingerprint)) ?? undefined,
      });
      return inspectJson(result) as Static<typeof InspectBody>;
    },
  );
}

/** An upload as the API shows it. */
export function uploadJson(upload: UploadRow) {
  return {
    id: upload.id,
    fileName: upload.file_name,
    contentType: upload.content_type,
    size: upload.file_size,
    sha256: upload.file_sha256,
    createdBy: upload.created_by,
    createdAt: upload.created_at.toISOString(),
  };
}
