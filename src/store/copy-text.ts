/**
 * A reader of PostgreSQL's COPY text format (`COPY ... TO STDOUT`, no options): rows end in LF,
 * fields are separated by tabs, `\N` is NULL, and backslash escapes stand for backslash, tab, LF,
 * CR and the other characters the format escapes. Array values (`{a,"b c"}`) come as their text,
 * which `parseTextArray` reads.
 *
 * It exists because reading an export's rows through COPY costs a fraction of what the driver's
 * row messages do: one UTF-8 decode per network chunk and a few `indexOf`/`slice` per field,
 * instead of a message, an array and a string per field, then type parsers.
 */
import { StringDecoder } from 'node:string_decoder';
import { RosterError } from '../core/errors.ts';

/** One row: the fields' texts, escapes undone; null for NULL. */
export type CopyTextRow = (string | null)[];

const BACKSLASH = 92;
const CAPITAL_N = 78;

/**
 * Splits a stream of COPY text bytes into rows of `columns` fields. Chunks may end anywhere, in
 * the middle of a row or of a UTF-8 character: what follows the last complete row waits for the
 * next chunk.
 *
 * @example
 * const reader = new CopyTextReader(2);
 * reader.push(Buffer.from('1\ta\\tb\n2\t\\N\n')); // [['1', 'a\tb'], ['2', null]]
 * reader.end(); // throws if a partial row is left
 */
export class CopyTextReader {
  readonly #columns: number;
  readonly #decoder = new StringDecoder('utf8');
  #rest = '';

  constructor(columns: number) {
    if (columns < 1) throw new RangeError('a COPY row has at least one column');
    this.#columns = columns;
  }

  /** The complete rows up to the last line end seen so far. */
  push(chunk: Buffer): CopyTextRow[] {
    const text = this.#rest + this.#decoder.write(chunk);
    const rows: CopyTextRow[] = [];
    const last = this.#columns - 1;
    let pos = 0;
    // The next backslash at or after `pos`: most fields have none, and one search serves many.
    let backslash = text.indexOf('\\');
    for (;;) {
      const lineEnd = text.indexOf('\n', pos);
      if (lineEnd < 0) break;
      const row: CopyTextRow = new Array<string | null>(this.#columns);
      let start = pos;
      for (let i = 0; i <= last; i++) {
        const tab = text.indexOf('\t', start);
        if (i === last ? tab >= 0 && tab < lineEnd : tab < 0 || tab > lineEnd) {
          throw malformed(`a row without ${this.#columns} fields`);
        }
        const end = i === last ? lineEnd : tab;
        if (backslash >= 0 && backslash < start) backslash = text.indexOf('\\', start);
        if (backslash < 0 || backslash >= end) {
          row[i] = text.slice(start, end);
        } else if (
          end - start === 2 &&
          text.charCodeAt(start) === BACKSLASH &&
          text.charCodeAt(start + 1) === CAPITAL_N
        ) {
          row[i] = null;
        } else {
          row[i] = unescapeCopyText(text.slice(start, end));
        }
        start = end + 1;
      }
      rows.push(row);
      pos = lineEnd + 1;
    }
    this.#rest = pos === 0 ? text : text.slice(pos);
    return rows;
  }

  /** Checks that the stream ended after a complete row. */
  end(): void {
    const rest = this.#rest + this.#decoder.end();
    this.#rest = '';
    if (rest !== '') throw malformed('the data ends inside a row');
  }
}

const ESCAPE = /\\([\s\S])/g;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * A field's text with COPY's backslash escapes undone: `\b \f \n \r \t \v`, and a backslash
 * before any other character is that character (`\\` is a backslash). The format's octal and hex
 * byte escapes (`\NNN`, `\xHH`) are refused: PostgreSQL never writes them (it doubles every
 * backslash of a value), so meeting one means the text is not what this reader expects.
 *
 * @example
 * unescapeCopyText('a\\tb\\\\c'); // 'a\tb\\c'
 */
export function unescapeCopyText(text: string): string {
  return text.replace(ESCAPE, (_, c: string) => {
    if ((c >= '0' && c <= '7') || c === 'x') throw malformed(`a byte escape \\${c} in a field`);
    return SIMPLE_ESCAPES[c] ?? c;
  });
}

const OPEN = 123; // {
const CLOSE = 125; // }
const QUOTE = 34; // "
const COMMA = 44;

/**
 * A one-dimensional PostgreSQL array's text (`{a,"b c","d\"e",NULL}`) as its elements, the way
 * node-postgres reads a text[]: quoted elements unescaped, an unquoted NULL as null. `{}` is `[]`.
 *
 * @example
 * parseTextArray('{vip,"a,b",NULL}'); // ['vip', 'a,b', null]
 */
export function parseTextArray(text: string): (string | null)[] {
  let pos = 0;
  // Arrays with lower bounds other than 1 start with their dimensions: `[0:1]={a,b}`.
  if (text.charCodeAt(0) === 91) pos = text.indexOf('=') + 1;
  if (text.charCodeAt(pos) !== OPEN || text.charCodeAt(text.length - 1) !== CLOSE) {
    throw malformed(`not an array: ${text.slice(0, 40)}`);
  }
  pos++;
  const end = text.length - 1;
  const out: (string | null)[] = [];
  if (pos === end) return out;
  for (;;) {
    if (text.charCodeAt(pos) === QUOTE) {
      let value = '';
      let from = pos + 1;
      let i = from;
      for (;;) {
        const c = text.charCodeAt(i);
        if (i >= end) throw malformed(`an unterminated quoted element in ${text.slice(0, 40)}`);
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          value += text.slice(from, i) + text.charAt(i + 1);
          i += 2;
          from = i;
        } else i++;
      }
      out.push(value + text.slice(from, i));
      pos = i + 1;
    } else {
      let i = text.indexOf(',', pos);
      if (i < 0 || i > end) i = end;
      const value = text.slice(pos, i);
      if (value.charCodeAt(0) === OPEN) throw malformed('nested arrays are not read here');
      out.push(value === 'NULL' ? null : value);
      pos = i;
    }
    if (pos >= end) return out;
    if (text.charCodeAt(pos) !== COMMA)
      throw malformed(`a bad array element in ${text.slice(0, 40)}`);
    pos++;
  }
}

function malformed(what: string): RosterError {
  return new RosterError('INTERNAL', `Unexpected COPY text from the database: ${what}`);
}
