/**
 * Sets an import up: reads the head of the file, maps its columns (remembered preset, then
 * suggestions, then the person's own choices), and fixes every option the run will use. The
 * result is stored with the import, so the run and any resumption use exactly these settings.
 */
import type { Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import { inspectTable, type InspectResult } from '../core/inspect/inspect-table.ts';
import type { ByteSource } from '../core/model/byte-source.ts';
import {
  customKeyOf,
  CUSTOM_FIELD_TYPES,
  isCustomRef,
  type CustomFieldDef,
  type CustomFieldType,
  type FieldRef,
} from '../core/model/fields.ts';
import { validateMergeOptions, type MergeOptions } from '../core/merge/index.ts';
import type { ColumnRules, TransformOptions } from '../core/transform/index.ts';
import { listCustomFields } from '../store/custom-fields.ts';
import { findPreset, savePreset } from '../store/mapping-presets.ts';
import type { Database, JsonValue } from '../store/schema.ts';
import { tenantImportSettings } from '../store/tenant-settings.ts';
import {
  DEFAULT_FUZZY_THRESHOLD,
  DEFAULT_IMPORT_BATCH_SIZE,
  type ImportOptions,
} from './import-options.ts';

/** What a person asks for (CLI flags, API body, mapping file). */
export interface ImportRequest {
  read?: ImportOptions['read'];
  /** Header → field (`null`: do not import), over the suggestions and any remembered preset. */
  map?: Record<string, FieldRef | null>;
  /** Transform rules; `columns` holds rules per header. */
  transform?: TransformOptions;
  merge?: MergeOptions;
  tags?: string[];
  segment?: string | null;
  mx?: boolean;
  batchSize?: number;
  /** Remember the mapping and column rules for files with the same header row. */
  remember?: boolean;
  /** Possible-duplicate detection (default: on at 0.85, listed only); null turns it off. */
  fuzzy?: { threshold?: number; merge?: boolean } | null;
}

export interface PlannedImport {
  options: ImportOptions;
  inspection: InspectResult;
}

/**
 * Builds the options of an import of `source` for the tenant.
 * Throws RosterError('OPTION_INVALID') for contradictory or unknown settings, before anything
 * is written.
 *
 * @example
 * const { options } = await planImport(db, tenantId, fileSource('leads.csv'), { merge: { strategy: 'update' } });
 */
export async function planImport(
  db: Kysely<Database>,
  tenantId: string,
  source: ByteSource,
  request: ImportRequest,
): Promise<PlannedImport> {
  const settings = await tenantImportSettings(db, tenantId);
  const customFields = await listCustomFields(db, tenantId);
  let presetTransforms: Record<string, JsonValue> = {};
  const inspection = await inspectTable(source, {
    ...request.read,
    customFields,
    overrides: request.map ?? {},
    allowNewCustomFields: settings.allowNewCustomFields,
    sampleOnly: true,
    findPreset: async (fingerprint) => {
      const preset = await findPreset(db, tenantId, fingerprint);
      if (preset) presetTransforms = preset.transforms;
      return preset ?? undefined;
    },
  });
  const merge = request.merge ?? { strategy: 'skip' };
  validateMergeOptions(merge);
  const newCustomFields = newFieldsOf(inspection, customFields, settings.allowNewCustomFields);
  const columnRules = {
    ...(presetColumnRules(presetTransforms) ?? {}),
    ...(request.transform?.columns ?? {}),
  };
  const defaultCountry = request.transform?.defaultCountry ?? settings.defaultCountry ?? undefined;
  const transform: TransformOptions = {
    ...request.transform,
    ...(defaultCountry !== undefined ? { defaultCountry } : {}),
    ...(request.tags && request.tags.length > 0 ? { importTags: request.tags } : {}),
    columns: columnRules,
  };
  const options: ImportOptions = {
    read: {
      ...request.read,
      format: inspection.format,
      ...(inspection.encoding !== null ? { encoding: inspection.encoding } : {}),
      ...(inspection.delimiter !== null ? { delimiter: inspection.delimiter } : {}),
      hasHeader: inspection.hasHeader,
      ...(inspection.sheet !== null ? { sheet: inspection.sheet } : {}),
    },
    header: inspection.columns.map((c) => c.header),
    columns: inspection.columns.map((c) => ({
      index: c.index - 1,
      header: c.header,
      field: c.field,
    })),
    newCustomFields,
    transform,
    merge,
    matchKeys: settings.matchKeys,
    segment: request.segment?.trim() ? request.segment.trim() : null,
    mx: request.mx ?? false,
    batchSize: request.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE,
    fuzzy: fuzzyOf(request.fuzzy),
  };
  const identity = settings.matchKeys === 'email' ? ['email'] : ['email', 'phone'];
  if (!options.columns.some((c) => c.field !== null && identity.includes(c.field))) {
    throw new RosterError(
      'OPTION_INVALID',
      `No column is mapped to ${identity.join(' or ')}, so no row could be identified. Map one with --map "Header=email"`,
      { columns: options.header },
    );
  }
  if (request.remember === true) {
    await savePreset(db, tenantId, {
      fingerprint: inspection.fingerprint,
      header: options.header,
      mapping: Object.fromEntries(inspection.columns.map((c) => [c.header, c.field])),
      transforms: { columns: columnRules as unknown as JsonValue },
    });
  }
  return { options, inspection };
}

function presetColumnRules(
  transforms: Record<string, JsonValue>,
): Record<string, ColumnRules> | null {
  const columns = transforms['columns'];
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) return null;
  return columns as unknown as Record<string, ColumnRules>;
}

/**
 * Custom fields the mapping names that do not exist yet: suggested ones carry a definition; a
 * field named by hand (`--map "Plan=custom:plan"`) gets the type its values suggest.
 */
function newFieldsOf(
  inspection: InspectResult,
  existing: readonly CustomFieldDef[],
  allowed: boolean,
): CustomFieldDef[] {
  const out: CustomFieldDef[] = [];
  for (const c of inspection.columns) {
    if (c.field === null || !isCustomRef(c.field)) continue;
    const key = customKeyOf(c.field);
    if (existing.some((f) => f.key === key) || out.some((f) => f.key === key)) continue;
    if (!allowed) {
      throw new RosterError(
        'OPTION_INVALID',
        `Column "${c.header}" maps to the custom field "${key}", which does not exist, and this tenant does not let imports create custom fields. Map it to an existing field or skip it (--map "${c.header}=-")`,
        { column: c.header },
      );
    }
    const inferred = c.inferredType;
    const type: CustomFieldType =
      c.newCustomField?.type ??
      (inferred !== null && CUSTOM_FIELD_TYPES.includes(inferred as CustomFieldType)
        ? (inferred as CustomFieldType)
        : 'text');
    out.push(c.newCustomField ?? { key, label: c.header, type });
  }
  return out;
}

function fuzzyOf(fuzzy: ImportRequest['fuzzy']): ImportOptions['fuzzy'] {
  if (fuzzy === null) return null;
  const threshold = fuzzy?.threshold ?? DEFAULT_FUZZY_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RosterError(
      'OPTION_INVALID',
      'The possible-duplicate threshold must be above 0 and at most 1 (e.g. 0.85)',
    );
  }
  return { threshold, merge: fuzzy?.merge === true };
}
