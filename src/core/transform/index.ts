/**
 * The transform stage (DESIGN.md, import pipeline): the raw cells of a mapped row become a
 * ContactDraft of clean, typed values plus RowIssues for the values that could not be read.
 *
 * Use: build one plan per import with `buildTransformPlan(columns, options, customFields)`
 * (throws OPTION_INVALID for unusable settings), then call `transformRow(record, plan)` per row.
 * The plan holds only closures over plain options: a worker thread can build its own from the
 * same (serialisable) arguments when phone parsing needs more than one core.
 *
 * Issue codes (all warnings; the value is left out of the draft): invalid_phone, invalid_date,
 * invalid_number, out_of_range, invalid_boolean, invalid_option, too_long. One warning keeps
 * its value: phone_extension_dropped (the number is imported, its extension is not).
 */
export { buildTransformPlan, type PlannedColumn, type TransformPlan } from './transform-plan.ts';
export { transformRow, type TransformResult } from './transform-row.ts';
export type { ColumnRules, TransformColumn, TransformOptions } from './types.ts';
export { cleanText, guardFormula, titleCase, unguardFormula } from './clean-text.ts';
export { parseBoolean } from './parse-boolean.ts';
export {
  DATE_FORMATS,
  isTimeZone,
  parseDate,
  parseTimestamp,
  type DateFormat,
} from './parse-date.ts';
export { parseInteger, parseNumber, type DecimalSeparator } from './parse-number.ts';
export { isPhoneCountry, parsePhone, toE164, type ParsedPhone } from './parse-phone.ts';
export { DEFAULT_LIST_DELIMITERS, listSplitter, splitList } from './split-list.ts';
export { splitFullName, type NameParts } from './split-full-name.ts';
