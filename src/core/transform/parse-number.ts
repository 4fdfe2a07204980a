/**
 * Numbers as people write them in a given locale: `1,234.5` (decimal point) or `1.234,5`
 * (decimal comma). Only well-formed grouping is accepted, so `1,23` in a decimal-point file is
 * reported instead of being read as 123.
 */

export type DecimalSeparator = '.' | ',';

// Thousands may be grouped by the other separator, a space, a no-break space or an apostrophe
// (Swiss `1'234.50`).
const POINT = /^[+-]?(?:\d{1,3}(?:([, \u00a0\u202f'])\d{3})(?:\1\d{3})*|\d+)(?:\.\d+)?$/;
const COMMA = /^[+-]?(?:\d{1,3}(?:([. \u00a0\u202f'])\d{3})(?:\1\d{3})*|\d+)(?:,\d+)?$/;
const NOT_DIGIT = /[^\d.+-]/g;

/**
 * A number, or null when the text is not one.
 *
 * @example
 * parseNumber('1,234.5', '.'); // 1234.5
 * parseNumber('1.234,5', ','); // 1234.5
 * parseNumber('1,23', '.'); // null
 */
export function parseNumber(text: string, decimal: DecimalSeparator): number | null {
  const form = decimal === '.' ? POINT : COMMA;
  if (!form.test(text)) return null;
  const plain =
    decimal === '.'
      ? text.replace(NOT_DIGIT, '')
      : text.replace(/\./g, '').replace(',', '.').replace(NOT_DIGIT, '');
  const n = Number(plain);
  return Number.isFinite(n) ? n : null;
}

/**
 * A whole number, or null. `12.0` (how spreadsheets often write integers) is 12; `12.5` is not
 * a whole number.
 *
 * @example
 * parseInteger('1,200', '.'); // 1200
 * parseInteger('7.5', '.'); // null
 */
export function parseInteger(text: string, decimal: DecimalSeparator): number | null {
  const n = parseNumber(text, decimal);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}
