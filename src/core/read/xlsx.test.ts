import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { ByteSource } from '../model/byte-source.ts';
import type { RawRecord } from '../model/record.ts';
import { minimalXlsx, source, writeXlsx, zipOf } from '../../../test/fixtures/sheets/build.ts';
import type { ReadOptions, TableInfo } from './types.ts';
import { xlsxReader } from './xlsx.ts';
import { expectCode, readWith } from './reader-test-support.ts';
const read = (src: ByteSource, options: ReadOptions = {}) => readWith(xlsxReader, src, options);

const cells = (rows: RawRecord[]) => rows.map((r) => r.cells);

describe('xlsxReader: cell values', () => {
  it('reads the example workbook with notes above the header and true row numbers', async () => {
    const bytes = readFileSync(new URL('../../../examples/leads.xlsx', import.meta.url));
    const { info, rows } = await read(source('leads.xlsx', bytes));
    expect(info).toMatchObject({ format: 'xlsx', sheet: 'Leads', sheets: ['Leads'] });
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 3, 4, 5, 6]);
    expect(rows[1]!.cells[0]).toBe('Full Name');
    expect(rows[2]!.cells).toEqual([
      'Alan Turing',
      'alan@example.co.uk',
      'Bletchley Park Trust',
      '447700900123',
      '91',
      '2025-10-15',
      'Pro',
    ]);
  });

  it('turns numbers, dates, booleans, formulas, rich text, links and errors into text', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('Contacts');
      ws.addRow(['kind', 'value']);
      ws.addRow(['float noise', 0.1 + 0.2]);
      ws.addRow(['integer', 42]);
      ws.addRow(['phone as number', 447700900123]);
      ws.addRow(['15 digits', 123456789012345]);
      ws.addRow(['16 digits', 1234567890123456]);
      ws.addRow(['20 digits', Number('12345678901234567890')]);
      ws.addRow(['huge', 1e21]);
      ws.addRow(['tiny', 1.5e-7]);
      ws.addRow(['negative', -12.5]);
      ws.addRow(['leading zero text', '007']);
      ws.addRow(['numeric text', '12345678901234567890']);
      ws.addRow(['date', new Date(Date.UTC(2025, 9, 15))]);
      ws.addRow(['date time', new Date(Date.UTC(2025, 9, 15, 14, 30))]);
      ws.addRow(['true', true]);
      ws.addRow(['false', false]);
      ws.addRow(['formula', { formula: 'B3*2', result: 84 }]);
      ws.addRow([
        'rich',
        { richText: [{ text: 'Hello ' }, { font: { bold: true }, text: 'World' }] },
      ]);
      ws.addRow(['link', { text: 'Roster site', hyperlink: 'https://example.com' }]);
      ws.addRow(['error', { error: '#N/A' }]);
      ws.addRow(['multi-line', 'line 1\nline 2']);
    });
    const { rows, issues } = await read(source('values.xlsx', bytes));
    const byKind = Object.fromEntries(rows.map((r) => [r.cells[0], r.cells[1]]));
    expect(byKind).toEqual({
      kind: 'value',
      'float noise': '0.3',
      integer: '42',
      'phone as number': '447700900123',
      '15 digits': '123456789012345',
      '16 digits': '1234567890123456',
      '20 digits': '12345678901234567000',
      huge: '1000000000000000000000',
      tiny: '0.00000015',
      negative: '-12.5',
      'leading zero text': '007',
      'numeric text': '12345678901234567890',
      date: '2025-10-15',
      'date time': '2025-10-15T14:30:00',
      true: 'TRUE',
      false: 'FALSE',
      formula: '84',
      rich: 'Hello World',
      link: 'Roster site',
      error: '',
      'multi-line': 'line 1\nline 2',
    });
    const formula = issues.find((i) => i.code === 'formula_value');
    expect(formula).toMatchObject({ row: 17, columnIndex: 2, severity: 'info', value: '84' });
    expect(issues.find((i) => i.code === 'cell_error')).toMatchObject({
      row: 20,
      columnIndex: 2,
      value: '#N/A',
      severity: 'warning',
    });
  });

  it('respects the 1904 date system', async () => {
    const bytes = await writeXlsx((wb) => {
      wb.properties.date1904 = true;
      const ws = wb.addWorksheet('S');
      ws.addRow(['joined']);
      ws.addRow([new Date(Date.UTC(2025, 9, 15))]);
      ws.addRow([new Date(Date.UTC(1999, 11, 31, 23, 59, 59))]);
    });
    const { rows } = await read(source('mac.xlsx', bytes));
    expect(cells(rows)).toEqual([['joined'], ['2025-10-15'], ['1999-12-31T23:59:59']]);
  });

  it('formats dates by custom and built-in number formats, and keeps ZIP-code leading zeros', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['zip', 'day', 'time', 'money', 'plain']);
      const row = ws.addRow([2134, 45945, 0.75, 1234.5, 45945]);
      row.getCell(1).numFmt = '00000';
      row.getCell(2).numFmt = 'dd/mm/yyyy';
      row.getCell(3).numFmt = 'h:mm';
      row.getCell(4).numFmt = '#,##0.00 [$€-1]';
    });
    const { rows } = await read(source('formats.xlsx', bytes));
    expect(rows[1]!.cells).toEqual(['02134', '2025-10-15', '18:00:00', '1234.5', '45945']);
  });

  it('notes formulas without a cached value', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['a', 'b']);
      ws.addRow([1, { formula: 'A2+1' }]);
      ws.addRow([2, { formula: 'A3+1' }]);
    });
    const { rows, issues } = await read(source('f.xlsx', bytes));
    expect(cells(rows)).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['2', ''],
    ]);
    expect(issues.filter((i) => i.code === 'formula_not_calculated')).toHaveLength(1);
  });

  it('reads phonetic guides, rich inline strings, escapes and cells without references', async () => {
    const bytes = await minimalXlsx({
      sharedStrings:
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
        '<si><t>名前</t></si>' +
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si>' +
        '<si><r><t>Ri</t></r><r><rPr><b/></rPr><t>ch</t></r></si>' +
        '<si><t>a_x000D_b &amp;lt;</t></si>' +
        '</sst>',
      sheetData:
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' +
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c></row>' +
        '<row><c t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c><c t="inlineStr"><is><t>&amp;lt;</t></is></c></row>' +
        '<row r="7"><c t="b"><v>1</v></c><c r="D7" t="str"><v>text result</v></c></row>',
    });
    const { rows } = await read(source('jp.xlsx', bytes));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['名前'] },
      { rowNumber: 2, cells: ['漢字', 'Rich', 'a\rb &lt;'] },
      { rowNumber: 3, cells: ['inline', '&lt;', ''] },
      { rowNumber: 7, cells: ['TRUE', '', '', 'text result'] },
    ]);
  });

  it('reads namespace-prefixed XML', async () => {
    const bytes = await minimalXlsx({
      sheetData: '',
      sheetXml:
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>email</x:t></x:is></x:c></x:row>' +
        '<x:row r="2"><x:c r="A2"><x:v>5</x:v></x:c></x:row></x:sheetData></x:worksheet>',
    });
    const { rows } = await read(source('prefixed.xlsx', bytes));
    expect(cells(rows)).toEqual([['email'], ['5']]);
  });

  it('yields batches of the requested size', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('S');
      for (let i = 1; i <= 25; i++) ws.addRow([`row ${i}`]);
    });
    const src = source('b.xlsx', bytes);
    const info = await xlsxReader.sniff(src, {});
    const sizes: number[] = [];
    for await (const batch of xlsxReader.rows(src, info as TableInfo, { batchSize: 10 }))
      sizes.push(batch.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('stops reading the source when the consumer stops early', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('S');
      for (let i = 1; i <= 2000; i++) ws.addRow([`row ${i}`, i]);
    });
    let closed = false;
    const inner = source('big.xlsx', bytes, 1024);
    const src: ByteSource = {
      name: inner.name,
      async *stream() {
        try {
          yield* inner.stream();
        } finally {
          closed = true;
        }
      },
    };
    const info = await xlsxReader.sniff(src, {});
    closed = false;
    for await (const batch of xlsxReader.rows(src, info as TableInfo, { batchSize: 100 })) {
      expect(batch[0]!.cells[0]).toBe('row 1');
      break;
    }
    await vi.waitFor(() => expect(closed).toBe(true));
  });
});

