import type { Cell } from '../model/record.ts';

/**
 * JSON values as the JSON readers keep them: numbers as the text they were written with (a
 * 20-digit ID or a phone number stored as a number keeps every digit), objects as Maps (a key
 * such as `__proto__` is just a key).
 */

export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonObject = Map<string, JsonValue>;
export type JsonValue = string | JsonNumber | boolean | null | JsonValue[] | JsonObject;

/** Deeper nesting than this is no contact record; refusing it also bounds recursion. */
export const MAX_JSON_DEPTH = 64;

/** A token from stream-json's parser with packed values. */
export interface JsonToken {
  name: string;
  value?: string | boolean | null;
}

export class JsonDepthError extends Error {}

/**
 * Builds one JSON value from stream-json tokens (packed keys, strings and numbers). Feed tokens
 * with `push` until `done`.
 *
 * @example
 * const b = new JsonBuilder();
 * for (const t of tokens) { b.push(t); if (b.done) break; }
 * b.value; // Map { 'email' => 'a@b.co' }
 */
export class JsonBuilder {
  done = false;
  value: JsonValue = null;
  private readonly stack: Array<JsonObject | JsonValue[]> = [];
  private key: string | null = null;

  constructor(private readonly onDuplicateKey?: (key: string) => void) {}

  push(token: JsonToken): void {
    switch (token.name) {
      case 'startObject':
        this.open(new Map());
        break;
      case 'startArray':
        this.open([]);
        break;
      case 'endObject':
      case 'endArray': {
        const closed = this.stack.pop()!;
        if (this.stack.length === 0) this.finish(closed);
        break;
      }
      case 'keyValue':
        this.key = token.value as string;
        break;
      case 'stringValue':
        this.add(token.value as string);
        break;
      case 'numberValue':
        this.add(new JsonNumber(token.value as string));
        break;
      case 'nullValue':
        this.add(null);
        break;
      case 'trueValue':
        this.add(true);
        break;
      case 'falseValue':
        this.add(false);
        break;
      // start/end of streamed strings, keys and numbers: only packed values are used
    }
  }

  private open(container: JsonObject | JsonValue[]): void {
    if (this.stack.length >= MAX_JSON_DEPTH) throw new JsonDepthError();
    if (this.stack.length > 0) this.attach(container);
    this.stack.push(container);
  }

  private add(value: JsonValue): void {
    if (this.stack.length === 0) this.finish(value);
    else this.attach(value);
  }

  private attach(value: JsonValue): void {
    const top = this.stack[this.stack.length - 1]!;
    if (Array.isArray(top)) {
      top.push(value);
      return;
    }
    const key = this.key!;
    if (top.has(key)) this.onDuplicateKey?.(key);
    top.set(key, value);
  }

  private finish(value: JsonValue): void {
    this.value = value;
    this.done = true;
  }
}

export class JsonSyntaxError extends Error {
  /** 0-based character offset where the text stops being JSON. */
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses one JSON text (an NDJSON line) into a JsonValue, numbers kept as written. Throws
 * JsonSyntaxError with the offset of the problem.
 *
 * @example
 * parseJsonText('{"id": 12345678901234567890}').get('id'); // JsonNumber { text: '12345678901234567890' }
 */
export function parseJsonText(text: string, onDuplicateKey?: (key: string) => void): JsonValue {
  return new TextParser(text, onDuplicateKey).parse();
}

/**
 * A recursive-descent parser. A class rather than closures: it runs once per NDJSON line, and
 * creating a set of closures per line cost a third of the reading time.
 */
class TextParser {
  private i = 0;
  private readonly n: number;

  constructor(
    private readonly text: string,
    private readonly onDuplicateKey?: (key: string) => void,
  ) {
    this.n = text.length;
  }

  parse(): JsonValue {
    const result = this.value(0);
    this.space();
    if (this.i < this.n) this.fail('unexpected text after the value');
    return result;
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(this.i >= this.n ? `${what} (the text ends early)` : what, this.i);
  }

  private space(): void {
    const { text, n } = this;
    let i = this.i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
    this.i = i;
  }

