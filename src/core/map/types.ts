import type { CustomFieldDef, CustomFieldType, FieldRef, FieldType } from '../model/fields.ts';

/** Value statistics of one column, computed from a sample of rows (see `profileColumns`). */
export interface ColumnStats {
  /** Rows looked at. */
  rows: number;
  /** Rows with a non-blank value in this column. */
  nonEmpty: number;
  /**
   * Shares are fractions of `nonEmpty` (0 when the column is empty): how many values look like
   * each kind of value.
   */
  emailShare: number;
  phoneShare: number;
  dateShare: number;
  numberShare: number;
  integerShare: number;
  booleanShare: number;
  urlShare: number;
  /** Values that are LinkedIn profile addresses (linkedin.com/in/...), a subset of urls. */
  linkedinShare: number;
  /** Values that are other social-network addresses (Facebook, X, LinkedIn company pages...). */
  socialShare: number;
  /** Values that are salutations (Mr, Ms, Dr, Frau, Mme...). */
  salutationShare: number;
  /** Values with two or more words (full names hold a space; first names mostly do not). */
  multiWordShare: number;
  /** Values holding a list: separated by `|` or `;`, or a list cell from a structured source. */
  listShare: number;
  /** Distinct values in first-seen order, at most `DISTINCT_CAP`. */
  distinct: string[];
  /** True when there were more distinct values than `distinct` holds. */
  distinctCapped: boolean;
  /**
   * Distinct parts of the values, first-seen order, capped like `distinct`: a list value
   * (`vip|partner`) gives each of its parts, any other value gives itself.
   */
  listParts: string[];
  /** Number of parts seen in total, with repeats. */
  listPartCount: number;
  /** Longest value, in characters. */
  maxLength: number;
}

/** One column as the mapper sees it: where it is, what it is called and what it holds. */
export interface ColumnProfile {
  /** 0-based position in the row. */
  index: number;
  header: string;
  /** Up to 5 distinct non-blank values, for display next to the suggestion. */
  samples: string[];
  stats: ColumnStats;
}

/** How a suggestion was found, in order of trust. */
export type MappingMethod =
  | 'preset'
  | 'exact'
  | 'synonym'
  | 'fuzzy'
  | 'pattern'
  | 'custom_prefix'
  | 'custom_existing'
  | 'position'
  | 'none';

/** The suggested target of one column. `field: null` means "do not import" (reported unmapped). */
export interface ColumnSuggestion {
  index: number;
  header: string;
  field: FieldRef | null;
  /** 0..1: how sure the mapper is. */
  confidence: number;
  method: MappingMethod;
  /** Type of the target field; for unmapped columns the type the values suggest. */
  inferredType: FieldType | CustomFieldType | null;
  /** Set when the column maps to a custom field that does not exist yet and would be created. */
  newCustomField?: CustomFieldDef;
  samples: string[];
}

export interface MappingContext {
  /** The tenant's custom fields. */
  customFields: CustomFieldDef[];
  /**
   * A mapping the tenant confirmed before for a file with the same header fingerprint:
   * header text → field ref (`email`, `custom:industry`) or null for "do not import".
   */
  preset?: { mapping: Record<string, string | null> };
  /** Whether `custom_*` columns may create custom fields that do not exist yet. Default true. */
  allowNewCustomFields?: boolean;
  /** false: the file has no header row; columns map by their values, then by position. */
  hasHeader: boolean;
}
