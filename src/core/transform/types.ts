import type { DateFormat } from './parse-date.ts';
import type { DecimalSeparator } from './parse-number.ts';
import type { FieldRef } from '../model/fields.ts';

/**
 * How the values of a column are read. Every rule can be set for the whole import and
 * overridden per column (`TransformOptions.columns`), e.g. from a mapping file:
 * `{"columns": {"Signup": {"dateFormat": "DD-MM-YYYY"}}}`.
 */
export interface ColumnRules {
  /** How dates are written. Default `auto` (ISO, Excel serials, unambiguous day/month orders). */
  dateFormat?: DateFormat;
  /** IANA zone of timestamps written without an offset. Default `UTC`. */
  timeZone?: string;
  /** ISO 3166-1 alpha-2 country for national phone numbers (`US`, `DE`). Default none. */
  defaultCountry?: string;
  /** Separators of list cells (tags, additional phones, multi-select). Default `|` `,` `;`. */
  listDelimiters?: string[];
  /** Lower-case tags and multi-values. Default false. */
  lowercase?: boolean;
  /**
   * Title-case the text. Set for the whole import it applies to `company` only; set on a column
   * it applies to that column.
   */
  titleCase?: boolean;
  /** Decimal separator of numbers: `.` for `1,234.5`, `,` for `1.234,5`. Default `.`. */
  decimalSeparator?: DecimalSeparator;
}

export interface TransformOptions extends ColumnRules {
  /** Tags the import adds to every contact, unioned with each row's own tags. */
  importTags?: string[];
  /** Rules per column, by header text (or by field reference, e.g. `birthday`, `custom:plan`). */
  columns?: Record<string, ColumnRules>;
}

/** One column of the file and the field it is mapped to (`null`: not imported). */
export interface TransformColumn {
  /** 0-based position in the row. */
  index: number;
  header: string;
  field: FieldRef | null;
}
