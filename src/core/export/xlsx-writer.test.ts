import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../model/byte-source.ts';
import { collectRecords } from '../model/record.ts';
import { openTable } from '../read/open-table.ts';
import { cleanText, guardFormula } from '../transform/clean-text.ts';
import type { ByteSink, ExportColumn, ExportContact, ExportLayout } from './types.ts';
import { createXlsxWriter, type WithDataValidations } from './xlsx-writer.ts';

/** Collects the bytes in memory; like a file stream, it says "wait" now and then. */
class BufferSink implements ByteSink {
  chunks: Buffer[] = [];
  private writes = 0;
  private drainListeners: (() => void)[] = [];
  write(chunk: Uint8Array | string): boolean {
    this.chunks.push(Buffer.from(chunk));
    this.writes += 1;
    if (this.writes % 7 !== 0) return true;
    setImmediate(() => this.drainListeners.splice(0).forEach((listener) => listener()));
    return false;
  }
  once(_event: 'drain', listener: () => void): unknown {
    this.drainListeners.push(listener);
    return this;
  }
  end(callback?: () => void): unknown {
    setImmediate(() => callback?.());
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Counts bytes and keeps nothing (the memory check). */
class CountingSink implements ByteSink {
  count = 0;
  write(chunk: Uint8Array | string): boolean {
    this.count += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return true;
  }
  once(): unknown {
    return this;
  }
  end(callback?: () => void): unknown {
    callback?.();
    return this;
  }
}

const col = (
  kind: ExportColumn['kind'],
  key: string,
  type: ExportColumn['type'],
  extra: Partial<ExportColumn> = {},
): ExportColumn => ({
  kind,
  key,
  type,
  header: kind === 'custom' ? `custom_${key}` : key,
  jsonName: key,
  ...extra,
});

const LONG_OPTIONS = Array.from({ length: 40 }, (_, i) => `Option number ${i + 1}`);

const COLUMNS: ExportColumn[] = [
  col('field', 'id', 'text'),
  col('field', 'email', 'text'),
  col('field', 'first_name', 'text'),
  col('field', 'phone', 'text'),
  col('field', 'tags', 'list'),
  col('field', 'lead_score', 'integer'),
  col('field', 'birthday', 'date'),
  col('field', 'created_at', 'timestamp'),
  col('field', 'bounced', 'boolean'),
  col('custom', 'plan', 'text', { options: ['Free', 'Pro', 'Enterprise'] }),
  col('custom', 'interests', 'list', { options: ['golf', 'tennis'] }),
  col('custom', 'region_code', 'text', { options: LONG_OPTIONS }),
  col('consent', 'email_opt_in', 'boolean'),
  col('consent', 'sms_opt_in', 'boolean'),
  col('segments', 'segments', 'list'),
];

const LAYOUT: ExportLayout = {
  columns: COLUMNS,
  customFields: [
    { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'] },
    { key: 'interests', label: 'Interests', type: 'multi_select', options: ['golf', 'tennis'] },
    { key: 'region_code', label: 'Region code', type: 'select', options: LONG_OPTIONS },
    { key: 'score', label: 'Score', type: 'number', min: 0, max: 10, required: true },
  ],
  segments: [
    { name: 'Hot Leads', description: 'Score above 80', filter: 'lead_score > 80', contacts: 1 },
    { name: 'November Import', description: null, filter: null, contacts: 2 },
  ],
};

function contact(
  id: string,
  fields: ExportContact['fields'],
  extra: Partial<ExportContact> = {},
): ExportContact {
  return {
    id,
    fields: { id, ...fields },
    custom: {},
    consent: {
      email: { status: 'unknown', at: null, source: null },
      sms: { status: 'unknown', at: null, source: null },
    },
    segments: [],
    ...extra,
  };
}

const PAGES: ExportContact[][] = [
  [
    contact(
      '00000000-0000-0000-0000-000000000001',
      {
        email: 'ann@example.com',
        first_name: 'Ann',
        phone: '+15551234567',
        tags: ['vip', 'nov'],
        lead_score: 85,
        birthday: '1990-04-03',
        created_at: '2024-11-05T13:45:10.000Z',
        bounced: false,
      },
      {
        custom: { plan: 'Pro', interests: ['golf', 'tennis'], region_code: 'Option number 7' },
        consent: {
          email: { status: 'opted_in', at: '2024-01-01T00:00:00Z', source: 'import' },
          sms: { status: 'opted_out', at: null, source: null },
        },
        segments: ['Hot Leads', 'November Import'],
      },
    ),
    contact('00000000-0000-0000-0000-000000000002', {
      email: 'bob@example.com',
      first_name: '=HYPERLINK("http://evil.example","click")',
      phone: '@SUM(A1)',
      tags: [],
      lead_score: null,
      birthday: null,
      created_at: '2024-11-06T08:00:00.000Z',
      bounced: true,
    }),
  ],
  [
    contact(
      '00000000-0000-0000-0000-000000000003',
      {
        email: 'cy@example.com',
        first_name: '-2+3',
        phone: '+4930123456',
        tags: ['=cmd'],
        lead_score: 0,
        birthday: '2000-02-29',
        created_at: '2024-12-31T23:59:59.000Z',
        bounced: null,
      },
      {
        custom: { plan: 'Free' },
        consent: {
          email: { status: 'opted_out', at: null, source: null },
          sms: { status: 'opted_in', at: null, source: null },
        },
        segments: ['November Import'],
      },
    ),
  ],
];

async function writeWorkbook(pages: ExportContact[][], layout = LAYOUT) {
  const sink = new BufferSink();
  const writer = createXlsxWriter(sink, layout);
  for (const page of pages) await writer.writePage(page);
  const { bytes } = await writer.finish();
  const buffer = sink.bytes();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  return { bytes, buffer, workbook };
}

function sheet(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const ws = workbook.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}`);
  return ws;
}

/** The Contacts cell of a row (1-based, header = 1) by column key. */
function cellOf(ws: ExcelJS.Worksheet, row: number, key: string): ExcelJS.Cell {
  const index = COLUMNS.findIndex((c) => c.key === key);
  if (index < 0) throw new Error(`no column ${key}`);
  return ws.getRow(row).getCell(index + 1);
}

describe('createXlsxWriter', () => {
  it('writes the three sheets, in order, and reports the bytes written', async () => {
    const { bytes, buffer, workbook } = await writeWorkbook(PAGES);
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      'Contacts',
      'Custom Fields',
      'Segments',
    ]);
    expect(bytes).toBe(buffer.byteLength);
    expect(buffer.subarray(0, 2).toString()).toBe('PK');
  });

  it('writes the header bold and filled, frozen, with an auto-filter and column widths', async () => {
    const { workbook } = await writeWorkbook(PAGES);
    const ws = sheet(workbook, 'Contacts');
    const header = ws.getRow(1);
    expect(COLUMNS.map((_, i) => header.getCell(i + 1).value)).toEqual(
      COLUMNS.map((c) => c.header),
    );
    for (let i = 1; i <= COLUMNS.length; i++) {
      const cell = header.getCell(i);
      expect(cell.font?.bold).toBe(true);
      expect(cell.fill).toMatchObject({ type: 'pattern', pattern: 'solid' });
    }
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBe('A1:O4');
    // exceljs leaves out a column whose width is its default (9): read back as no width.
    const widths = ws.columns.map((c) => c.width ?? 9);
    expect(widths).toHaveLength(COLUMNS.length);
    // `id` holds 36-character UUIDs; the sample page sized the column for them.
    expect(widths[0]).toBeGreaterThanOrEqual(36);
    for (const width of widths) expect(width).toBeGreaterThanOrEqual(8);
    expect(ws.rowCount).toBe(4);
  });

  it('types the cells: dates as dates, numbers, booleans, phones and ids as text', async () => {
    const { workbook } = await writeWorkbook(PAGES);
    const ws = sheet(workbook, 'Contacts');
    const id = cellOf(ws, 2, 'id');
    expect(id.type).toBe(ExcelJS.ValueType.String);
    expect(id.value).toBe('00000000-0000-0000-0000-000000000001');
    const phone = cellOf(ws, 2, 'phone');
    expect(phone.type).toBe(ExcelJS.ValueType.String);
    // Text that starts like a formula carries the guard; Roster's import removes it again.
    expect(phone.value).toBe("'+15551234567");
    expect(cellOf(ws, 2, 'email').value).toBe('ann@example.com');
    expect(cellOf(ws, 2, 'tags').value).toBe('vip|nov');
    const score = cellOf(ws, 2, 'lead_score');
    expect(score.type).toBe(ExcelJS.ValueType.Number);
    expect(score.value).toBe(85);
    expect(cellOf(ws, 4, 'lead_score').value).toBe(0);
    expect(cellOf(ws, 3, 'lead_score').type).toBe(ExcelJS.ValueType.Null);

    const birthday = cellOf(ws, 2, 'birthday');
    expect(birthday.type).toBe(ExcelJS.ValueType.Date);
    expect(birthday.value).toEqual(new Date(Date.UTC(1990, 3, 3)));
    expect(birthday.numFmt).toBe('yyyy-mm-dd');
    expect(cellOf(ws, 4, 'birthday').value).toEqual(new Date(Date.UTC(2000, 1, 29)));
    const created = cellOf(ws, 4, 'created_at');
    expect(created.type).toBe(ExcelJS.ValueType.Date);
    expect((created.value as Date).toISOString()).toBe('2024-12-31T23:59:59.000Z');
    expect(created.numFmt).toBe('yyyy-mm-dd hh:mm:ss');

    expect(cellOf(ws, 2, 'bounced').value).toBe(false);
    expect(cellOf(ws, 3, 'bounced').value).toBe(true);
    expect(cellOf(ws, 3, 'bounced').type).toBe(ExcelJS.ValueType.Boolean);
    expect(cellOf(ws, 4, 'bounced').type).toBe(ExcelJS.ValueType.Null);

    expect(cellOf(ws, 2, 'plan').value).toBe('Pro');
    expect(cellOf(ws, 2, 'interests').value).toBe('golf|tennis');
    expect(cellOf(ws, 2, 'segments').value).toBe('Hot Leads|November Import');
    expect(cellOf(ws, 4, 'segments').value).toBe('November Import');
    expect(cellOf(ws, 3, 'segments').type).toBe(ExcelJS.ValueType.Null);
  });

  it('writes consent as TRUE / FALSE / empty', async () => {
    const { workbook } = await writeWorkbook(PAGES);
    const ws = sheet(workbook, 'Contacts');
    const consent = (row: number) => [
      cellOf(ws, row, 'email_opt_in').value,
      cellOf(ws, row, 'sms_opt_in').value,
    ];
    expect(consent(2)).toEqual([true, false]);
    expect(consent(3)).toEqual([null, null]);
    expect(consent(4)).toEqual([false, true]);
    expect(cellOf(ws, 2, 'email_opt_in').type).toBe(ExcelJS.ValueType.Boolean);
  });

  it('stores formula-looking text as guarded string cells, never as formulas', async () => {
    const { workbook, buffer } = await writeWorkbook(PAGES);
    const ws = sheet(workbook, 'Contacts');
    const cases: [number, string, string][] = [
      [3, 'first_name', '=HYPERLINK("http://evil.example","click")'],
      [3, 'phone', '@SUM(A1)'],
      [4, 'first_name', '-2+3'],
      [4, 'tags', '=cmd'],
      [4, 'phone', '+4930123456'],
    ];
    for (const [row, key, raw] of cases) {
      const cell = cellOf(ws, row, key);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.formula).toBeUndefined();
      expect(cell.value).toBe(guardFormula(raw));
      expect(cell.value).toBe(`'${raw}`);
    }
    // And no <f> element anywhere in the package.
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(buffer);
    for (const name of Object.keys(zip.files).filter((n) => n.startsWith('xl/worksheets/'))) {
      const xml = await zip.file(name)?.async('string');
      expect(xml).not.toContain('<f>');
      expect(xml).not.toMatch(/<f[ >]/);
    }
  });

  it('adds list validations to select columns only', async () => {
    const { workbook } = await writeWorkbook(PAGES);
    const ws = sheet(workbook, 'Contacts');
    const validation = (row: number, key: string) =>
      (ws as unknown as WithDataValidations).dataValidations.find(cellOf(ws, row, key).address);
    for (const row of [2, 3, 4]) {
      expect(validation(row, 'plan')).toMatchObject({
        type: 'list',
        allowBlank: true,
        formulae: ['"Free,Pro,Enterprise"'],
      });
      // 40 options do not fit inline: the list points at the Custom Fields sheet.
      expect(validation(row, 'region_code')).toMatchObject({
        type: 'list',
        formulae: ["'Custom Fields'!$H$4:$AU$4"],
      });
    }
    expect(validation(2, 'interests')).toBeUndefined();
    expect(validation(2, 'email')).toBeUndefined();
    expect(validation(5, 'plan')).toBeUndefined();

    const defs = sheet(workbook, 'Custom Fields');
    const options = (defs.getRow(4).values as ExcelJS.CellValue[]).slice(8);
    expect(options).toEqual(LONG_OPTIONS);
  });

  it('writes the Custom Fields and Segments sheets', async () => {
    const { workbook } = await writeWorkbook(PAGES);
    const defs = sheet(workbook, 'Custom Fields');
    const values = (ws: ExcelJS.Worksheet, row: number) =>
      (ws.getRow(row).values as ExcelJS.CellValue[]).slice(1);
    expect(values(defs, 1).slice(0, 8)).toEqual([
      'key',
      'label',
      'type',
      'required',
      'min',
      'max',
      'max_length',
      'options',
    ]);
    expect(defs.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(defs.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(values(defs, 2)).toEqual([
      'plan',
      'Plan',
      'select',
      false,
      undefined,
      undefined,
      undefined,
      'Free',
      'Pro',
      'Enterprise',
    ]);
    expect(values(defs, 5)).toEqual(['score', 'Score', 'number', true, 0, 10]);
    expect(defs.rowCount).toBe(5);

    const segments = sheet(workbook, 'Segments');
    expect(values(segments, 1)).toEqual(['name', 'description', 'filter', 'contacts']);
    expect(values(segments, 2)).toEqual(['Hot Leads', 'Score above 80', 'lead_score > 80', 1]);
    expect(values(segments, 3)).toEqual(['November Import', undefined, undefined, 2]);
  });

  it('writes a valid workbook with only the header when there are no contacts', async () => {
    const { workbook } = await writeWorkbook([]);
    const ws = sheet(workbook, 'Contacts');
    expect(ws.rowCount).toBe(1);
    expect(ws.getRow(1).getCell(2).value).toBe('email');
    expect(ws.autoFilter).toBe('A1:O1');
    expect(workbook.worksheets).toHaveLength(3);
  });

  it("reads back with Roster's own reader, the guard removed by cleaning", async () => {
    const { buffer } = await writeWorkbook(PAGES);
    const table = await openTable(bytesSource('export.xlsx', buffer));
    expect(table.info.format).toBe('xlsx');
    expect(table.info.sheet).toBe('Contacts');
    expect(table.header).toEqual(COLUMNS.map((c) => c.header));
    const records = await collectRecords(table.records);
    expect(records).toHaveLength(3);
    const row = (n: number) =>
      Object.fromEntries(
        COLUMNS.map((c, i) => {
          const cell = records[n]?.cells[i] ?? '';
          return [c.key, typeof cell === 'string' ? cleanText(cell) : cell];
        }),
      );
    expect(row(0)).toMatchObject({
      id: '00000000-0000-0000-0000-000000000001',
      email: 'ann@example.com',
      phone: '+15551234567',
      tags: 'vip|nov',
      lead_score: '85',
      birthday: '1990-04-03',
      plan: 'Pro',
      interests: 'golf|tennis',
      segments: 'Hot Leads|November Import',
    });
    expect(String(row(0).email_opt_in).toLowerCase()).toBe('true');
    expect(String(row(0).sms_opt_in).toLowerCase()).toBe('false');
    expect(row(0).created_at).toMatch(/^2024-11-05[T ]13:45:10/);
    expect(row(1)).toMatchObject({
      first_name: '=HYPERLINK("http://evil.example","click")',
      phone: '@SUM(A1)',
      email_opt_in: '',
    });
    expect(row(2)).toMatchObject({ first_name: '-2+3', phone: '+4930123456', tags: '=cmd' });
  });

  it('keeps heap growth small while writing 200,000 rows', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const sink = new CountingSink();
    const writer = createXlsxWriter(sink, LAYOUT);
    const pageOf = (start: number): ExportContact[] =>
      Array.from({ length: 1000 }, (_, i) =>
        contact(`id-${start + i}`, {
          email: `person${start + i}@example.com`,
          first_name: `Name ${start + i}`,
          phone: `+1555${String(start + i).padStart(7, '0')}`,
          lead_score: i,
          birthday: '1990-01-01',
        }),
      );
    const heap = () => {
      gc?.();
      // Buffers waiting in exceljs' streams live outside the JS heap: count them too.
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    let before = 0;
    for (let page = 0; page < 200; page++) {
      await writer.writePage(pageOf(page * 1000));
      // Measured after a warm-up, so exceljs' one-off set-up is not counted as growth.
      if (page === 20) before = heap();
    }
    const after = heap();
    console.info(
      `xlsx memory check: heap and buffers grew ${((after - before) / 1048576).toFixed(1)} MB`,
    );
    const { bytes } = await writer.finish();
    expect(bytes).toBe(sink.count);
    expect(bytes).toBeGreaterThan(1_000_000);
    if (!gc) {
      // Without --expose-gc the heap figures are noise: only the run itself is checked.
      console.info('xlsx memory check: global.gc unavailable, heap growth not asserted');
      return;
    }
    // 180,000 rows of ~150 bytes each would be ~27 MB if they were held; allow a few MB.
    expect(after - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('round-trips control characters, CR and literal `_xHHHH_` text through exceljs', async () => {
    const nasty = 'bell\u0007 vt\u000b ff\u000c nul\u0000 cr\r\nlf tab\t end\u001f';
    const literal = 'keep _x0041_ and _x005F_x000B_ as typed';
    const layout: ExportLayout = {
      ...LAYOUT,
      columns: [col('field', 'id', 'text'), col('field', 'notes', 'text')],
    };
    const pages = [
      [
        contact('r1', { notes: nasty }),
        contact('r2', { notes: literal }),
        contact('r3', { notes: '  padded & <tagged> "quoted"  ' }),
        contact('r4', { notes: '\uffff\ufffe' }),
      ],
    ];
    const { workbook, buffer } = await writeWorkbook(pages, layout);
    const ws = sheet(workbook, 'Contacts');
    const notes = (row: number) => ws.getRow(row).getCell(2);
    // exceljs decodes Excel's `_xHHHH_` escapes only in rich-text runs, so escaped values are
    // written as one plain run: exceljs reads them as rich text whose text is the value.
    expect(notes(2).type).toBe(ExcelJS.ValueType.RichText);
    expect(notes(2).value).toEqual({ richText: [{ text: nasty }] });
    expect(notes(2).text).toBe(nasty);
    expect(notes(3).text).toBe(literal);
    expect(notes(5).text).toBe('\uffff\ufffe');
    // Everything else stays a plain string cell.
    expect(notes(4).type).toBe(ExcelJS.ValueType.String);
    expect(notes(4).value).toBe('  padded & <tagged> "quoted"  ');

    // The raw XML carries no character XML 1.0 forbids, and CR only as Excel's escape.
    const JSZip = (await import('jszip')).default;
    const xml = (await (
      await JSZip.loadAsync(buffer)
    )
      .file('xl/worksheets/sheet1.xml')
      ?.async('string')) as string;
    // eslint-disable-next-line no-control-regex -- looking for the forbidden characters
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\r\ufffe\uffff]/);
    expect(xml).toContain('bell_x0007_ vt_x000B_');
    expect(xml).toContain('_x005F_x0041_');

    // Roster's own reader decodes the same escapes.
    const table = await openTable(bytesSource('export.xlsx', buffer));
    const records = await collectRecords(table.records);
    expect(records.map((r) => r.cells[1])).toEqual([
      nasty,
      literal,
      '  padded & <tagged> "quoted"  ',
      '\uffff\ufffe',
    ]);
  });

  it('keeps a cell over Excel’s 32,767-character limit whole', async () => {
    // Excel itself cuts such a cell (after offering to repair the file); exceljs and Roster's
    // reader take it as written, so an export → import round trip loses nothing.
    const long = 'x'.repeat(40_000) + '<&>';
    const layout: ExportLayout = {
      ...LAYOUT,
      columns: [col('field', 'id', 'text'), col('field', 'notes', 'text')],
    };
    const { workbook, buffer } = await writeWorkbook([[contact('r1', { notes: long })]], layout);
    expect(sheet(workbook, 'Contacts').getRow(2).getCell(2).value).toBe(long);
    const table = await openTable(bytesSource('export.xlsx', buffer));
    const records = await collectRecords(table.records);
    expect(records[0]?.cells[1]).toBe(long);
    // The sample page sized the column, within the cap.
    expect(sheet(workbook, 'Contacts').getColumn(2).width).toBe(60);
  });

  it('writes dates Excel cannot show as dates, and non-finite numbers, as text', async () => {
    const { workbook } = await writeWorkbook([
      [
        contact('r1', { birthday: '1899-12-31', created_at: '1900-01-15T00:00:00.000Z' }),
        contact('r2', { birthday: '2023-02-30', lead_score: Number.NaN }),
        contact('r3', { birthday: '1900-03-01', created_at: '1900-03-01T12:00:00.000Z' }),
      ],
    ]);
    const ws = sheet(workbook, 'Contacts');
    expect(cellOf(ws, 2, 'birthday').value).toBe('1899-12-31');
    expect(cellOf(ws, 2, 'created_at').value).toBe('1900-01-15T00:00:00.000Z');
    expect(cellOf(ws, 3, 'birthday').value).toBe('2023-02-30');
    expect(cellOf(ws, 3, 'lead_score').value).toBe('NaN');
    // 1900-03-01 is the first day whose serial Excel and everyone else agree on.
    expect(cellOf(ws, 4, 'birthday').value).toEqual(new Date(Date.UTC(1900, 2, 1)));
    expect(cellOf(ws, 4, 'created_at').value).toEqual(new Date(Date.UTC(1900, 2, 1, 12)));
  });

  it('writes SpreadsheetML parts by hand: inline strings, no shared strings, a filter name', async () => {
    const { buffer } = await writeWorkbook(PAGES);
    const JSZip = (await import('jszip')).default;
    const zip = await JSZip.loadAsync(buffer);
    const names = Object.keys(zip.files);
    expect(names).toEqual(
      expect.arrayContaining([
        '[Content_Types].xml',
        '_rels/.rels',
        'xl/workbook.xml',
        'xl/_rels/workbook.xml.rels',
        'xl/styles.xml',
        'xl/worksheets/sheet1.xml',
        'xl/worksheets/sheet2.xml',
        'xl/worksheets/sheet3.xml',
      ]),
    );
    expect(names.some((n) => n.includes('sharedStrings'))).toBe(false);
    const sheet1 = (await zip.file('xl/worksheets/sheet1.xml')?.async('string')) ?? '';
    expect(sheet1).toContain('<c r="B2" t="inlineStr"><is><t>ann@example.com</t></is></c>');
    expect(sheet1).toContain('<pane ySplit="1" topLeftCell="A2"');
    expect(sheet1).not.toContain('t="s"');
    const workbookXml = (await zip.file('xl/workbook.xml')?.async('string')) ?? '';
    expect(workbookXml).toContain(
      `<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'Contacts'!$A$1:$O$4</definedName>`,
    );
  });

  it('escapes markup in headers, options and validation messages', async () => {
    const options = ['A&B', '<C>', "D'E"];
    const layout: ExportLayout = {
      columns: [col('custom', 'tier', 'text', { header: 'custom_tier <&>', options })],
      customFields: [{ key: 'tier', label: 'Tier & "level"', type: 'select', options }],
      segments: [{ name: 'R&D <core>', description: null, filter: null, contacts: 1 }],
    };
    const page = [contact('r1', {}, { custom: { tier: 'A&B' } })];
    const { workbook } = await writeWorkbook([page], layout);
    const ws = sheet(workbook, 'Contacts');
    expect(ws.getRow(1).getCell(1).value).toBe('custom_tier <&>');
    expect(ws.getRow(2).getCell(1).value).toBe('A&B');
    expect((ws as unknown as WithDataValidations).dataValidations.find('A2')).toMatchObject({
      type: 'list',
      formulae: [`"A&B,<C>,D'E"`],
    });
    expect(sheet(workbook, 'Custom Fields').getRow(2).getCell(2).value).toBe('Tier & "level"');
    expect(sheet(workbook, 'Segments').getRow(2).getCell(1).value).toBe('R&D <core>');
  });

  it('waits for a sink that stops draining instead of piling pages up', async () => {
    // A sink that takes bytes but says "wait" and drains only when told.
    let received = 0;
    let drain: (() => void) | null = null;
    const sink: ByteSink = {
      write(chunk) {
        received += chunk.length;
        return false;
      },
      once(_event, listener) {
        drain = listener;
        return sink;
      },
      end(callback) {
        callback?.();
        return sink;
      },
    };
    const writer = createXlsxWriter(sink, LAYOUT);
    const pageOf = (start: number): ExportContact[] =>
      Array.from({ length: 500 }, (_, i) =>
        contact(`id-${start + i}-${Math.random()}`, { email: `p${start + i}@example.com` }),
      );
    const settles = (promise: Promise<void>) =>
      Promise.race([
        promise.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
      ]);
    let accepted = 0;
    let pending: Promise<void> | null = null;
    for (let page = 0; page < 50; page++) {
      const write = writer.writePage(pageOf(page * 500));
      if (!(await settles(write))) {
        pending = write;
        break;
      }
      accepted += 1;
    }
    // The writer stopped taking pages after a few, though the sink had taken only some bytes.
    expect(pending).not.toBeNull();
    expect(accepted).toBeLessThan(20);
    const stalledAt = received;
    // Release the sink for good: the page in flight and the rest complete.
    const release = () => {
      const listener = drain;
      drain = null;
      listener?.();
    };
    const pump = setInterval(release, 1);
    try {
      await pending;
      await writer.writePage(pageOf(1_000_000));
      const { bytes } = await writer.finish();
      expect(bytes).toBe(received);
      expect(received).toBeGreaterThan(stalledAt);
    } finally {
      clearInterval(pump);
    }
  });
});
