/**
 * The transform plan: everything about the columns of one import that does not change from row
 * to row, resolved once.
 */
import { RosterError } from '../errors.ts';
import { customKeyOf, isCustomRef, standardField, type CustomFieldDef } from '../model/fields.ts';
import {
  customStep,
  fullNameStep,
  standardStep,
  type ColumnStep,
  type ResolvedRules,
  type StepTarget,
} from './column-steps.ts';
import { cleanText } from './clean-text.ts';
import { DATE_FORMATS, isTimeZone } from './parse-date.ts';
import { isPhoneCountry } from './parse-phone.ts';
import { DEFAULT_LIST_DELIMITERS, listSplitter } from './split-list.ts';
import type { ColumnRules, TransformColumn, TransformOptions } from './types.ts';

export interface PlannedColumn {
  index: number;
  step: ColumnStep;
}

export interface TransformPlan {
  /** Mapped columns in file order. Unmapped columns have no step: they are not read at all. */
  readonly columns: readonly PlannedColumn[];
  /** The import's own tags, clean and de-duplicated (empty when none). */
  readonly importTags: readonly string[];
}

const RULE_KEYS: ReadonlySet<string> = new Set([
  'dateFormat',
  'timeZone',
  'defaultCountry',
  'listDelimiters',
  'lowercase',
  'titleCase',
  'decimalSeparator',
]);

function resolveRules(rules: ColumnRules, where: string): ResolvedRules {
  const bad = (what: string): never => {
    throw new RosterError('OPTION_INVALID', `${where}: ${what}`, { column: where });
  };
  // Rules often come from a hand-written mapping file: a misspelt rule must not be ignored.
  for (const key of Object.keys(rules))
    if (!RULE_KEYS.has(key)) bad(`unknown rule "${key}" (one of ${[...RULE_KEYS].join(', ')})`);
  for (const key of ['lowercase', 'titleCase'] as const) {
    if (rules[key] !== undefined && typeof rules[key] !== 'boolean')
      bad(`${key} must be true or false`);
  }
  if (rules.listDelimiters !== undefined && !Array.isArray(rules.listDelimiters))
    bad('list delimiters must be a list of strings');
  const dateFormat = rules.dateFormat ?? 'auto';
  if (!DATE_FORMATS.includes(dateFormat))
    bad(`unknown date format "${dateFormat}" (one of ${DATE_FORMATS.join(', ')})`);
  const timeZone = rules.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) bad(`unknown time zone "${timeZone}"`);
  const country = rules.defaultCountry?.toUpperCase();
  if (country !== undefined && !isPhoneCountry(country))
    bad(`unknown phone country "${rules.defaultCountry}"`);
  const delimiters = rules.listDelimiters ?? DEFAULT_LIST_DELIMITERS;
  if (delimiters.some((d) => typeof d !== 'string' || d === ''))
    bad('list delimiters must be non-empty strings');
  const decimalSeparator = rules.decimalSeparator ?? '.';
  if (decimalSeparator !== '.' && decimalSeparator !== ',')
    bad(`decimal separator must be "." or ","`);
  return {
    dateFormat,
    timeZone,
    defaultCountry: country !== undefined && isPhoneCountry(country) ? country : undefined,
    split: listSplitter(delimiters),
    lowercase: rules.lowercase ?? false,
    titleCase: rules.titleCase ?? false,
    decimalSeparator,
  };
}

/**
 * Builds the plan of one import. Throws `OPTION_INVALID` for options that cannot work (unknown
 * time zone, date format or country; a column mapped to a field that does not exist), since
 * those are mistakes in the import's settings, not in its rows.
 *
 * @example
 * const plan = buildTransformPlan(
 *   [{ index: 0, header: 'Phone', field: 'phone' }, { index: 1, header: 'Signup', field: 'custom:signup' }],
 *   { defaultCountry: 'US', columns: { Signup: { dateFormat: 'DD-MM-YYYY' } } },
 *   [{ key: 'signup', label: 'Signup', type: 'date' }],
 * );
 */
export function buildTransformPlan(
  columns: readonly TransformColumn[],
  options: TransformOptions = {},
  customFields: readonly CustomFieldDef[] = [],
): TransformPlan {
  const { columns: overrides = {}, importTags = [], ...global } = options;
  if (!Array.isArray(importTags) || importTags.some((t) => typeof t !== 'string')) {
    throw new RosterError('OPTION_INVALID', 'importTags must be a list of strings');
  }
  const customByKey = new Map(customFields.map((d) => [d.key, d]));
  const mapped = new Set(columns.map((c) => c.field).filter((f) => f !== null));
  const globalRules = resolveRules({ ...global, titleCase: false }, 'options');
  const planned: PlannedColumn[] = [];

  for (const col of columns) {
    if (col.field === null) continue;
    const ref = col.field;
    const own = overrides[col.header] ?? overrides[ref];
    // The import-wide title case is for company names; a column's own setting is for that column.
    const titleCase = own?.titleCase ?? (ref === 'company' ? (global.titleCase ?? false) : false);
    const rules =
      own || titleCase ? resolveRules({ ...global, ...own, titleCase }, col.header) : globalRules;
    const base = { index: col.index, header: col.header, ref };

    let step: ColumnStep;
    if (isCustomRef(ref)) {
      const key = customKeyOf(ref);
      // A custom field the mapping proposes but that is not defined yet is read as text.
      const def = customByKey.get(key) ?? { key, label: col.header, type: 'text' as const };
      const target: StepTarget = { ...base, key, custom: true, multi: def.type === 'multi_select' };
      step = customStep(target, def, rules);
    } else {
      const fd = standardField(ref);
      if (!fd)
        throw new RosterError(
          'OPTION_INVALID',
          `Column "${col.header}" is mapped to unknown field "${ref}"`,
          { column: col.header },
        );
      if (fd.key === 'full_name') {
        step = fullNameStep(
          { ...base, key: 'full_name', custom: false, multi: false },
          { first: !mapped.has('first_name'), last: !mapped.has('last_name') },
          {
            first: standardField('first_name')?.maxLength,
            last: standardField('last_name')?.maxLength,
          },
        );
      } else {
        step = standardStep(
          { ...base, key: fd.key, custom: false, multi: fd.multi },
          fd.type,
          fd.maxLength,
          rules,
        );
      }
    }
    planned.push({ index: col.index, step });
  }

  const tags: string[] = [];
  for (const t of importTags) {
    const clean = cleanText(t);
    const value = global.lowercase || overrides['tags']?.lowercase ? clean.toLowerCase() : clean;
    if (value !== '' && !tags.some((x) => x.toLowerCase() === value.toLowerCase()))
      tags.push(value);
  }
  return { columns: planned, importTags: tags };
}