describe('xlsxReader: sheets', () => {
  const book = () =>
    writeXlsx((wb) => {
      wb.addWorksheet('Cover');
      const hidden = wb.addWorksheet('Lookup', { state: 'hidden' });
      hidden.addRow(['lookup']);
      wb.addWorksheet('Leads').addRow(['email']).commit();
      wb.addWorksheet('Customers').addRow(['customer email']);
    });

  it('lists the sheets and picks the first visible one with data', async () => {
    const { info, rows } = await read(source('book.xlsx', await book()));
    expect(info.sheets).toEqual(['Cover', 'Lookup', 'Leads', 'Customers']);
    expect(info.sheet).toBe('Leads');
    expect(cells(rows)).toEqual([['email']]);
  });

  it('reads a sheet chosen by name, exactly or ignoring case', async () => {
    const bytes = await book();
    expect(cells((await read(source('b.xlsx', bytes), { sheet: 'Customers' })).rows)).toEqual([
      ['customer email'],
    ]);
    const loose = await read(source('b.xlsx', bytes), { sheet: ' customers ' });
    expect(loose.info.sheet).toBe('Customers');
    expect(cells((await read(source('b.xlsx', bytes), { sheet: 'Lookup' })).rows)).toEqual([
      ['lookup'],
    ]);
  });

  it('names the sheets when the one asked for is missing', async () => {
    const err = await expectCode(
      read(source('b.xlsx', await book()), { sheet: 'Prospects' }),
      'SHEET_NOT_FOUND',
    );
    expect(err.message).toContain('"Leads"');
    expect((err as unknown as { details: { sheets: string[] } }).details.sheets).toEqual([
      'Cover',
      'Lookup',
      'Leads',
      'Customers',
    ]);
  });

  it('gives no rows for a workbook whose only sheet is empty', async () => {
    const bytes = await writeXlsx((wb) => wb.addWorksheet('Empty'));
    const { info, rows } = await read(source('empty.xlsx', bytes));
    expect(info.sheet).toBe('Empty');
    expect(rows).toEqual([]);
  });
});

