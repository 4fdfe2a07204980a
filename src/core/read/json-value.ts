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
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(i >= n ? `${what} (the text ends early)` : what, i);
  };
  const space = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const string = (): string => {
    const start = i;
    let escaped = false;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      } else if (c < 0x20) {
        fail('control character in a string');
      }
    }
    if (i >= n) fail('unterminated string');
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('bad escape sequence in a string');
    }
  };
  const value = (depth: number): JsonValue => {
    space();
    const c = text[i];
    if (c === '{') {
      if (depth >= MAX_JSON_DEPTH) fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
      i++;
      const obj: JsonObject = new Map();
      space();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail('expected a key in double quotes');
        const key = string();
        space();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = value(depth + 1);
        if (obj.has(key)) onDuplicateKey?.(key);
        obj.set(key, v);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      if (depth >= MAX_JSON_DEPTH) fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
      i++;
      const arr: JsonValue[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('expected a value');
  };
  const result = value(0);
  space();
  if (i < n) fail('unexpected text after the value');
  return result;
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
  const put = (path: string, cell: Cell): void => {
    if (out.has(path)) notes.sameColumn?.(path);
    out.set(path, cell);
  };
  const walk = (path: string, value: JsonValue): void => {
    if (value instanceof Map) {
      for (const [key, inner] of value) walk(`${path}.${key}`, inner);
    } else if (Array.isArray(value)) {
      if (value.every(isScalar)) {
        put(path, value.map(scalarText));
      } else {
        const text = toJsonText(value);
        notes.nestedList?.(path, text);
        put(path, text);
      }
    } else {
      put(path, scalarText(value));
    }
  };
  for (const [key, value] of obj) walk(key, value);
  return out;
}
