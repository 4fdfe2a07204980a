import { Readable, Writable } from 'node:stream';
import JSZip from 'jszip';
import { Parse, type Entry } from 'unzipper';
import { describe, expect, it } from 'vitest';
import { createXlsxZip } from './xlsx-zip.ts';

/** A sink that takes a while per chunk and asks for drains often, collecting what it gets. */
function slowSink(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

/** Text that deflates poorly enough to span many compressor chunks. */
function noisyText(length: number, seed: number): string {
  let x = seed;
  let out = '';
  while (out.length < length) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += `<c r="A${x}"><v>${x.toString(36)}</v></c>Zoë 東京 🙂 `;
  }
  return out;
}

async function writeArchive(zip64From?: number): Promise<{ buffer: Buffer; bytes: number }> {
  const { sink, bytes } = slowSink();
  const zip = createXlsxZip(sink, 3, zip64From === undefined ? {} : { zip64From });
  zip.addPart('[Content_Types].xml', '<Types/>');
  zip.addPart('empty.xml', '');
  const sheet = zip.streamPart('xl/worksheets/sheet1.xml');
  await sheet.write('<sheetData>');
  for (let i = 0; i < 6; i++) await sheet.write(Buffer.from(noisyText(200_000, i)));
  await sheet.write('');
  await sheet.write('</sheetData>');
  await sheet.end();
  zip.addPart('xl/workbook.xml', '<workbook/>');
  const { bytes: count } = await zip.finish();
  return { buffer: bytes(), bytes: count };
}

const SHEET = `<sheetData>${Array.from({ length: 6 }, (_, i) => noisyText(200_000, i)).join('')}</sheetData>`;
const EXPECTED = {
  '[Content_Types].xml': '<Types/>',
  'empty.xml': '',
  'xl/worksheets/sheet1.xml': SHEET,
  'xl/workbook.xml': '<workbook/>',
};

async function readWithJsZip(buffer: Buffer): Promise<Record<string, string>> {
  const zip = await JSZip.loadAsync(buffer, { checkCRC32: true });
  const out: Record<string, string> = {};
  for (const name of Object.keys(zip.files)) out[name] = await zip.file(name)!.async('string');
  return out;
}

/** As Roster's importer reads a workbook: streaming, local headers and data descriptors. */
async function readStreaming(buffer: Buffer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = Readable.from([buffer]).pipe(Parse({ forceStream: true }));
  for await (const entry of entries as AsyncIterable<Entry>) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    out[entry.path] = Buffer.concat(chunks).toString('utf8');
  }
  return out;
}

describe('XLSX zip container', () => {
  it('writes parts in order, whole and streamed, with their CRCs, honouring a slow sink', async () => {
    const { buffer, bytes } = await writeArchive();
    expect(bytes).toBe(buffer.length);
    expect(Object.keys(await readWithJsZip(buffer))).toEqual(Object.keys(EXPECTED));
    expect(await readWithJsZip(buffer)).toEqual(EXPECTED);
    expect(await readStreaming(buffer)).toEqual(EXPECTED);
  });

  it('writes ZIP64 records once sizes or offsets need them', async () => {
    // The limit lowered so that a small archive takes the path of one above 4 GB.
    const { buffer } = await writeArchive(1000);
    expect(buffer.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    // Read through the central directory. A streaming reader would need a ZIP64 extra field in
    // the local header too, which (as with yazl before) a streamed part cannot know it needs;
    // Excel's sheets end at 1,048,576 rows, well below 4 GB of XML.
    expect(await readWithJsZip(buffer)).toEqual(EXPECTED);
  });
});
