/**
 * Field selection of an export (`--fields`): field keys, custom fields and named groups become
 * the ordered list of columns every format writer works from.
 */
import { closest, distance } from 'fastest-levenshtein';
import { RosterError } from '../errors.ts';
import {
  CUSTOM_PREFIX,
  STANDARD_FIELDS,
  type CustomFieldDef,
  type StandardField,
} from '../model/fields.ts';
import type { ExportColumn } from './types.ts';

/** The named groups `--fields` accepts besides single fields. */
export const FIELD_GROUPS = [
  'standard',
  'custom',
  'engagement',
  'segments',
  'consent',
  'audit',
] as const;

export type FieldGroupName = (typeof FIELD_GROUPS)[number];

const ENGAGEMENT = ['emails_sent', 'emails_opened', 'emails_clicked', 'last_opened_at', 'bounced'];
const AUDIT = ['created_at', 'updated_at', 'last_activity_at', 'source', 'owner'];
const CONSENT = ['email_opt_in', 'sms_opt_in'];
const DEFAULT_SPEC: readonly FieldGroupName[] = [
  'standard',
  'custom',
  'consent',
  'audit',
  'segments',
];

/** `first_name` → `firstName`. */
function camelCase(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function standardColumn(fd: StandardField): ExportColumn {
  if (CONSENT.includes(fd.key)) {
    return {
      kind: 'consent',
      key: fd.key,
      header: fd.key,
      jsonName: camelCase(fd.key),
      type: 'boolean',
    };
  }
  let type: ExportColumn['type'];
  if (fd.multi) type = 'list';
  else if (
    fd.type === 'integer' ||
    fd.type === 'number' ||
    fd.type === 'date' ||
    fd.type === 'timestamp' ||
    fd.type === 'boolean'
  )
    type = fd.type;
  else type = 'text';
  return { kind: 'field', key: fd.key, header: fd.key, jsonName: camelCase(fd.key), type };
}

function customColumn(def: CustomFieldDef): ExportColumn {
  const type: ExportColumn['type'] =
    def.type === 'multi_select' ? 'list' : def.type === 'select' ? 'text' : def.type;
  const column: ExportColumn = {
    kind: 'custom',
    key: def.key,
    header: `custom_${def.key}`,
    jsonName: camelCase(def.key),
    type,
  };
  if (def.options) column.options = [...def.options];
  return column;
}

const SEGMENTS_COLUMN: ExportColumn = {
  kind: 'segments',
  key: 'segments',
  header: 'segments',
  jsonName: 'segments',
  type: 'list',
};

// Standard fields an export can select: everything but the import-only virtual `full_name`.
const SELECTABLE = new Map(
  STANDARD_FIELDS.filter((fd) => !fd.virtual).map((fd) => [fd.key, standardColumn(fd)]),
);

function byKeys(keys: readonly string[]): ExportColumn[] {
  return keys.map((k) => SELECTABLE.get(k)).filter((c) => c !== undefined);
}

function groupColumns(
  group: FieldGroupName,
  customFields: readonly CustomFieldDef[],
): ExportColumn[] {
  switch (group) {
    case 'standard':
      return byKeys(
        STANDARD_FIELDS.filter((fd) => fd.group === 'standard' && fd.importable && !fd.virtual).map(
          (fd) => fd.key,
        ),
      );
    case 'custom':
      return customFields.map(customColumn);
    case 'engagement':
      return byKeys(ENGAGEMENT);
    case 'segments':
      return [SEGMENTS_COLUMN];
    case 'consent':
      return byKeys(CONSENT);
    case 'audit':
      return byKeys(AUDIT);
  }
}

function isGroup(name: string): name is FieldGroupName {
  return (FIELD_GROUPS as readonly string[]).includes(name);
}

function unknownName(item: string, customFields: readonly CustomFieldDef[]): RosterError {
  const customRefs = customFields.map((d) => `${CUSTOM_PREFIX}${d.key}`);
  // A bare custom key is the most likely slip: point at its `custom:` form directly.
  const bare = customFields.find((d) => d.key === item);
  const candidates = [...FIELD_GROUPS, ...SELECTABLE.keys(), ...customRefs];
  const near = bare ? `${CUSTOM_PREFIX}${bare.key}` : closest(item, candidates);
  const suggestion =
    bare || distance(item, near) <= Math.max(2, Math.floor(item.length / 3)) ? near : null;
  return new RosterError(
    'OPTION_INVALID',
    `Unknown field "${item}" in --fields${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    { field: item, suggestion, groups: [...FIELD_GROUPS] },
  );
}

/**
 * Resolves an export's field list into columns, in the order given, each column once.
 *
 * Items are standard field keys (`email`, `emails_opened`, `email_opt_in`), custom fields as
 * `custom:<key>` or `custom_<key>` (the CSV header form), `segments`, or the groups `standard`
 * (importable standard fields), `custom`, `engagement`, `segments`, `consent`, `audit`. Without
 * a list: standard, custom, consent, audit and segments. Throws `OPTION_INVALID` for an unknown
 * name (with the nearest valid one as `details.suggestion`) or an empty list.
 *
 * @example
 * selectColumns(['email', 'custom:plan', 'consent'], [{ key: 'plan', label: 'Plan', type: 'select' }])
 *   .map((c) => c.header); // ['email', 'custom_plan', 'email_opt_in', 'sms_opt_in']
 */
export function selectColumns(
  spec: readonly string[] | undefined,
  customFields: readonly CustomFieldDef[],
): ExportColumn[] {
  const items = (spec ?? DEFAULT_SPEC).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) {
    throw new RosterError('OPTION_INVALID', 'The field list is empty', { field: '' });
  }
  const customByKey = new Map(customFields.map((d) => [d.key, d]));
  const out: ExportColumn[] = [];
  const seen = new Set<string>();
  const add = (cols: readonly ExportColumn[]): void => {
    for (const c of cols) {
      const id = `${c.kind}:${c.key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(c);
    }
  };

  for (const item of items) {
    const name = item.toLowerCase();
    if (isGroup(name)) {
      add(groupColumns(name, customFields));
      continue;
    }
    const standard = SELECTABLE.get(name);
    if (standard) {
      add([standard]);
      continue;
    }
    // Custom keys are matched as written: they are the tenant's own snake_case names.
    const customKey = item.startsWith(CUSTOM_PREFIX)
      ? item.slice(CUSTOM_PREFIX.length)
      : item.startsWith('custom_')
        ? item.slice('custom_'.length)
        : null;
    const def = customKey === null ? undefined : customByKey.get(customKey);
    if (def) {
      add([customColumn(def)]);
      continue;
    }
    throw unknownName(item, customFields);
  }
  return out;
}
