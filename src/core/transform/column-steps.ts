/**
 * One step per mapped column, built once per import: every option is resolved here so that the
 * per-row work is a call per cell with no look-ups (DESIGN.md: the transform runs on millions of
 * rows).
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { ContactDraft, FieldValue } from '../model/contact.ts';
import type { CustomFieldDef, FieldType } from '../model/fields.ts';
import { issue, type RowIssue } from '../model/issue.ts';
import { cellText, type Cell } from '../model/record.ts';
import { cleanText, titleCase } from './clean-text.ts';
import { splitFullName } from './split-full-name.ts';
import { parseBoolean } from './parse-boolean.ts';
import { parseDate, timestampParser, type DateFormat } from './parse-date.ts';
import { parseInteger, parseNumber, type DecimalSeparator } from './parse-number.ts';
import { parsePhone } from './parse-phone.ts';
import { splitList } from './split-list.ts';

/** Where a step writes and what it reports against. */
export interface StepTarget {
  index: number;
  header: string;
  /** The field reference as mapped (`email`, `custom:plan`), used in issues. */
  ref: string;
  /** Key in `draft.fields` or `draft.custom`. */
  key: string;
  custom: boolean;
  multi: boolean;
}

/** Resolved rules of one column. */
export interface ResolvedRules {
  dateFormat: DateFormat;
  timeZone: string;
  defaultCountry: CountryCode | undefined;
  split: (text: string) => string[];
  lowercase: boolean;
  titleCase: boolean;
  decimalSeparator: DecimalSeparator;
}

/** Transforms one cell into the draft; problems go to `issues`. */
export type ColumnStep = (cell: Cell, draft: ContactDraft, row: number, issues: RowIssue[]) => void;

/** Reads one clean, non-blank text into a value, or reports why not (returns undefined). */
type Convert = (
  text: string,
  report: (code: string, message: string) => void,
) => FieldValue | undefined;

/**
 * Puts a value into the draft. When two columns map to one field, lists are unioned and a
 * single value keeps the first non-blank one (the later cell is not lost: it stays in the file,
 * and the mapping UI warns about double mappings).
 */
function put(draft: ContactDraft, t: StepTarget, value: FieldValue): void {
  const bag = t.custom ? draft.custom : draft.fields;
  const prev = bag[t.key];
  if (prev === undefined || prev === null) {
    bag[t.key] = value;
  } else if (t.multi && Array.isArray(prev) && Array.isArray(value)) {
    bag[t.key] = unionLists(prev as readonly string[], value as readonly string[]);
  }
}

/** Union of two lists, first-seen order, compared case-insensitively. */
export function unionLists(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  const seen = new Set(a.map((v) => v.toLowerCase()));
  for (const v of b) {
    const k = v.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}

function reporter(t: StepTarget, row: number, value: string, issues: RowIssue[]) {
  return (code: string, message: string): void => {
    issues.push(
      issue({
        row,
        column: t.header,
        columnIndex: t.index + 1,
        field: t.ref,
        value,
        code,
        severity: 'warning',
        message,
      }),
    );
  };
}

/** A step for a single-valued field. */
function singleStep(t: StepTarget, convert: Convert): ColumnStep {
  return (cell, draft, row, issues) => {
    const raw = typeof cell === 'string' ? cell : cellText(cell);
    const text = cleanText(raw);
    if (text === '') {
      put(draft, t, null);
      return;
    }
    const value = convert(text, reporter(t, row, raw, issues));
    if (value !== undefined) put(draft, t, value);
  };
}

/** A step for a list field: each part converted on its own, bad parts reported one by one. */
function listStep(t: StepTarget, rules: ResolvedRules, convert: Convert): ColumnStep {
  return (cell, draft, row, issues) => {
    const parts = splitList(cell, rules.split, rules.lowercase);
    if (parts.length === 0) {
      put(draft, t, null);
      return;
    }
    const out: string[] = [];
    for (const part of parts) {
      const value = convert(part, reporter(t, row, part, issues));
      if (typeof value === 'string' && !out.includes(value)) out.push(value);
    }
    // Every part rejected: the field is left out (not blank), as for a rejected single value.
    if (out.length > 0) put(draft, t, out);
  };
}

const tooLong = (max: number | undefined): Convert | null =>
  max === undefined
    ? null
    : (text, report) => {
        if (text.length <= max) return text;
        report('too_long', `Value has ${text.length} characters; at most ${max} fit this field`);
        return undefined;
      };

function textConvert(rules: ResolvedRules, maxLength: number | undefined): Convert {
  const check = tooLong(maxLength);
  if (!rules.titleCase) return check ?? ((text) => text);
  return (text, report) => {
    const cased = titleCase(text);
    return check ? check(cased, report) : cased;
  };
}

function phoneConvert(rules: ResolvedRules): Convert {
  const where = rules.defaultCountry
    ? ` (default country ${rules.defaultCountry})`
    : ' (no default country)';
  return (text, report) => {
    const phone = parsePhone(text, rules.defaultCountry);
    if (phone !== null) {
      // The number is imported; the extension has no place in E.164, so the report keeps it.
      if (phone.extension !== null)
        report(
          'phone_extension_dropped',
          `Extension ${phone.extension} is not stored (E.164 has none)`,
        );
      return phone.e164;
    }
    report('invalid_phone', `Not a valid phone number${where}`);
    return undefined;
  };
}

function dateConvert(rules: ResolvedRules, timestamp: boolean): Convert {
  const { dateFormat: format, timeZone: zone } = rules;
  const expected = format === 'auto' ? 'an unambiguous date' : `a date written ${format}`;
  const read = timestamp
    ? timestampParser(format, zone)
    : (text: string) => parseDate(text, format);
  return (text, report) => {
    const value = read(text);
    if (value !== null) return value;
    report('invalid_date', `Not ${expected}`);
    return undefined;
  };
}

function numberConvert(
  rules: ResolvedRules,
  integer: boolean,
  min?: number,
  max?: number,
): Convert {
  const sep = rules.decimalSeparator;
  const kind = integer ? 'a whole number' : 'a number';
  return (text, report) => {
    const n = integer ? parseInteger(text, sep) : parseNumber(text, sep);
    if (n === null) {
      report('invalid_number', `Not ${kind} (decimal separator "${sep}")`);
      return undefined;
    }
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      report('out_of_range', `${n} is outside ${min ?? '-∞'}..${max ?? '∞'}`);
      return undefined;
    }
    return n;
  };
}

