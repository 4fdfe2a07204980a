import * as XLSX from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../model/byte-source.ts';
import type { RawRecord } from '../model/record.ts';
import { source, writeXls } from '../../../test/fixtures/sheets/build.ts';
import type { ReadOptions, TableInfo } from './types.ts';
import { MAX_XLS_BYTES, xlsReader } from './xls.ts';
import { expectCode, readWith } from './reader-test-support.ts';
const read = (src: ByteSource, options: ReadOptions = {}) => readWith(xlsReader, src, options);

const cells = (rows: RawRecord[]) => rows.map((r) => r.cells);

interface CfbUtils {
  utils: {
    cfb_new(): unknown;
    cfb_add(cfb: unknown, name: string, content: Uint8Array): void;
  };
  write(cfb: unknown, opts: { type: 'buffer' }): Buffer;
}

/** An OLE2 container with the given streams (Word files, encrypted workbooks). */
function ole2(streams: Record<string, string>): Buffer {
  const CFB = XLSX.CFB as CfbUtils;
  const cfb = CFB.utils.cfb_new();
  for (const [name, content] of Object.entries(streams))
    CFB.utils.cfb_add(cfb, `/${name}`, Buffer.from(content));
  return CFB.write(cfb, { type: 'buffer' });
}

describe('xlsReader', () => {
  it('reads text, numbers, dates and booleans with the XLSX conventions', async () => {
    const bytes = writeXls({
      Contacts: [
        ['email', 'phone', 'score', 'joined', 'seen', 'code', 'vip', 'zip'],
        [
          'a@b.co',
          447700900123,
          0.1 + 0.2,
          { t: 'n', v: 45945, z: 'yyyy-mm-dd' },
          { t: 'n', v: 45945.604166666664, z: 'dd/mm/yyyy hh:mm' },
          '007',
          true,
          { t: 'n', v: 2134, z: '00000' },
        ],
        ['c@d.co', 123456789012345, 1e21, { t: 'n', v: 45946, z: 'm/d/yy' }, '', 'x', false],
      ],
    });
    const { info, rows } = await read(source('contacts.xls', bytes));
    expect(info).toMatchObject({ format: 'xls', sheet: 'Contacts', sheets: ['Contacts'] });
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['email', 'phone', 'score', 'joined', 'seen', 'code', 'vip', 'zip'] },
      {
        rowNumber: 2,
        cells: [
          'a@b.co',
          '447700900123',
          '0.3',
          '2025-10-15',
          '2025-10-15T14:30:00',
          '007',
          'TRUE',
          '02134',
        ],
      },
      {
        rowNumber: 3,
        cells: [
          'c@d.co',
          '123456789012345',
          '1000000000000000000000',
          '2025-10-16',
          '',
          'x',
          'FALSE',
          '',
        ],
      },
    ]);
  });

  it('keeps true row numbers across empty rows and respects the 1904 date system', async () => {
    const bytes = writeXls(
      {
        S: [
          ['Exported 2025-11-20'],
          [],
          ['email', 'joined'],
          ['a@b.co', { t: 'n', v: 44483, z: 'yyyy-mm-dd' }],
        ],
      },
      { date1904: true },
    );
    const { rows } = await read(source('mac.xls', bytes));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['Exported 2025-11-20'] },
      { rowNumber: 3, cells: ['email', 'joined'] },
      { rowNumber: 4, cells: ['a@b.co', '2025-10-15'] },
    ]);
  });

  it('reports error cells and reads them as empty', async () => {
    const bytes = writeXls({
      S: [
        ['email', 'score'],
        ['a@b.co', { t: 'e', v: 0x2a }],
      ],
    });
    const { rows, issues } = await read(source('e.xls', bytes));
    expect(cells(rows)).toEqual([
      ['email', 'score'],
      ['a@b.co', ''],
    ]);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'cell_error', row: 2, columnIndex: 2, value: '#N/A' }),
    ]);
  });

  it('chooses sheets like the XLSX reader', async () => {
    const bytes = writeXls({
      Cover: [],
      Leads: [['email'], ['a@b.co']],
      Customers: [['customer']],
    });
    const first = await read(source('b.xls', bytes));
    expect(first.info.sheets).toEqual(['Cover', 'Leads', 'Customers']);
    expect(first.info.sheet).toBe('Leads');
    expect(cells((await read(source('b.xls', bytes), { sheet: 'customers' })).rows)).toEqual([
      ['customer'],
    ]);
    const err = await expectCode(
      read(source('b.xls', bytes), { sheet: 'Nope' }),
      'SHEET_NOT_FOUND',
    );
    expect(err.message).toContain('"Customers"');
  });

  it('yields batches of the requested size', async () => {
    const bytes = writeXls({ S: Array.from({ length: 23 }, (_, i) => [`row ${i + 1}`]) });
    const src = source('b.xls', bytes);
    const info = await xlsReader.sniff(src, {});
    const sizes: number[] = [];
    for await (const batch of xlsReader.rows(src, info as TableInfo, { batchSize: 10 }))
      sizes.push(batch.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('never parses text as a spreadsheet', async () => {
    await expectCode(
      read(source('renamed.xls', Buffer.from('email,name\na@b.co,A\n'))),
      'XLS_CORRUPT',
    );
    await expectCode(
      read(source('page.xls', Buffer.from('<table><tr><td>a@b.co</td></tr></table>'))),
      'XLS_CORRUPT',
    );
  });

  it('tells damaged files from other OLE2 documents', async () => {
    const garbage = Buffer.concat([
      Buffer.from('d0cf11e0a1b11ae1', 'hex'),
      Buffer.alloc(2000, 0x41),
    ]);
    await expectCode(read(source('garbage.xls', garbage)), 'XLS_CORRUPT');
    const good = writeXls({ S: [['email'], ['a@b.co']] });
    await expectCode(read(source('cut.xls', good.subarray(0, 1500))), 'XLS_CORRUPT');
    expect(
      (
        await expectCode(
          read(source('letter.xls', ole2({ WordDocument: 'x' }))),
          'FORMAT_UNSUPPORTED',
        )
      ).message,
    ).toMatch(/Word document/);
    const encrypted = ole2({ EncryptionInfo: 'x', EncryptedPackage: 'y' });
    expect(
      (await expectCode(read(source('locked.xlsx', encrypted)), 'FORMAT_UNSUPPORTED')).message,
    ).toMatch(/password-protected/);
    await expectCode(read(source('other.xls', ole2({ Something: 'x' }))), 'XLS_CORRUPT');
  });

  it('refuses files over the size cap before reading them', async () => {
    let read = false;
    const huge: ByteSource = {
      name: 'huge.xls',
      size: MAX_XLS_BYTES + 1,
      async *stream() {
        read = true;
        yield new Uint8Array(0);
      },
    };
    await expectCode(xlsReader.sniff(huge, {}), 'FILE_TOO_LARGE');
    expect(read).toBe(false);
  });
});
