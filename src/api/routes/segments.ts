/**
 * Segments: static lists (filled by imports) and saved filters, with how many contacts each
 * holds now. A saved filter is checked against the tenant's fields when it is saved.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { isRosterError } from '../../core/errors.ts';
import type { CustomFieldDef } from '../../core/model/fields.ts';
import { compileWhere, countSegment } from '../../jobs/segments.ts';
import { recordAudit } from '../../store/audit.ts';
import { listCustomFields } from '../../store/custom-fields.ts';
import type { Database } from '../../store/schema.ts';
import {
  deleteSegment,
  getSegment,
  listSegments,
  saveFilterSegment,
  updateSegment,
  type SegmentSummary,
} from '../../store/segments.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, ErrorResponse, IdParams, NoContent } from '../schemas/common.ts';
import { foundId, notFound, Nullable, NullableInput } from '../schemas/objects.ts';

const SegmentBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  kind: Type.String({ description: 'list (explicit members) or filter (saved filter)' }),
  where: Nullable(Type.String({ description: 'The saved filter; null for a list' })),
  importId: Nullable(Type.String()),
  createdAt: Type.String(),
  contacts: Nullable(
    Type.Integer({ description: 'Contacts now; null when the filter no longer fits the fields' }),
  ),
});
type SegmentJson = Static<typeof SegmentBody>;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Where = Type.String({ minLength: 1, maxLength: 10_000, description: 'Filter language' });
const Description = NullableInput<string>('string', { maxLength: 2000 });

export function registerSegmentRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.get(
    '/segments',
    {
      schema: {
        tags: ['segments'],
        summary: "The tenant's segments by name, with their contact counts",
        response: { 200: Type.Object({ segments: Type.Array(SegmentBody) }), ...ERRORS },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const customFields = await listCustomFields(db, tenantId);
      const segments: SegmentJson[] = [];
      for (const s of await listSegments(db, tenantId)) {
        segments.push(await segmentJson(db, tenantId, s, customFields));
      }
      return { segments };
    },
  );

  app.get(
    '/segments/:id',
    {
      schema: {
        tags: ['segments'],
        params: IdParams,
        response: { 200: SegmentBody, ...ERRORS },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const id = foundId('segment', request.params.id);
      const segment = await getSegment(db, tenantId, id);
      if (!segment) throw notFound('segment', id);
      return segmentJson(db, tenantId, segment, await listCustomFields(db, tenantId));
    },
  );

  app.post(
    '/segments',
    {
      schema: {
        tags: ['segments'],
        summary: 'Save a filter as a segment',
        body: Type.Object(
          { name: Name, where: Where, description: Type.Optional(Description) },
          { additionalProperties: false },
        ),
        response: { 201: SegmentBody, ...ERRORS, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { name, where, description = null } = request.body;
      const customFields = await listCustomFields(db, p.tenantId);
      // FILTER_INVALID with the position, before anything is saved.
      compileWhere(where, customFields, 1);
      const segment = await saveFilterSegment(db, p.tenantId, name.trim(), where, description);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'segment.create',
        target: { type: 'segment', id: segment.id },
        details: { name: segment.name, filter: where },
      });
      return reply.code(201).send(await segmentJson(db, p.tenantId, segment, customFields));
    },
  );

  app.patch(
    '/segments/:id',
    {
      schema: {
        tags: ['segments'],
        summary: "Rename a segment, or change its description or (a saved filter's) filter",
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            where: Type.Optional(Where),
            description: Type.Optional(Description),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SegmentBody, ...ERRORS, 409: ErrorResponse },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const id = foundId('segment', request.params.id);
      const { name, where, description } = request.body;
      const customFields = await listCustomFields(db, p.tenantId);
      if (where !== undefined) compileWhere(where, customFields, 1);
      const segment = await updateSegment(db, p.tenantId, id, {
        ...(name !== undefined ? { name: name.trim() } : {}),
        ...(where !== undefined ? { filter: where } : {}),
        ...(description !== undefined ? { description } : {}),
      });
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'segment.update',
        target: { type: 'segment', id },
        details: { changed: Object.keys(request.body) },
      });
      return segmentJson(db, p.tenantId, segment, customFields);
    },
  );

  app.delete(
    '/segments/:id',
    {
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment (its contacts stay)',
        params: IdParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = foundId('segment', request.params.id);
      await deleteSegment(db, p.tenantId, id);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'segment.delete',
        target: { type: 'segment', id },
      });
      return reply.code(204).send(null);
    },
  );
}

async function segmentJson(
  db: Kysely<Database>,
  tenantId: string,
  s: SegmentSummary,
  customFields: readonly CustomFieldDef[],
): Promise<SegmentJson> {
  let contacts: number | null;
  try {
    contacts = await countSegment(db, tenantId, s, customFields);
  } catch (err) {
    // A saved filter naming a custom field deleted since: listed, but not countable.
    if (!isRosterError(err, 'FILTER_INVALID')) throw err;
    contacts = null;
  }
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    kind: s.filter === null ? 'list' : 'filter',
    where: s.filter,
    importId: s.importId,
    createdAt: s.createdAt.toISOString(),
    contacts,
  };
}