const booleanConvert: Convert = (text, report) => {
  const b = parseBoolean(text);
  if (b !== null) return b;
  report('invalid_boolean', 'Not a yes/no value');
  return undefined;
};

function optionConvert(options: readonly string[]): Convert {
  const canonical = new Map(options.map((o) => [o.normalize('NFC').toLowerCase(), o]));
  const list = options.join(', ');
  return (text, report) => {
    const found = canonical.get(text.toLowerCase());
    if (found !== undefined) return found;
    report('invalid_option', `Not one of the options: ${list}`);
    return undefined;
  };
}

/**
 * The step for a standard field.
 *
 * @example
 * const step = standardStep({ index: 0, header: 'Phone', ref: 'phone', key: 'phone', custom: false, multi: false }, 'phone', 64, rules);
 */
export function standardStep(
  t: StepTarget,
  type: FieldType,
  maxLength: number | undefined,
  rules: ResolvedRules,
): ColumnStep {
  let convert: Convert;
  switch (type) {
    case 'phone':
      convert = phoneConvert(rules);
      break;
    case 'date':
      convert = dateConvert(rules, false);
      break;
    case 'timestamp':
      convert = dateConvert(rules, true);
      break;
    case 'integer':
      convert = numberConvert(rules, true);
      break;
    case 'number':
      convert = numberConvert(rules, false);
      break;
    case 'boolean':
      convert = booleanConvert;
      break;
    default:
      convert = textConvert(rules, maxLength);
  }
  return t.multi ? listStep(t, rules, convert) : singleStep(t, convert);
}

/**
 * The step for a custom field, typed by its definition.
 *
 * @example
 * const step = customStep(target, { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro'] }, rules);
 */
export function customStep(t: StepTarget, def: CustomFieldDef, rules: ResolvedRules): ColumnStep {
  switch (def.type) {
    case 'number':
      return singleStep(t, numberConvert(rules, false, def.min, def.max));
    case 'date':
      return singleStep(t, dateConvert(rules, false));
    case 'boolean':
      return singleStep(t, booleanConvert);
    case 'select':
      return singleStep(t, optionConvert(def.options ?? []));
    case 'multi_select':
      return listStep({ ...t, multi: true }, rules, optionConvert(def.options ?? []));
    default:
      return singleStep(t, textConvert(rules, def.maxLength));
  }
}

/**
 * The step for `full_name`: fills first and last name, but only the ones the file does not map
 * on their own.
 *
 * @example
 * const step = fullNameStep(target, { first: true, last: true }, { first: 200, last: 200 });
 */
export function fullNameStep(
  t: StepTarget,
  fill: { first: boolean; last: boolean },
  maxLength: { first: number | undefined; last: number | undefined },
): ColumnStep {
  const firstT: StepTarget = {
    ...t,
    ref: 'first_name',
    key: 'first_name',
    custom: false,
    multi: false,
  };
  const lastT: StepTarget = {
    ...t,
    ref: 'last_name',
    key: 'last_name',
    custom: false,
    multi: false,
  };
  const part = (
    draft: ContactDraft,
    pt: StepTarget,
    value: string | null,
    max: number | undefined,
    row: number,
    issues: RowIssue[],
  ): void => {
    if (value !== null && max !== undefined && value.length > max) {
      reporter(
        pt,
        row,
        value,
        issues,
      )('too_long', `Value has ${value.length} characters; at most ${max} fit this field`);
      return;
    }
    put(draft, pt, value);
  };
  return (cell, draft, row, issues) => {
    const text = cleanText(typeof cell === 'string' ? cell : cellText(cell));
    const { first, last } = text === '' ? { first: null, last: null } : splitFullName(text);
    if (fill.first) part(draft, firstT, first, maxLength.first, row, issues);
    if (fill.last) part(draft, lastT, last, maxLength.last, row, issues);
  };
}
