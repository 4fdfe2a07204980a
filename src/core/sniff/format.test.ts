import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import { rawZip, writeXls, writeXlsx } from '../../../test/fixtures/sheets/build.ts';
import { FORMAT_HEAD_SIZE, detectFormat, zipEntryNames } from './format.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const head = (bytes: Uint8Array): Uint8Array => bytes.subarray(0, FORMAT_HEAD_SIZE);

function refusal(bytes: Uint8Array, name = 'upload'): string {
  try {
    detectFormat(bytes, name);
  } catch (err) {
    if (isRosterError(err, 'FORMAT_UNSUPPORTED')) return err.message;
    throw err;
  }
  throw new Error('expected FORMAT_UNSUPPORTED');
}

describe('detectFormat: spreadsheets', () => {
  it('recognises XLSX by its parts, whatever the file is called', async () => {
    const example = readFileSync(new URL('../../../examples/leads.xlsx', import.meta.url));
    expect(detectFormat(head(example), 'leads.xlsx')).toBe('xlsx');
    const written = await writeXlsx((wb) => wb.addWorksheet('S').addRow(['email']));
    expect(detectFormat(head(written), 'download.bin')).toBe('xlsx');
  });

  it('finds the part names in streamed archives (sizes after the data)', async () => {
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('xl/workbook.xml', '<workbook/>');
    const streamed = await zip.generateAsync({
      type: 'uint8array',
      streamFiles: true,
      compression: 'DEFLATE',
    });
    expect(zipEntryNames(streamed)).toContain('xl/workbook.xml');
    expect(detectFormat(streamed, 'x')).toBe('xlsx');
  });

  it('lets the XLSX reader decide when the workbook parts lie beyond the head', () => {
    const big = rawZip([
      { path: '[Content_Types].xml', data: '<Types/>' },
      {
        path: 'docProps/thumbnail.jpeg',
        data: new Uint8Array(100_000).map((_, i) => (i * 7919) % 251),
        store: true,
      },
      { path: 'xl/workbook.xml', data: '<workbook/>' },
    ]);
    expect(detectFormat(head(big), 'export')).toBe('xlsx');
  });

  it('refuses other ZIP-based files by name', async () => {
    const zipWith = (paths: string[]) => rawZip(paths.map((path) => ({ path, data: 'x' })));
    expect(refusal(zipWith(['[Content_Types].xml', 'word/document.xml']), 'a.xlsx')).toMatch(
      /Word document/,
    );
    expect(refusal(zipWith(['[Content_Types].xml', 'ppt/presentation.xml']))).toMatch(/PowerPoint/);
    expect(refusal(zipWith(['[Content_Types].xml', 'xl/workbook.bin', 'xl/styles.bin']))).toMatch(
      /xlsb/,
    );
    const ods = rawZip([
      { path: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', store: true },
      { path: 'content.xml', data: '<office:document-content/>' },
    ]);
    expect(refusal(ods, 'sheet.ods')).toMatch(/OpenDocument spreadsheet/);
    expect(refusal(zipWith(['contacts.csv', 'readme.txt']), 'contacts.zip')).toMatch(
      /ZIP archive \(contacts\.csv/,
    );
    // a plain archive called .xlsx goes to the XLSX reader, which names its content
    expect(detectFormat(zipWith(['contacts.csv']), 'contacts.xlsx')).toBe('xlsx');
  });

  it('recognises legacy XLS (OLE2) files', () => {
    const xls = writeXls({ Sheet1: [['email'], ['a@b.co']] });
    expect(detectFormat(head(xls), 'contacts.xls')).toBe('xls');
    expect(detectFormat(head(xls), 'contacts.csv')).toBe('xls');
  });
});

describe('detectFormat: JSON', () => {
  it('sees an array as JSON, whatever the extension', () => {
    expect(
      detectFormat(
        readFileSync(new URL('../../../examples/contacts.json', import.meta.url)),
        'c.json',
      ),
    ).toBe('json');
    expect(detectFormat(text('  \n[{"email":"a@b.co"}]'), 'c.txt')).toBe('json');
    expect(detectFormat(text('[]'), 'c')).toBe('json');
    expect(detectFormat(text('\uFEFF[\n  {"email": "a@b.co"}\n]'), 'c.json')).toBe('json');
  });

  it('reads UTF-16 heads, with and without a byte-order mark', () => {
    const json = '[{"email":"a@b.co"}]';
    const le = Buffer.from(json, 'utf16le');
    const be = Buffer.from(le).swap16();
    expect(detectFormat(Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'c')).toBe('json');
    expect(detectFormat(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'c')).toBe('json');
    expect(detectFormat(le, 'c')).toBe('json');
    expect(detectFormat(be, 'c')).toBe('json');
    expect(detectFormat(Buffer.from('email\tname\r\na@b.co\tA\r\n', 'utf16le'), 'c.txt')).toBe(
      'csv',
    );
  });

  it('tells NDJSON from a JSON object', () => {
    expect(detectFormat(text('{"email":"a@b.co"}\n{"email":"c@d.co"}\n'), 'c.json')).toBe('ndjson');
    expect(detectFormat(text('{"email":"a@b.co"}\r\n{"email":"c@d.co"}'), 'c')).toBe('ndjson');
    // the first object cut by the end of the head: the second line decides
    expect(
      detectFormat(text('{"notes":"...long..."}\n  {"email":"c@d.co", "notes": "cut'), 'c'),
    ).toBe('ndjson');
    expect(
      detectFormat(text('{\n  "contacts": [\n    {"email": "a@b.co"}\n  ]\n}\n'), 'c.json'),
    ).toBe('json');
    expect(detectFormat(text('{"contacts": [{"email": "a@b.co"}]}'), 'c.json')).toBe('json');
    expect(detectFormat(text('{"email": "a@b.co"}'), 'c.ndjson')).toBe('ndjson');
    expect(detectFormat(text('{"email": "a@b.co"'), 'c.jsonl')).toBe('ndjson');
  });
});

describe('detectFormat: CSV and refusals', () => {
  it('falls back to CSV for text, whatever the extension says', () => {
    expect(detectFormat(text('email,name\na@b.co,A\n'), 'contacts.json')).toBe('csv');
    expect(detectFormat(text('email;name\n'), 'contacts.xlsx')).toBe('csv');
    expect(detectFormat(text('[Name],[Email]\nA,a@b.co\n'), 'contacts.csv')).toBe('csv');
    expect(detectFormat(text(''), 'empty.csv')).toBe('csv');
    expect(detectFormat(text('BMW,Munich\nMZ Ltd,Leeds\n'), 'brands.csv')).toBe('csv');
    expect(detectFormat(Buffer.from('name\nMüller\n', 'latin1'), 'x.csv')).toBe('csv');
  });

  it('names the common files that are no table', () => {
    expect(refusal(text('%PDF-1.7\n%âãÏÓ\n1 0 obj'), 'contacts.csv')).toMatch(/PDF/);
    expect(refusal(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'scan.xlsx')).toMatch(
      /PNG/,
    );
    expect(refusal(Buffer.from('ffd8ffe000104a464946', 'hex'))).toMatch(/JPEG/);
    expect(refusal(text('GIF89a\x01\x00'))).toMatch(/GIF/);
    expect(refusal(gzipSync(Buffer.from('email\na@b.co\n')), 'contacts.csv.gz')).toMatch(
      /gzip.*decompress/,
    );
    expect(refusal(text('{\\rtf1\\ansi'))).toMatch(/RTF/);
    expect(refusal(text('SQLite format 3\0\x10\x00'))).toMatch(/SQLite/);
  });

  it('refuses binary data and markup that poses as a spreadsheet', () => {
    const noise = new Uint8Array(4096).map(
      (_, i) => ((i * 2654435761) % 256) & (i % 3 === 0 ? 0 : 0xff),
    );
    expect(refusal(noise)).toMatch(/binary data/);
    expect(refusal(text('<html><body><table><tr><td>a</td></tr></table>'), 'report.xls')).toMatch(
      /HTML/,
    );
    expect(refusal(text('<!DOCTYPE html>\n<html>'), 'report.xls')).toMatch(/HTML/);
    expect(
      refusal(
        text(
          '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
        ),
        'old.xml',
      ),
    ).toMatch(/Excel 2003 XML/);
    expect(refusal(text('<?xml version="1.0"?><contacts/>'))).toMatch(/XML document/);
  });
});
