import { RosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';
import { STANDARD_FIELDS, isCustomRef, standardField } from '../model/fields.ts';
import type { CustomFieldDef, FieldRef } from '../model/fields.ts';
import type { RowIssue } from '../model/issue.ts';
import type { RawRecord } from '../model/record.ts';
import { headerFingerprint, profileColumns, suggestMapping } from '../map/index.ts';
import type { ColumnSuggestion } from '../map/index.ts';
import { openTable } from '../read/open-table.ts';
import type { ReadOptions, TableInfo } from '../read/types.ts';

export interface InspectOptions extends Omit<ReadOptions, 'onIssue'> {
  /** Data rows profiled for mapping (the first ones). */
  sampleRows?: number;
  /** Issues listed one by one; the rest are only counted. */
  maxIssues?: number;
  customFields?: CustomFieldDef[];
  /** Looks up a remembered mapping for a header row by its fingerprint. */
  findPreset?: (fingerprint: string) => Promise<MappingPreset | undefined>;
  /** Manual choices by header text, applied over the suggestions. */
  overrides?: Record<string, FieldRef | null>;
  allowNewCustomFields?: boolean;
  /**
   * Stop reading once the sample is full (default false: read the whole file to count rows and
   * find every issue). `rowCount` then counts the rows read.
   */
  sampleOnly?: boolean;
}

export interface MappingPreset {
  mapping: Record<string, FieldRef | null>;
}

export interface InspectColumn extends Omit<ColumnSuggestion, 'index' | 'method'> {
  /** 1-based, as in "Column N". */
  index: number;
  method: ColumnSuggestion['method'] | 'manual';
}

export interface InspectResult extends TableInfo {
  rowCount: number;
  fingerprint: string;
  columns: InspectColumn[];
  issues: RowIssue[];
  issueCounts: Record<string, number>;
  /** How many issues were counted but not listed. */
  issuesNotListed: number;
}

/**
 * Reads a whole file once: what it is, how many rows it has, which field each column maps to,
 * and what is wrong with it. Memory stays bounded: only the sample rows and the listed issues
 * are kept.
 *
 * @example
 * const result = await inspectTable(fileSource('contacts.csv'), { customFields: [] });
 * result.columns.find((c) => c.field === 'email');
 */
export async function inspectTable(
  source: ByteSource,
  options: InspectOptions = {},
): Promise<InspectResult> {
  const sampleRows = options.sampleRows ?? 1000;
  const maxIssues = options.maxIssues ?? 1000;
  const issues: RowIssue[] = [];
  const issueCounts: Record<string, number> = {};
  let issuesNotListed = 0;
  const onIssue = (i: RowIssue): void => {
    issueCounts[i.code] = (issueCounts[i.code] ?? 0) + 1;
    if (issues.length < maxIssues) issues.push(i);
    else issuesNotListed++;
  };

  const table = await openTable(source, { ...options, onIssue });
  const fingerprint = headerFingerprint(table.header);
  const preset = options.findPreset ? await options.findPreset(fingerprint) : undefined;
  const sample: RawRecord[] = [];
  let rowCount = 0;
  for await (const batch of table.records) {
    for (const record of batch) {
      if (sample.length < sampleRows) sample.push(record);
    }
    rowCount += batch.length;
    if (options.sampleOnly === true && sample.length >= sampleRows) break;
  }

  const suggestions = suggestMapping(profileColumns(table.header, sample), {
    customFields: options.customFields ?? [],
    hasHeader: table.info.hasHeader,
    ...(preset ? { preset } : {}),
    ...(options.allowNewCustomFields !== undefined
      ? { allowNewCustomFields: options.allowNewCustomFields }
      : {}),
  });
  const columns = applyOverrides(
    suggestions.map((s) => ({ ...s, index: s.index + 1 })),
    options.overrides ?? {},
    options.customFields ?? [],
  );
  return {
    ...table.info,
    rowCount,
    fingerprint,
    columns,
    issues,
    issueCounts,
    issuesNotListed,
  };
}

/** Multi-valued fields may take several columns; every other field takes at most one. */
function isMulti(ref: FieldRef, customFields: CustomFieldDef[]): boolean {
  if (isCustomRef(ref)) {
    const key = ref.slice('custom:'.length);
    return customFields.find((c) => c.key === key)?.type === 'multi_select';
  }
  return standardField(ref)?.multi ?? false;
}

/**
 * Applies manual choices (`--map "Header=field"`): the chosen column gets the field, and a
 * column that the suggestions had put on the same single-valued field is left unmapped.
 */
export function applyOverrides(
  columns: InspectColumn[],
  overrides: Record<string, FieldRef | null>,
  customFields: CustomFieldDef[],
): InspectColumn[] {
  const byHeader = new Map(columns.map((c) => [c.header, c]));
  const claimed = new Map<FieldRef, string>();
  for (const [header, field] of Object.entries(overrides)) {
    const column = byHeader.get(header);
    if (!column) {
      throw new RosterError('OPTION_INVALID', `No column named "${header}" in this file`, {
        column: header,
        columns: columns.map((c) => c.header),
      });
    }
    if (field !== null) {
      checkFieldRef(field);
      const other = claimed.get(field);
      if (other !== undefined && !isMulti(field, customFields)) {
        throw new RosterError(
          'OPTION_INVALID',
          `Columns "${other}" and "${header}" are both mapped to ${field}, which holds one value`,
          { column: header },
        );
      }
      claimed.set(field, header);
    }
  }
  return columns.map((c) => {
    if (Object.hasOwn(overrides, c.header)) {
      const field = overrides[c.header] ?? null;
      return { ...c, field, confidence: 1, method: 'manual' as const };
    }
    if (c.field !== null && claimed.has(c.field) && !isMulti(c.field, customFields)) {
      return { ...c, field: null, confidence: 0, method: 'none' as const };
    }
    return c;
  });
}

function checkFieldRef(field: FieldRef): void {
  if (isCustomRef(field)) {
    if (!/^custom:[a-z][a-z0-9_]{0,62}$/.test(field)) {
      throw new RosterError(
        'OPTION_INVALID',
        `"${field}" is not a valid custom field: use custom:<key> with a lower-case snake_case key`,
      );
    }
    return;
  }
  const std = standardField(field);
  if (!std || !std.importable) {
    const known = STANDARD_FIELDS.filter((f) => f.importable).map((f) => f.key);
    throw new RosterError(
      'OPTION_INVALID',
      `Unknown field "${field}". Fields: ${known.join(', ')}, or custom:<key>`,
    );
  }
}
