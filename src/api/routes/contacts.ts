/**
 * Contacts as the JSON export shapes them: a filtered list (keyset pages by id) and one contact
 * with the imports that created or changed it.
 */
import { Type } from '@fastify/type-provider-typebox';
import { contactObject } from '../../core/export/json-writer.ts';
import { selectColumns, type ExportLayout } from '../../core/export/index.ts';
import type { ExportContact } from '../../core/export/types.ts';
import { compileWhere } from '../../jobs/segments.ts';
import { contactImportHistory } from '../../store/contacts-read.ts';
import { listCustomFields } from '../../store/custom-fields.ts';
import {
  EXPORT_FILTER_PARAM_OFFSET,
  countSelection,
  exportPages,
  type ExportSelection,
} from '../../store/export-contacts.ts';
import type { App, AppDeps } from '../app.ts';
import { principalOf } from '../principal.ts';
import { ERRORS, IdParams, PageQuery } from '../schemas/common.ts';
import { cursorOf, foundId, notFound, Nullable } from '../schemas/objects.ts';

/** A contact in the spec's JSON export shape (camelCase fields, `customFields`, `consent`). */
const ContactBody = Type.Object(
  { id: Type.String() },
  { additionalProperties: true, description: 'The JSON export shape, with the id' },
);

const HistoryBody = Type.Object({
  importId: Type.String(),
  fileName: Type.String(),
  kind: Type.String({ description: 'created or updated' }),
  row: Nullable(Type.Integer()),
  fields: Type.Array(Type.String()),
  at: Type.String(),
  undone: Nullable(Type.String()),
});

export function registerContactRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.get(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Contacts matching a filter, in id order',
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({
            where: Type.Optional(
              Type.String({ minLength: 1, maxLength: 10_000, description: 'Filter language' }),
            ),
            count: Type.Optional(
              Type.Boolean({ description: 'Also count every match (a scan: costs time)' }),
            ),
          }),
        ]),
        response: {
          200: Type.Object({
            contacts: Type.Array(ContactBody),
            next: Nullable(Type.String()),
            total: Type.Optional(Type.Integer()),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { where, count } = request.query;
      const limit = request.query.limit ?? 100;
      const after = cursorOf(request.query.after);
      const customFields = await listCustomFields(db, tenantId);
      const layout = layoutOf(customFields);
      const filter =
        where === undefined
          ? undefined
          : compileWhere(where, customFields, EXPORT_FILTER_PARAM_OFFSET);
      const selection: ExportSelection = filter ? { where: filter } : {};
      // The export pages start at the first id; a cursor adds "after this id" to the filter.
      const paged: ExportSelection =
        after === undefined
          ? selection
          : { where: withAfter(filter, after, EXPORT_FILTER_PARAM_OFFSET) };
      const rows = await firstPage(exportPages(db, tenantId, paged, limit + 1));
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? (page[page.length - 1]?.id ?? null) : null;
      return {
        contacts: page.map((c) => contactJson(c, layout)),
        next,
        ...(count === true ? { total: await countSelection(db, tenantId, selection) } : {}),
      };
    },
  );

  app.get(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'One contact, and the imports that created or changed it',
        params: IdParams,
        response: {
          200: Type.Object({ contact: ContactBody, imports: Type.Array(HistoryBody) }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const id = foundId('contact', request.params.id);
      const customFields = await listCustomFields(db, tenantId);
      const [contact] = await firstPage(exportPages(db, tenantId, { ids: [id] }, 1));
      if (!contact) throw notFound('contact', id);
      const history = await contactImportHistory(db, tenantId, id);
      return {
        contact: contactJson(contact, layoutOf(customFields)),
        imports: history.map((h) => ({ ...h, at: h.at.toISOString() })),
      };
    },
  );
}

/** Every column of the default export; segment definitions matter only to XLSX. */
function layoutOf(customFields: ExportLayout['customFields']): ExportLayout {
  return { columns: selectColumns(undefined, customFields), customFields, segments: [] };
}

function contactJson(contact: ExportContact, layout: ExportLayout) {
  return { id: contact.id, ...contactObject(contact, layout) };
}

/** The filter (if any) and `c.id > after`, with placeholders numbered from `offset + 1`. */
function withAfter(
  filter: { sql: string; params: readonly unknown[] } | undefined,
  after: string,
  offset: number,
): { sql: string; params: unknown[] } {
  const params = [...(filter?.params ?? []), after];
  const cursor = `c.id > $${offset + params.length}::uuid`;
  return { sql: filter ? `(${filter.sql}) and ${cursor}` : cursor, params };
}

async function firstPage<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const first = await pages.next();
  await pages.return(undefined);
  return first.done === true ? [] : first.value;
}
