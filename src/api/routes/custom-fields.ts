/**
 * The tenant's custom fields. Anyone signed in reads them; only admins create, change or delete
 * them (they shape every import and export of the tenant).
 */
import { Type } from '@fastify/type-provider-typebox';
import type { CustomFieldDef } from '../../core/model/fields.ts';
import { recordAudit } from '../../store/audit.ts';
import {
  createCustomField,
  deleteCustomField,
  listCustomFields,
  updateCustomField,
} from '../../store/custom-fields.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, ErrorResponse, NoContent } from '../schemas/common.ts';
import { NullableInput } from '../schemas/objects.ts';

const FieldType = Type.Union([
  Type.Literal('text'),
  Type.Literal('number'),
  Type.Literal('date'),
  Type.Literal('boolean'),
  Type.Literal('select'),
  Type.Literal('multi_select'),
]);
const Options = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 1000,
});

const CustomFieldBody = Type.Object({
  key: Type.String(),
  label: Type.String(),
  type: Type.String(),
  options: Type.Optional(Type.Array(Type.String())),
  required: Type.Optional(Type.Boolean()),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  maxLength: Type.Optional(Type.Integer()),
});

const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });

export function registerCustomFieldRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.get(
    '/custom-fields',
    {
      schema: {
        tags: ['custom fields'],
        summary: "The tenant's custom fields, in display order",
        response: { 200: Type.Object({ customFields: Type.Array(CustomFieldBody) }), ...ERRORS },
      },
    },
    async (request) => ({
      customFields: await listCustomFields(db, principalOf(request).tenantId),
    }),
  );

  app.post(
    '/custom-fields',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['custom fields'],
        summary: 'Create a custom field',
        body: Type.Object(
          {
            key: Type.String({ minLength: 1, maxLength: 63, description: 'snake_case' }),
            label: Type.String({ minLength: 1, maxLength: 200 }),
            type: FieldType,
            options: Type.Optional(Options),
            required: Type.Optional(Type.Boolean()),
            min: Type.Optional(Type.Number()),
            max: Type.Optional(Type.Number()),
            maxLength: Type.Optional(Type.Integer({ minimum: 1 })),
            position: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CustomFieldBody, ...ERRORS, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const field = await createCustomField(db, p.tenantId, request.body);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'custom_field.create',
        target: { type: 'custom_field', id: field.key },
        details: { type: field.type },
      });
      return reply.code(201).send(field);
    },
  );

  app.patch(
    '/custom-fields/:key',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['custom fields'],
        summary: "Change a custom field's label, options or rules (not its key or type)",
        params: KeyParams,
        body: Type.Object(
          {
            label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            options: Type.Optional(Options),
            required: Type.Optional(Type.Boolean()),
            min: Type.Optional(NullableInput<number>('number')),
            max: Type.Optional(NullableInput<number>('number')),
            maxLength: Type.Optional(NullableInput<number>('integer', { minimum: 1 })),
            position: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CustomFieldBody, ...ERRORS },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const field: CustomFieldDef = await updateCustomField(
        db,
        p.tenantId,
        request.params.key,
        request.body,
      );
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'custom_field.update',
        target: { type: 'custom_field', id: field.key },
        details: { changed: Object.keys(request.body) },
      });
      return field;
    },
  );

  app.delete(
    '/custom-fields/:key',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['custom fields'],
        summary: 'Delete a custom field (values stay stored on the contacts)',
        params: KeyParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await deleteCustomField(db, p.tenantId, request.params.key);
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'custom_field.delete',
        target: { type: 'custom_field', id: request.params.key },
      });
      return reply.code(204).send(null);
    },
  );
}
