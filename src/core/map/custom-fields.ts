import type { CustomFieldDef, CustomFieldType } from '../model/fields.ts';
import { compactKey, normalizeHeader, snakeCase } from './normalize-header.ts';
import type { ColumnStats } from './types.ts';

const PREFIXES: readonly RegExp[] = [
  // Roster's own JSON export, flattened: customFields.companySize
  /^custom_?fields?\.(.+)$/i,
  /^custom[\s_-]*fields?[\s_:.-]+(.+)$/i,
  /^cf[\s_:.-]+(.+)$/i,
  /^custom[\s_:.-]+(.+)$/i,
];

/**
 * The custom field key a header asks for with a `custom_`, `cf_`, `custom_field_` or
 * `customFields.` prefix, snake_cased; null when the header has no such prefix. Google's
 * numbered "Custom Field 1 - Value" columns are not custom fields of Roster's kind.
 *
 * @example
 * customFieldKeyOf('custom_field_industry') // 'industry'
 * customFieldKeyOf('customFields.companySize') // 'company_size'
 * customFieldKeyOf('Custom Field 1 - Value') // null
 */
export function customFieldKeyOf(header: string): string | null {
  const raw = header.replace(/^\uFEFF/, '').trim();
  for (const re of PREFIXES) {
    const m = re.exec(raw);
    if (!m) continue;
    const key = snakeCase(m[1]!);
    if (key.length === 0 || /^\d+(?:_(?:value|label|type))?$/.test(key)) return null;
    return key;
  }
  return null;
}

/**
 * The tenant's custom field that a header names by its key or its label, compared after
 * normalisation ("Company Size", "company_size" and "companySize" all name `company_size`).
 *
 * @example
 * findCustomField('Industry', [{ key: 'industry', label: 'Industry', type: 'text' }])?.key // 'industry'
 */
export function findCustomField(
  nameOrKey: string,
  customFields: readonly CustomFieldDef[],
): CustomFieldDef | undefined {
  const wanted = compactKey(normalizeHeader(nameOrKey));
  if (wanted.length === 0) return undefined;
  return (
    customFields.find((d) => compactKey(normalizeHeader(d.key)) === wanted) ??
    customFields.find((d) => compactKey(normalizeHeader(d.label)) === wanted)
  );
}

/** The type a new custom field gets from its sample values, with options for select fields. */
export interface InferredCustomType {
  type: CustomFieldType;
  options?: string[];
}

/** Most values must agree on a type for the column to get it. */
const TYPE_SHARE = 0.9;
/** A select field has at most this many options... */
const MAX_SELECT_OPTIONS = 20;
/** ...and its values repeat: at most this share of the values are distinct. */
const MAX_SELECT_DISTINCT_SHARE = 0.7;

/**
 * Infers a custom field's type from its values: boolean (yes/no, true/false, 1/0), number, date,
 * multi_select (lists separated by `|` or `;` whose parts repeat), select (a few distinct values
 * that repeat; the options keep their first-seen order), else text. An empty column is text.
 *
 * @example
 * inferCustomType(profileColumns(['tier'], rows)[0].stats) // { type: 'select', options: ['Free', 'Pro'] }
 */
export function inferCustomType(stats: ColumnStats): InferredCustomType {
  if (stats.nonEmpty === 0) return { type: 'text' };
  if (stats.booleanShare >= TYPE_SHARE && !stats.distinctCapped && stats.distinct.length <= 4) {
    return { type: 'boolean' };
  }
  if (stats.numberShare >= TYPE_SHARE) return { type: 'number' };
  if (stats.dateShare >= TYPE_SHARE) return { type: 'date' };
  if (
    stats.listShare >= 0.3 &&
    stats.listParts.length <= MAX_SELECT_OPTIONS * 2 &&
    stats.listParts.length < stats.listPartCount
  ) {
    return { type: 'multi_select', options: stats.listParts };
  }
  const distinct = stats.distinct.length;
  if (
    !stats.distinctCapped &&
    distinct <= MAX_SELECT_OPTIONS &&
    stats.nonEmpty >= 3 &&
    distinct <= Math.max(2, stats.nonEmpty * MAX_SELECT_DISTINCT_SHARE) &&
    stats.maxLength <= 100
  ) {
    return { type: 'select', options: stats.distinct };
  }
  return { type: 'text' };
}
