/**
 * The API import for automation (`POST /api/contacts/import`, the spec's "API Import
 * Automation"): contacts in the JSON export's shape plus the options of a file import, and the
 * one place where the spec's option names are translated to ours.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { ImportRequest } from '../../jobs/plan-import.ts';
import { CountersBody, ImportOptionsBody, OneOf, importRequestOf } from './imports.ts';

/** Contacts one request may carry unless the tenant sets `maxContactsPerRequest`. */
export const DEFAULT_MAX_CONTACTS_PER_REQUEST = 10_000;
/** The most a tenant may allow: the request body must stay within the route's body limit. */
export const MAX_CONTACTS_PER_REQUEST = 100_000;

/** Our strategy names and the spec's (`update_existing` in its example, the wizard's names). */
const STRATEGY_ALIASES = {
  skip: 'skip',
  update: 'update',
  merge: 'merge',
  create: 'create',
  skip_new: 'skip',
  update_existing: 'update',
  merge_fields: 'merge',
  create_new: 'create',
} as const;
type StrategyName = keyof typeof STRATEGY_ALIASES;

// The file-import options apply as they are, except how the file is read (it is our own JSON).
const { read: _read, duplicateStrategy: _strategy, ...fileOptions } = ImportOptionsBody.properties;

export const ContactsImportBody = Type.Object(
  {
    /**
     * Contacts as the JSON export writes them: camelCase standard fields, `tags` as a list,
     * `customFields` as an object, `consent`. Only their being objects is checked here; their
     * fields go through the import pipeline, and a bad value is a row issue in the results.
     */
    contacts: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      minItems: 1,
      maxItems: MAX_CONTACTS_PER_REQUEST,
    }),
    ...fileOptions,
    duplicateStrategy: Type.Optional(
      OneOf(
        Object.keys(STRATEGY_ALIASES) as StrategyName[],
        'What to do with a contact that exists: skip (skip_new), update (update_existing), merge (merge_fields) or create (create_new)',
      ),
    ),
    /** The spec's `source`: the Source of the contacts this request creates. */
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The spec's name for `map`; `map` wins for a key given in both. */
    fieldMapping: Type.Optional(fileOptions.map),
  },
  { additionalProperties: false },
);
export type ContactsImportBody = Static<typeof ContactsImportBody>;

/** The request's headers: an optional key that makes a retry safe. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const ROW_STATUSES = [
  'created',
  'updated',
  'unchanged',
  'skipped',
  'duplicate_in_file',
  'rejected',
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export const RowResultBody = Type.Object({
  /** Position in the request's `contacts` list (0-based). */
  index: Type.Integer(),
  status: OneOf(ROW_STATUSES),
  /** The contact the row created, changed or matched; null for rejected and in-file duplicates. */
  contactId: Type.Union([Type.String(), Type.Null()]),
  issues: Type.Array(
    Type.Object({
      field: Type.Union([Type.String(), Type.Null()]),
      code: Type.String(),
      severity: Type.String(),
      message: Type.String(),
    }),
  ),
});
export type RowResultBody = Static<typeof RowResultBody>;

export const ContactsImportResponse = Type.Object({
  importId: Type.String(),
  status: Type.String(),
  counters: CountersBody,
  results: Type.Array(RowResultBody),
});
export type ContactsImportResponse = Static<typeof ContactsImportResponse>;

/** What a request asks for, in the engine's terms. */
export interface ContactsImportRequest {
  request: ImportRequest;
  /** The Source given to the contacts this import creates (they keep their own if they have one). */
  source: string | null;
}

/**
 * The body's options as the engine's ImportRequest: the spec's names (`update_existing`,
 * `fieldMapping`, `source`) mapped onto the file import's, then the file import's translation.
 * A `source` becomes a field rule: created contacts get it, existing ones keep theirs.
 *
 * @example
 * contactsImportRequestOf({ contacts, duplicateStrategy: 'update_existing', source: 'crm' });
 * // { request: { merge: { strategy: 'update', fields: { source: 'keep_existing' } }, ... }, source: 'crm' }
 */
export function contactsImportRequestOf(body: ContactsImportBody): ContactsImportRequest {
  const {
    contacts: _contacts,
    duplicateStrategy,
    source,
    fieldMapping,
    map,
    fieldRules,
    ...rest
  } = body;
  const options: ImportOptionsBody = {
    ...rest,
    read: { format: 'json' },
    ...(duplicateStrategy !== undefined
      ? { duplicateStrategy: STRATEGY_ALIASES[duplicateStrategy] }
      : {}),
    ...(fieldMapping !== undefined || map !== undefined
      ? { map: { ...fieldMapping, ...map } }
      : {}),
    ...(source !== undefined || fieldRules !== undefined
      ? {
          fieldRules: {
            ...(source !== undefined ? { source: 'keep_existing' as const } : {}),
            ...fieldRules,
          },
        }
      : {}),
  };
  return { request: importRequestOf(options), source: source ?? null };
}