  private string(): string {
    const { text, n } = this;
    const start = this.i;
    let escaped = false;
    let i = start + 1;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      } else if (c < 0x20) {
        this.i = i;
        this.fail('control character in a string');
      }
    }
    this.i = i;
    if (i >= n) this.fail('unterminated string');
    this.i = i + 1;
    if (!escaped) return text.slice(start + 1, i);
    try {
      return JSON.parse(text.slice(start, i + 1)) as string;
    } catch {
      this.i = start;
      return this.fail('bad escape sequence in a string');
    }
  }

  private value(depth: number): JsonValue {
    this.space();
    const { text } = this;
    const c = text.charCodeAt(this.i);
    if (c === 0x7b) return this.object(depth);
    if (c === 0x5b) return this.array(depth);
    if (c === 0x22) return this.string();
    if (text.startsWith('true', this.i)) {
      this.i += 4;
      return true;
    }
    if (text.startsWith('false', this.i)) {
      this.i += 5;
      return false;
    }
    if (text.startsWith('null', this.i)) {
      this.i += 4;
      return null;
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(text);
    if (m) {
      this.i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return this.fail('expected a value');
  }

  private object(depth: number): JsonObject {
    if (depth >= MAX_JSON_DEPTH) this.fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    const { text } = this;
    this.i++;
    const obj: JsonObject = new Map();
    this.space();
    if (text.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return obj;
    }
    for (;;) {
      this.space();
      if (text.charCodeAt(this.i) !== 0x22) this.fail('expected a key in double quotes');
      const key = this.string();
      this.space();
      if (text.charCodeAt(this.i) !== 0x3a) this.fail("expected ':'");
      this.i++;
      const v = this.value(depth + 1);
      if (this.onDuplicateKey && obj.has(key)) this.onDuplicateKey(key);
      obj.set(key, v);
      this.space();
      const next = text.charCodeAt(this.i);
      this.i++;
      if (next === 0x2c) continue;
      if (next === 0x7d) return obj;
      this.i--;
      this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): JsonValue[] {
    if (depth >= MAX_JSON_DEPTH) this.fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    const { text } = this;
    this.i++;
    const arr: JsonValue[] = [];
    this.space();
    if (text.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(depth + 1));
      this.space();
      const next = text.charCodeAt(this.i);
      this.i++;
      if (next === 0x2c) continue;
      if (next === 0x5d) return arr;
      this.i--;
      this.fail("expected ',' or ']'");
    }
  }
}

function scalarText(value: string | JsonNumber | boolean | null): string {
  if (value === null) return '';
  if (value instanceof JsonNumber) return value.text;
  return typeof value === 'string' ? value : String(value);
}

function isScalar(value: JsonValue): value is string | JsonNumber | boolean | null {
  return value === null || typeof value !== 'object' || value instanceof JsonNumber;
}

/**
 * A JsonValue written back as JSON text (numbers as they were written).
 *
 * @example
 * toJsonText([new Map([['type', 'work']])]); // '[{"type":"work"}]'
 */
export function toJsonText(value: JsonValue): string {
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  return JSON.stringify(value);
}

export interface FlattenNotes {
  /** A list holding objects or lists, kept as JSON text. */
  nestedList?(path: string, text: string): void;
  /** Two keys that end up as the same column (`{"a.b": 1, "a": {"b": 2}}`); the later wins. */
  sameColumn?(path: string): void;
}

/**
 * One object as cells by column name: nested objects flattened with dot paths
 * (`customFields.industry`), lists of plain values as lists (`tags`), lists of objects as JSON
 * text, null as ''.
 *
 * @example
 * flattenObject(new Map([['tags', ['vip']], ['consent', new Map([['email', 'yes']])]]));
 * // Map { 'tags' => ['vip'], 'consent.email' => 'yes' }
 */
export function flattenObject(obj: JsonObject, notes: FlattenNotes = {}): Map<string, Cell> {
  const out = new Map<string, Cell>();
  for (const [key, value] of obj) flattenInto(out, key, value, notes);
  return out;
}

// Module-level rather than closures inside flattenObject: it runs for every record.
function flattenInto(
  out: Map<string, Cell>,
  path: string,
  value: JsonValue,
  notes: FlattenNotes,
): void {
  if (value instanceof Map) {
    for (const [key, inner] of value) flattenInto(out, `${path}.${key}`, inner, notes);
    return;
  }
  let cell: Cell;
  if (!Array.isArray(value)) {
    cell = scalarText(value);
  } else if (value.every(isScalar)) {
    cell = value.map(scalarText);
  } else {
    cell = toJsonText(value);
    notes.nestedList?.(path, cell);
  }
  if (out.has(path)) notes.sameColumn?.(path);
  out.set(path, cell);
}

/**
 * The column names flattenObject would give an object, in order, without building its cells.
 *
 * @example
 * [...columnPaths(new Map([['a', new Map([['b', 1]])]]))]; // ['a.b']
 */
export function* columnPaths(obj: JsonObject, prefix: string | null = null): Generator<string> {
  for (const [key, value] of obj) {
    const path = prefix === null ? key : `${prefix}.${key}`;
    if (value instanceof Map) yield* columnPaths(value, path);
    else yield path;
  }
}
