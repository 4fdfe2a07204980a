/**
 * Parameters written into SQL text as quoted literals, for the one statement that cannot take
 * parameters and is worth it: `COPY (SELECT ...) TO STDOUT`, which goes through the simple query
 * protocol. Each `$n` becomes the literal of the text node-postgres would have sent for it
 * (arrays as `{...}`, booleans as `true`/`false`, dates in ISO form, objects as JSON), quoted by
 * `escapeLiteral`. A quoted literal and an untyped parameter are both of unknown type until the
 * context (or a cast: compiled filters cast every parameter) gives them one, so the statement
 * means the same.
 */
import pg from 'pg';
import { RosterError } from '../core/errors.ts';

/**
 * `sql` with every `$n` outside quotes replaced by the literal of `params[n - 1]` (`NULL` for
 * null or undefined).
 *
 * @example
 * inlineParams('select $1::int + 1, $2::text[]', [41, ['a', "b'c"]]);
 * // "select '41'::int + 1, '{\"a\",\"b''c\"}'::text[]"
 */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quoted literal or identifier: its `$` is text. A doubled quote stays inside it.
      let j = i + 1;
      for (;;) {
        j = sql.indexOf(c, j);
        if (j < 0) throw new RosterError('INTERNAL', 'inlineParams: an unterminated quote');
        if (sql[j + 1] === c) j += 2;
        else break;
      }
      i = j + 1;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '') && !/[\w$]/.test(sql[i - 1] ?? '')) {
      let j = i + 1;
      while (/[0-9]/.test(sql[j] ?? '')) j++;
      const n = Number(sql.slice(i + 1, j));
      if (n < 1 || n > params.length) {
        throw new RosterError('INTERNAL', `inlineParams: no value for $${n}`);
      }
      out += sql.slice(from, i) + literal(params[n - 1]);
      from = i = j;
    } else i++;
  }
  return out + sql.slice(from);
}

function literal(value: unknown): string {
  const text = parameterText(value);
  return text === null ? 'NULL' : pg.escapeLiteral(text);
}

/**
 * The text node-postgres sends for a parameter (its `prepareValue`, which its typings do not
 * export), for the values Roster's queries pass: text, numbers, booleans, dates, JSON objects and
 * arrays of them.
 */
function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items = value.map((item) => {
      if (Array.isArray(item)) return parameterText(item);
      const text = parameterText(item);
      return text === null ? 'NULL' : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    });
    return `{${items.join(',')}}`;
  }
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) {
    throw new RosterError('INTERNAL', 'inlineParams: binary values are not inlined');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
