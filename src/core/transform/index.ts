export { buildTransformPlan, type PlannedColumn, type TransformPlan } from './transform-plan.ts';
export { transformRow, type TransformResult } from './transform-row.ts';
export type { ColumnRules, TransformColumn, TransformOptions } from './types.ts';
export { cleanText, titleCase, unguardFormula } from './clean-text.ts';
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
