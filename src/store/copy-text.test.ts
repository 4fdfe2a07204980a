import { describe, expect, it } from 'vitest';
import { CopyTextReader, parseTextArray, unescapeCopyText } from './copy-text.ts';

const rowsOf = (columns: number, ...chunks: (string | Buffer)[]): (string | null)[][] => {
  const reader = new CopyTextReader(columns);
  const rows = chunks.flatMap((c) => reader.push(typeof c === 'string' ? Buffer.from(c) : c));
  reader.end();
  return rows;
};

describe('COPY text reader', () => {
  it('splits rows and fields, reads \\N as null and undoes escapes', () => {
    expect(rowsOf(3, 'a\t\\N\t\n', 'x\\ty\ta\\\\b\\nc\t\\r\\b\\f\\v\n')).toEqual([
      ['a', null, ''],
      ['x\ty', 'a\\b\nc', '\r\b\f\v'],
    ]);
    // A backslash followed by N inside a longer value is an escaped N, not NULL.
    expect(rowsOf(2, '\\\\N\t\\N\\N\n')).toEqual([['\\N', 'NN']]);
    expect(rowsOf(1, '\\N\n\n')).toEqual([[null], ['']]);
  });

  it('joins rows and UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('Zoë\t東京\\t🙂\nsecond\t\\N\n');
    const expected = [
      ['Zoë', '東京\t🙂'],
      ['second', null],
    ];
    // Every split point, including inside multi-byte characters and escapes.
    for (let i = 0; i <= bytes.length; i++) {
      expect(rowsOf(2, bytes.subarray(0, i), bytes.subarray(i))).toEqual(expected);
    }
    // One byte at a time.
    expect(rowsOf(2, ...Array.from(bytes, (b) => Buffer.from([b])))).toEqual(expected);
  });

  it('refuses rows of the wrong width, a partial last row and byte escapes', () => {
    expect(() => rowsOf(3, 'a\tb\n')).toThrow(/without 3 fields/);
    expect(() => rowsOf(2, 'a\tb\tc\n')).toThrow(/without 2 fields/);
    expect(() => rowsOf(2, 'a\tb\nc\t')).toThrow(/ends inside a row/);
    expect(() => rowsOf(1, 'a\\101\n')).toThrow(/byte escape/);
    expect(() => new CopyTextReader(0)).toThrow(RangeError);
  });

  it('keeps characters the format does not escape', () => {
    expect(unescapeCopyText('{"a":"b\\\\"c"}')).toBe('{"a":"b\\"c"}');
    expect(unescapeCopyText('\u0001\u0000x\\q')).toBe('\u0001\u0000xq');
  });
});

describe('text[] literal parser', () => {
  it('reads the elements as node-postgres does', () => {
    expect(parseTextArray('{}')).toEqual([]);
    expect(parseTextArray('{vip,east}')).toEqual(['vip', 'east']);
    expect(parseTextArray('{NULL,"NULL",""}')).toEqual([null, 'NULL', '']);
    expect(parseTextArray('{"a,b","c d","{x}","q\\"t","back\\\\slash"}')).toEqual([
      'a,b',
      'c d',
      '{x}',
      'q"t',
      'back\\slash',
    ]);
    expect(parseTextArray('{Zoë,東京,"🙂 x"}')).toEqual(['Zoë', '東京', '🙂 x']);
    expect(parseTextArray('[0:1]={a,b}')).toEqual(['a', 'b']);
  });

  it('refuses what is no one-dimensional array', () => {
    expect(() => parseTextArray('vip')).toThrow(/not an array/);
    expect(() => parseTextArray('{"a}')).toThrow(/unterminated/);
    expect(() => parseTextArray('{{a},{b}}')).toThrow(/nested/);
    expect(() => parseTextArray('{"a"b}')).toThrow(/bad array element/);
  });
});