describe('xlsxReader: broken and hostile files', () => {
  it('refuses rows and columns beyond the grid and sparse absurd rows', async () => {
    const cell = (ref: string) => `<c r="${ref}" t="inlineStr"><is><t>x</t></is></c>`;
    const cases = [
      `<row r="1">${cell('A1')}${cell('XFD1')}</row>`, // one value at the far right of a short row
      `<row r="1048576">${cell('XFD1048576')}</row>`,
      `<row r="1">${cell('XFE1')}</row>`,
      `<row r="1">${cell('ZZZZZZ1')}</row>`,
      `<row r="1048577">${cell('A1048577')}</row>`,
    ];
    for (const sheetData of cases) {
      const bytes = await minimalXlsx({ sheetData });
      await expectCode(read(source('absurd.xlsx', bytes)), 'XLSX_LIMIT_EXCEEDED');
    }
  });

  it('accepts wide rows that are dense, and sparse rows no wider than a dense one', async () => {
    const width = 1500;
    const header = Array.from(
      { length: width },
      (_, i) => `<c r="${colName(i + 1)}1"><v>${i}</v></c>`,
    ).join('');
    const bytes = await minimalXlsx({
      sheetData: `<row r="1">${header}</row><row r="2"><c r="A2"><v>1</v></c><c r="${colName(width)}2"><v>2</v></c></row>`,
    });
    const { rows } = await read(source('wide.xlsx', bytes));
    expect(rows[0]!.cells).toHaveLength(width);
    expect(rows[1]!.cells).toHaveLength(width);
    expect(rows[1]!.cells[width - 1]).toBe('2');
  });

  it('refuses a DOCTYPE (billion laughs) in shared strings and in a sheet, quickly', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from(
        { length: 9 },
        (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ).join('') +
      ']>';
    const inStrings = await minimalXlsx({
      sheetData: '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
      sharedStrings: `${laughs}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>`,
    });
    const started = Date.now();
    await expectCode(read(source('lol.xlsx', inStrings)), 'XLSX_LIMIT_EXCEEDED');
    const inSheet = await minimalXlsx({
      sheetData: '',
      sheetXml: `${laughs}<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>`,
    });
    await expectCode(read(source('lol2.xlsx', inSheet)), 'XLSX_LIMIT_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops a zip bomb early', async () => {
    // 300 MB of repeated XML deflates to under 1 MB; the reader must give up long before
    // inflating it all.
    const row = '<row><c t="inlineStr"><is><t>bomb</t></is></c></row>';
    const chunk = Buffer.from(row.repeat(Math.ceil((1 << 20) / row.length)));
    const body = Buffer.concat(Array.from({ length: 300 }, () => chunk));
    const sheetXml = Buffer.concat([
      Buffer.from('<worksheet><sheetData>'),
      body,
      Buffer.from('</sheetData></worksheet>'),
    ]);
    const bytes = await minimalXlsx({ sheetData: '', sheetXml });
    expect(bytes.byteLength).toBeLessThan(2_000_000);
    const started = Date.now();
    const err = await expectCode(read(source('bomb.xlsx', bytes)), 'XLSX_LIMIT_EXCEEDED');
    expect(err.message).toMatch(/zip bomb/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports corrupt and truncated archives as XLSX_CORRUPT without hanging', async () => {
    const good = await writeXlsx((wb) => wb.addWorksheet('S').addRow(['email']));
    await expectCode(
      read(source('cut.xlsx', good.subarray(0, Math.floor(good.length / 2)))),
      'XLSX_CORRUPT',
    );
    const garbage = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]);
    await expectCode(read(source('garbage.xlsx', garbage)), 'XLSX_CORRUPT');
    await expectCode(
      read(source('text.xlsx', Buffer.from('email,name\na@b.co,A\n'))),
      'XLSX_CORRUPT',
    );
    // A damaged deflate stream inside a well-formed archive.
    const damaged = Buffer.from(good);
    const at = damaged.indexOf('xl/worksheets/sheet1.xml') + 40;
    damaged.fill(0xff, at, at + 64);
    await expectCode(read(source('damaged.xlsx', damaged)), 'XLSX_CORRUPT');
    const noSheets = await zipOf({
      '[Content_Types].xml': '<Types/>',
      'xl/workbook.xml': '<workbook><sheets/></workbook>',
    });
    await expectCode(read(source('nosheets.xlsx', noSheets)), 'XLSX_CORRUPT');
  });

  it('says what a zip that is not a workbook is', async () => {
    const docx = await zipOf({
      '[Content_Types].xml': '<Types/>',
      'word/document.xml': '<w:document/>',
    });
    const err = await expectCode(read(source('letter.xlsx', docx)), 'FORMAT_UNSUPPORTED');
    expect(err.message).toContain('word/document.xml');
    const xlsb = await zipOf({ '[Content_Types].xml': '<Types/>', 'xl/workbook.bin': 'x' });
    expect((await expectCode(read(source('b.xlsx', xlsb)), 'FORMAT_UNSUPPORTED')).message).toMatch(
      /xlsb/,
    );
  });

  it('refuses an encrypted zip entry', async () => {
    const bytes = Buffer.from(await minimalXlsx({ sheetData: '' }));
    bytes.writeUInt16LE(bytes.readUInt16LE(6) | 1, 6); // first local header: "encrypted" flag
    await expectCode(read(source('enc.xlsx', bytes)), 'FORMAT_UNSUPPORTED');
  });

  it('reads stored (uncompressed) entries', async () => {
    const base = await minimalXlsx({ sheetData: '<row r="1"><c r="A1"><v>7</v></c></row>' });
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(base);
    const stored = await zip.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
    expect(cells((await read(source('stored.xlsx', stored))).rows)).toEqual([['7']]);
  });
});

function colName(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}
