/**
 * The options of an import as the API takes them (camelCase JSON), shared by the wizard's
 * dry-run and import routes and the JSON API import, and their one translation to the engine's
 * ImportRequest.
 */
import { NullableInput } from './objects.ts';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { FIELD_STRATEGIES, type MergeOptions } from '../../core/merge/index.ts';
import { DATE_FORMATS, type TransformOptions } from '../../core/transform/index.ts';
import type { ImportRequest } from '../../jobs/plan-import.ts';

/**
 * One of a list of strings, typed as their union (TypeBox's literal unions built from an array
 * lose the literal types).
 *
 * @example
 * const Strategy = OneOf(['skip', 'update'] as const); // Static: 'skip' | 'update'
 */
export function OneOf<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    ...(description !== undefined ? { description } : {}),
  });
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

/** Per-column (or whole-import) cleaning rules. */
export const ColumnRulesBody = Type.Object(
  {
    dateFormat: Type.Optional(OneOf(DATE_FORMATS)),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    listDelimiters: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 5 }), { maxItems: 10 }),
    ),
    lowercase: Type.Optional(Type.Boolean()),
    titleCase: Type.Optional(Type.Boolean()),
    decimalSeparator: Type.Optional(OneOf(['.', ','] as const)),
  },
  { additionalProperties: false },
);

/** How the file is read; what is left out is detected. */
export const ReadBody = Type.Object(
  {
    format: Type.Optional(OneOf(['csv', 'xlsx', 'xls', 'json', 'ndjson'] as const)),
    sheet: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    encoding: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    hasHeader: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ReadBody = Static<typeof ReadBody>;

/** Header → field (`email`, `custom:industry`); null: the column is not imported. */
export const MapBody = Type.Record(
  Type.String({ maxLength: 500 }),
  // A type list, not a union: with type coercion on, Ajv would turn null into "" in a union.
  NullableInput<string>('string', { minLength: 1, maxLength: 200 }),
);

export const ImportOptionsBody = Type.Object(
  {
    read: Type.Optional(ReadBody),
    map: Type.Optional(MapBody),
    /** What to do with a row matching an existing contact. */
    duplicateStrategy: Type.Optional(OneOf(['skip', 'update', 'merge', 'create'] as const)),
    /** Per-field overrides of the duplicate strategy. */
    fieldRules: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 200 }), OneOf(FIELD_STRATEGIES)),
    ),
    /** For `update_if_newer`: the row's timestamp field and the contact's. */
    newer: Type.Optional(
      Type.Object(
        {
          rowField: Type.String({ minLength: 1, maxLength: 200 }),
          existingField: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    clearBlanks: Type.Optional(Type.Boolean()),
    importConsent: Type.Optional(Type.Boolean()),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
    ),
    segmentName: Type.Optional(NullableInput<string>('string', { maxLength: 200 })),
    /** Cleaning rules for the whole import, and per column by header. */
    rules: Type.Optional(ColumnRulesBody),
    columns: Type.Optional(Type.Record(Type.String({ maxLength: 500 }), ColumnRulesBody)),
    /** Shortcuts for two common rules. */
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    dateFormat: Type.Optional(OneOf(DATE_FORMATS)),
    /** Possible duplicates (similar name + company, same phone): false turns the search off. */
    fuzzy: Type.Optional(Type.Boolean({ default: true })),
    fuzzyThreshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    mergeFuzzy: Type.Optional(Type.Boolean()),
    /** Look up the MX records of email domains. */
    mx: Type.Optional(Type.Boolean()),
    /** Remember the mapping for files with the same header row. */
    remember: Type.Optional(Type.Boolean()),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000 })),
  },
  { additionalProperties: false, $id: 'ImportOptions' },
);
export type ImportOptionsBody = Static<typeof ImportOptionsBody>;

/**
 * The API's import options as the engine's ImportRequest (the one place they are translated).
 *
 * @example
 * const request = importRequestOf({ duplicateStrategy: 'update', tags: ['webinar'] });
 * await planImport(db, tenantId, source, request);
 */
export function importRequestOf(body: ImportOptionsBody): ImportRequest {
  const merge: MergeOptions = {
    strategy: body.duplicateStrategy ?? 'skip',
    ...(body.fieldRules && Object.keys(body.fieldRules).length > 0
      ? { fields: body.fieldRules }
      : {}),
    ...(body.clearBlanks ? { clearBlanks: true } : {}),
    ...(body.importConsent ? { importConsent: true } : {}),
    ...(body.newer ? { newer: body.newer } : {}),
  };
  const country = (body.defaultCountry ?? body.rules?.defaultCountry)?.toUpperCase();
  const transform: TransformOptions = {
    ...body.rules,
    ...(body.dateFormat !== undefined ? { dateFormat: body.dateFormat } : {}),
    ...(country !== undefined ? { defaultCountry: country } : {}),
    columns: Object.fromEntries(
      Object.entries(body.columns ?? {}).map(([header, rules]) => [
        header,
        rules.defaultCountry
          ? { ...rules, defaultCountry: rules.defaultCountry.toUpperCase() }
          : rules,
      ]),
    ),
  };
  return {
    read: body.read ?? {},
    map: body.map ?? {},
    transform,
    merge,
    tags: body.tags ?? [],
    segment: body.segmentName ?? null,
    mx: body.mx === true,
    remember: body.remember === true,
    fuzzy:
      body.fuzzy === false
        ? null
        : {
            ...(body.fuzzyThreshold !== undefined ? { threshold: body.fuzzyThreshold } : {}),
            merge: body.mergeFuzzy === true,
          },
    ...(body.batchSize !== undefined ? { batchSize: body.batchSize } : {}),
  };
}

/** The counters of an import or a dry run (the validation screen and the status page). */
export const CountersBody = Type.Object({
  totalRows: Type.Integer(),
  valid: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Integer(),
  rejected: Type.Integer(),
  warnings: Type.Integer(),
  duplicatesInFile: Type.Integer(),
  possibleDuplicates: Type.Integer(),
  issueCounts: Type.Record(Type.String(), Type.Integer()),
});
export type CountersBody = Static<typeof CountersBody>;

/** One row issue. */
export const IssueBody = Type.Object({
  row: Nullable(Type.Integer()),
  column: Nullable(Type.String()),
  field: Nullable(Type.String()),
  value: Nullable(Type.String()),
  code: Type.String(),
  severity: Type.String(),
  message: Type.String(),
});
export type IssueBody = Static<typeof IssueBody>;
