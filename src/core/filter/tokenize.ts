import { filterError } from './filter-error.ts';

export type Token =
  | { type: 'word'; text: string; position: number }
  | { type: 'string'; value: string; position: number }
  | { type: 'number'; value: number; text: string; position: number }
  | { type: 'date'; value: string; position: number }
  | { type: 'timestamp'; value: string; position: number }
  | { type: 'op'; text: string; position: number }
  | { type: 'end'; position: number };

const DATE = /\d{4}-\d{2}-\d{2}(?![0-9])/y;
const TIME = /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
// `custom:` lets a custom field whose key is also a standard field or keyword be named.
const WORD = /(?:custom:)?[a-z_][a-z0-9_]*/iy;
const OPS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ','];
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

function match(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** True when `yyyy-mm-dd` names a day that exists (no 2025-02-30). */
function isRealDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\\') {
      const next = text[i + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) {
        throw filterError(`Unknown escape "\\${next ?? ''}" in a string`, {
          position: i,
          expected: ['\\"', '\\\\', '\\n', '\\t', '\\r'],
        });
      }
      value += escaped;
      i += 2;
      continue;
    }
    value += ch;
    i += 1;
  }
  throw filterError('Unterminated string', { position: start, expected: ['"'] });
}

/**
 * Splits filter text into tokens. Dates and timestamps are written bare (`2025-10-01`,
 * `2025-10-01T09:30:00Z`); strings are in double quotes with backslash escapes.
 *
 * @example
 * tokenize('lead_score > 50'); // word, op, number, end
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const position = i;
    if (ch === '"') {
      const { value, end } = readString(text, i);
      tokens.push({ type: 'string', value, position });
      i = end;
      continue;
    }
    const date = match(DATE, text, i);
    if (date !== undefined) {
      if (!isRealDate(date)) {
        throw filterError(`"${date}" is not a valid date`, { position, expected: ['a date'] });
      }
      const time = match(TIME, text, i + date.length);
      if (time !== undefined && Number.isNaN(Date.parse(date + time))) {
        throw filterError(`"${date}${time}" is not a valid timestamp`, {
          position,
          expected: ['a timestamp'],
        });
      }
      tokens.push(
        time === undefined
          ? { type: 'date', value: date, position }
          : { type: 'timestamp', value: date + time, position },
      );
      i += date.length + (time?.length ?? 0);
      continue;
    }
    const number = match(NUMBER, text, i);
    if (number !== undefined) {
      tokens.push({ type: 'number', value: Number(number), text: number, position });
      i += number.length;
      continue;
    }
    const word = match(WORD, text, i);
    if (word !== undefined) {
      tokens.push({ type: 'word', text: word, position });
      i += word.length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op, position });
      i += op.length;
      continue;
    }
    throw filterError(`Unexpected character "${ch}"`, {
      position,
      expected: ['a field, a value, an operator or a parenthesis'],
    });
  }
  tokens.push({ type: 'end', position: text.length });
  return tokens;
}
