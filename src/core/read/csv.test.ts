import { Buffer } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import { bytesSource } from '../model/byte-source.ts';
import type { RowIssue } from '../model/issue.ts';
import { collectRecords } from '../model/record.ts';
import { MAX_RESTARTS, checkDelimiter, csvReader, readCsvRows } from './csv.ts';
import type { ReadOptions, TableInfo } from './types.ts';

async function read(input: string | Uint8Array, options: ReadOptions = {}, chunkSize = 64 * 1024) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const source = bytesSource('test.csv', bytes, chunkSize);
  const issues: RowIssue[] = [];
  const sniffed = await csvReader.sniff(source, options);
  const records = await collectRecords(
    csvReader.rows(source, sniffed as TableInfo, { ...options, onIssue: (i) => issues.push(i) }),
  );
  return { sniffed, rows: records.map((r) => [r.rowNumber, r.cells] as const), issues };
}

const cellsOf = (rows: readonly (readonly [number, unknown])[]) => rows.map((r) => r[1]);

describe('csvReader', () => {
  it('reads quoted fields with delimiters, quotes and line breaks; a multi-line cell is one row', async () => {
    const text = 'name,note\n"Doe, John","He said ""hi""\nand left"\nAnn,plain\n';
    const { rows } = await read(text);
    expect(rows).toEqual([
      [1, ['name', 'note']],
      [2, ['Doe, John', 'He said "hi"\nand left']],
      [3, ['Ann', 'plain']],
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('splits %s lines', async (_name, eol) => {
    const { rows } = await read(`a,b${eol}1,2${eol}3,"x${eol}y"${eol}`);
    expect(cellsOf(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', `x${eol}y`],
    ]);
  });

  it('splits files that mix line endings', async () => {
    const { rows } = await read('a,b\r\n1,2\n3,4\r5,6');
    expect(cellsOf(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('keeps blank lines as rows (openTable reports and skips them)', async () => {
    const { rows } = await read('a\n\n\nb\n');
    expect(rows).toEqual([
      [1, ['a']],
      [2, ['']],
      [3, ['']],
      [4, ['b']],
    ]);
  });

  it('skips a sep= line and numbers the next row 1', async () => {
    const { sniffed, rows } = await read('sep=;\r\nemail;name\r\na@b.co;Ann\r\n');
    expect(sniffed.delimiter).toBe(';');
    expect(rows).toEqual([
      [1, ['email', 'name']],
      [2, ['a@b.co', 'Ann']],
    ]);
  });

  it('honours a forced delimiter and rejects impossible ones', async () => {
    expect(cellsOf((await read('a;b,c\n', { delimiter: ',' })).rows)).toEqual([['a;b', 'c']]);
    expect(() => checkDelimiter('ab')).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(() => checkDelimiter('"')).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(cellsOf((await read('a§b\n1§2\n', { delimiter: '§' })).rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('recovers the rows after a quote that is never closed, and reports it', async () => {
    const { rows, issues } = await read('email,name\na@x.com,"Bob\nb@x.com,Carol\nc@x.com,Dan\n');
    expect(rows).toEqual([
      [1, ['email', 'name']],
      [2, ['a@x.com', '"Bob']],
      [3, ['b@x.com', 'Carol']],
      [4, ['c@x.com', 'Dan']],
    ]);
    expect(issues).toEqual([
      expect.objectContaining({
        row: 2,
        columnIndex: 2,
        code: 'unclosed_quote',
        severity: 'warning',
        value: '"Bob',
      }),
    ]);
  });

  it('recovers rows swallowed by a stray opening quote that meets another quote lines later', async () => {
    const { rows, issues } = await read(
      'email,note\na@x.com,"Bob\nb@x.com,"hi" there\nc@x.com,z\n',
      {},
      5,
    );
    expect(cellsOf(rows)).toEqual([
      ['email', 'note'],
      ['a@x.com', '"Bob'],
      ['b@x.com', '"hi" there'],
      ['c@x.com', 'z'],
    ]);
    expect(issues.map((i) => [i.row, i.code, i.severity])).toEqual([
      [2, 'stray_quote', 'warning'],
      [3, 'stray_quote', 'info'],
    ]);
  });

  it('keeps a quote in the middle of a field and notes it', async () => {
    const { rows, issues } = await read('a,b\n1,"Big" Bob\n2,5" screen\n');
    expect(cellsOf(rows)).toEqual([
      ['a', 'b'],
      ['1', '"Big" Bob'],
      ['2', '5" screen'],
    ]);
    expect(issues).toEqual([
      expect.objectContaining({ row: 2, code: 'stray_quote', severity: 'info' }),
    ]);
  });

  it('gives up with CSV_MALFORMED after too many broken quotes', async () => {
    // Each restart mends one line; the even number of lines left pair up into merged rows (each
    // reported), and the last quote is still open at the end of the file.
    const text =
      'a\n' + Array.from({ length: MAX_RESTARTS + 4 }, (_, i) => `"r${i}\n`).join('') + '"end';
    const issues: RowIssue[] = [];
    try {
      const source = bytesSource('bad.csv', Buffer.from(text));
      await collectRecords(
        readCsvRows(
          source,
          { encoding: 'utf-8', delimiter: ',' },
          { onIssue: (i) => issues.push(i) },
        ),
      );
      expect.unreachable();
    } catch (err) {
      expect(isRosterError(err, 'CSV_MALFORMED')).toBe(true);
      expect(
        issues.filter((i) => i.code === 'stray_quote' && i.severity === 'warning'),
      ).toHaveLength(MAX_RESTARTS);
      expect(issues.filter((i) => i.code === 'merged_rows')).toHaveLength(2);
      expect((err as { details: { row?: number } }).details.row).toBeGreaterThan(1);
    }
  });

  it('reports bytes that are not valid UTF-8 with their row and column', async () => {
    const head = 'email,name\n' + 'a@example.com,Zoë\n'.repeat(5000); // past the sniffed head
    const bytes = Buffer.concat([
      Buffer.from(head),
      Buffer.from('b@example.com,M'),
      Buffer.from([0xfc]),
      Buffer.from('ller\n'),
    ]);
    const { sniffed, rows, issues } = await read(bytes);
    expect(sniffed.encoding).toBe('utf-8');
    expect(rows.at(-1)).toEqual([5002, ['b@example.com', 'M\uFFFDller']]);
    expect(issues).toEqual([
      expect.objectContaining({
        row: 5002,
        columnIndex: 2,
        code: 'invalid_encoding',
        value: 'M\uFFFDller',
      }),
    ]);
  });

  it('shortens a huge field before the parser, keeping the rows around it intact', async () => {
    const huge = 'x'.repeat(200_000);
    const text = `a,b\n1,"${huge}\n${huge}"\n2,${huge}\n3,end\n`;
    const { rows } = await read(text, { maxCellChars: 1000 }, 4096);
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3, 4]);
    const cells = cellsOf(rows) as string[][];
    expect(cells[1]![1]!.length).toBeGreaterThan(1000);
    expect(cells[1]![1]!.length).toBeLessThan(10_000);
    expect(cells[1]![1]!.startsWith('x'.repeat(1000))).toBe(true);
    expect(cells[2]![1]!.length).toBeLessThan(10_000);
    expect(cells[3]).toEqual(['3', 'end']);
  });

  it('decides the encoding by the first non-ASCII bytes when the head is plain ASCII', async () => {
    const head = 'email,name\n' + 'a@example.com,Ann\n'.repeat(5000); // 90 KB, past the sniffed head
    const bytes = Buffer.concat([
      Buffer.from(head),
      iconv.encode('b@example.com,Jürgen Müller\n', 'windows-1252'),
    ]);
    const { sniffed, rows, issues } = await read(bytes);
    expect(sniffed.encoding).toBe('windows-1252');
    expect(rows.at(-1)).toEqual([5002, ['b@example.com', 'Jürgen Müller']]);
    expect(issues).toEqual([]);
  });

  it('reads UTF-16 and Windows-1252 through the same parser', async () => {
    const text = 'First Name\tE-mail Address\r\nJürgen\t"j@x.de"\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const r = await read(le, {}, 3);
    expect(r.sniffed).toMatchObject({ encoding: 'utf-16le', bom: true, delimiter: '\t' });
    expect(cellsOf(r.rows)).toEqual([
      ['First Name', 'E-mail Address'],
      ['Jürgen', 'j@x.de'],
    ]);
  });
});

/** csv-parse alone, with the options the reader gives it. */
function reference(text: string): string[][] {
  try {
    return parse(text, {
      relax_quotes: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: false,
      bom: false,
    }) as string[][];
  } catch {
    return [];
  }
}

describe('csvReader against csv-parse alone (property)', () => {
  const text = fc
    .array(fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r', '\r\n', ' ', 'é', '€', '😀'), {
      maxLength: 60,
    })
    .map((parts) => parts.join(''));

  it('gives the same rows wherever no quote had to be recovered, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 9 }), async (t, chunk) => {
        const issues: RowIssue[] = [];
        const src = bytesSource('p.csv', Buffer.from('h\n' + t), chunk);
        const info = { encoding: 'utf-8', delimiter: ',' };
        const got = await collectRecords(
          readCsvRows(src, info, { onIssue: (i) => issues.push(i) }),
        );
        if (issues.some((i) => i.severity === 'warning')) return; // recovered: differs by design
        const want = reference('h\n' + t);
        expect(got.map((r) => r.cells)).toEqual(want);
        expect(got.map((r) => r.rowNumber)).toEqual(want.map((_, i) => i + 1));
      }),
      { numRuns: 400 },
    );
  });

  it('only ever shortens long fields, never moves a boundary', async () => {
    const long = fc
      .array(
        fc.constantFrom('aaaa', 'bb', ',', '"', '""', '\n', '\r\n', 'é', '😀', 'xxxxxxxxxxxx'),
        { maxLength: 80 },
      )
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(
        long,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 7 }),
        async (t, max, chunk) => {
          const issues: RowIssue[] = [];
          const src = bytesSource('p.csv', Buffer.from(t), chunk);
          const got = await collectRecords(
            readCsvRows(
              src,
              { encoding: 'utf-8', delimiter: ',' },
              { maxCellChars: max, onIssue: (i) => issues.push(i) },
            ),
          );
          if (issues.some((i) => i.severity === 'warning')) return;
          const want = reference(t);
          expect(got.length).toBe(want.length);
          got.forEach((r, i) => {
            expect(r.cells.length).toBe(want[i]!.length);
            r.cells.forEach((c, j) =>
              expect((c as string).slice(0, max)).toBe(want[i]![j]!.slice(0, max)),
            );
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
