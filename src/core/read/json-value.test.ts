import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsonBuilder,
  JsonNumber,
  JsonSyntaxError,
  flattenObject,
  parseJsonText,
  toJsonText,
} from './json-value.ts';
import type { JsonValue } from './json-value.ts';

/** A comparable form: objects as entry lists (so `__proto__` is an ordinary key), numbers as numbers. */
function canonical(value: unknown): unknown {
  if (value instanceof JsonNumber) return Number(value.text);
  if (value instanceof Map) return [...value].map(([k, v]) => [k, canonical(v)]);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => [k, canonical(v)]);
  }
  return value;
}

function parses(text: string): boolean {
  try {
    parseJsonText(text);
    return true;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return false;
    throw err;
  }
}

function nativeParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('parseJsonText', () => {
  it('agrees with JSON.parse on any JSON text', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        expect(canonical(parseJsonText(text))).toEqual(canonical(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts and refuses the same texts as JSON.parse', () => {
    const fragments = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"a"',
      '1',
      '-0.5e3',
      'true',
      'null',
      ' ',
      '"\\u00e9"',
      '"\\x"',
      '01',
      '.5',
      '"',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(fragments, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(parses(text)).toBe(nativeParses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the digits of numbers as written', () => {
    const obj = parseJsonText('{"id": 12345678901234567890, "price": 1.50, "big": 1e400}') as Map<
      string,
      JsonValue
    >;
    expect(obj.get('id')).toEqual(new JsonNumber('12345678901234567890'));
    expect(obj.get('price')).toEqual(new JsonNumber('1.50'));
    expect(obj.get('big')).toEqual(new JsonNumber('1e400'));
  });

  it('reports where the text stops being JSON, and duplicate keys', () => {
    expect(() => parseJsonText('{"a": 1,, "b": 2}')).toThrow(JsonSyntaxError);
    try {
      parseJsonText('{"a": 1 "b": 2}');
    } catch (err) {
      expect((err as JsonSyntaxError).offset).toBe(8);
    }
    const dups: string[] = [];
    parseJsonText('{"a": 1, "a": 2}', (k) => dups.push(k));
    expect(dups).toEqual(['a']);
    expect(() => parseJsonText('['.repeat(100) + ']'.repeat(100))).toThrow(/nested/);
  });
});

describe('JsonBuilder', () => {
  it('builds values from stream-json tokens', () => {
    const b = new JsonBuilder();
    for (const t of [
      { name: 'startObject' },
      { name: 'keyValue', value: 'tags' },
      { name: 'startArray' },
      { name: 'stringValue', value: 'vip' },
      { name: 'numberValue', value: '7' },
      { name: 'endArray' },
      { name: 'keyValue', value: 'ok' },
      { name: 'trueValue', value: true },
      { name: 'endObject' },
    ]) {
      b.push(t);
    }
    expect(b.done).toBe(true);
    expect(toJsonText(b.value)).toBe('{"tags":["vip",7],"ok":true}');
  });
});

describe('flattenObject', () => {
  it('flattens nested objects, keeps plain lists as lists and objects in lists as JSON', () => {
    const value = parseJsonText(
      '{"email":"a@b.co","tags":["vip",1,null],"consent":{"email":{"status":"opted_in","at":null}},' +
        '"emails":[{"type":"work","value":"w@b.co"}],"empty":{},"matrix":[[1]]}',
    ) as Map<string, JsonValue>;
    const nested: string[] = [];
    const cells = flattenObject(value, { nestedList: (path) => nested.push(path) });
    expect(Object.fromEntries(cells)).toEqual({
      email: 'a@b.co',
      tags: ['vip', '1', ''],
      'consent.email.status': 'opted_in',
      'consent.email.at': '',
      emails: '[{"type":"work","value":"w@b.co"}]',
      matrix: '[[1]]',
    });
    expect(nested).toEqual(['emails', 'matrix']);
  });

  it('notes two keys that make the same column', () => {
    const same: string[] = [];
    const cells = flattenObject(
      parseJsonText('{"a.b": 1, "a": {"b": 2}}') as Map<string, JsonValue>,
      {
        sameColumn: (p) => same.push(p),
      },
    );
    expect(cells.get('a.b')).toBe('2');
    expect(same).toEqual(['a.b']);
  });
});
