import { TextDecoder } from 'node:util';
import { RosterError } from '../errors.ts';
import type { InputFormat } from '../read/types.ts';

/**
 * Which reader a file needs, from its first bytes: the content decides, the file name only breaks
 * ties (people rename CSV files to .xls, and export tools call HTML tables "Excel files").
 *
 * Order: known binary signatures (ZIP → xlsx when it holds a workbook, OLE2 → xls, and the
 * non-tabular ones refused by name), then text: `[` → json, `{` → ndjson or json, anything else
 * csv.
 */

/** How many bytes of the head detectFormat wants; more is fine, less makes ZIP checks weaker. */
export const FORMAT_HEAD_SIZE = 64 * 1024;

interface Signature {
  bytes: readonly number[];
  offset?: number;
  what: string;
  hint?: string;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/**
 * Non-tabular files people upload by mistake, by magic number. Signatures made of letters carry
 * a non-text byte too, so that no CSV whose first cell happens to start the same way is refused.
 */
const REFUSED: readonly Signature[] = [
  {
    bytes: ascii('%PDF-'),
    what: 'a PDF document',
    hint: 'export the table as CSV or Excel from the program that made it',
  },
  { bytes: [0x89, ...ascii('PNG\r\n')], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: ascii('GIF87a'), what: 'a GIF image' },
  { bytes: ascii('GIF89a'), what: 'a GIF image' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], what: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], what: 'a TIFF image' },
  { bytes: [0x1f, 0x8b, 0x08], what: 'a gzip-compressed file', hint: 'decompress it first' },
  {
    bytes: [0xfd, ...ascii('7zXZ'), 0x00],
    what: 'an xz-compressed file',
    hint: 'decompress it first',
  },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file', hint: 'decompress it first' },
  {
    bytes: [...ascii('7z'), 0xbc, 0xaf, 0x27, 0x1c],
    what: 'a 7-Zip archive',
    hint: 'extract it first',
  },
  { bytes: [...ascii('Rar!'), 0x1a, 0x07], what: 'a RAR archive', hint: 'extract it first' },
  {
    bytes: [...ascii('ustar'), 0x00],
    offset: 257,
    what: 'a tar archive',
    hint: 'extract it first',
  },
  {
    bytes: [...ascii('ustar  '), 0x00],
    offset: 257,
    what: 'a tar archive',
    hint: 'extract it first',
  },
  {
    bytes: [...ascii('SQLite format 3'), 0x00],
    what: 'an SQLite database',
    hint: 'export the table as CSV',
  },
  { bytes: [0x7f, ...ascii('ELF')], what: 'a program (ELF executable)' },
  { bytes: [0xcf, 0xfa, 0xed, 0xfe], what: 'a program (Mach-O executable)' },
  {
    bytes: ascii('{\\rtf1'),
    what: 'an RTF document',
    hint: 'save the table as CSV or Excel instead',
  },
  { bytes: [...ascii('OggS'), 0x00], what: 'an Ogg media file' },
  { bytes: ascii('ftyp'), offset: 4, what: 'a video or image (MP4/MOV/HEIC)' },
];

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** BOF records of Excel 2.x-4.x worksheets, stored bare (not in an OLE2 container). */
const BIFF_BARE = [
  [0x09, 0x00, 0x04, 0x00],
  [0x09, 0x02, 0x06, 0x00],
  [0x09, 0x04, 0x06, 0x00],
];

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.byteLength < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false;
  return true;
}

function extension(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

function refuse(what: string, hint?: string): never {
  throw new RosterError(
    'FORMAT_UNSUPPORTED',
    `This file is ${what}, not a contact table${hint ? `; ${hint}` : ''}. Roster reads CSV/TSV, Excel (.xlsx, .xls) and JSON/NDJSON files`,
    { detected: what },
  );
}

/**
 * The format of a file from its head (FORMAT_HEAD_SIZE bytes recommended) and name.
 * Throws FORMAT_UNSUPPORTED, naming what the file looks like, for files that are no table.
 *
 * @example
 * detectFormat(head, 'leads.xlsx'); // 'xlsx' when head starts with PK\x03\x04 and holds xl/ parts
 * detectFormat(new TextEncoder().encode('[{"email":"a@b.co"}]'), 'x.txt'); // 'json'
 * detectFormat(new TextEncoder().encode('email,name\n'), 'x.json'); // 'csv'
 */
export function detectFormat(head: Uint8Array, fileName: string): InputFormat {
  const ext = extension(fileName);
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return zipFormat(head, ext);
  }
  if (startsWith(head, OLE2)) return 'xls'; // the XLS reader tells Word files and encrypted workbooks apart
  if (BIFF_BARE.some((bof) => startsWith(head, bof))) return 'xls';
  for (const sig of REFUSED)
    if (startsWith(head, sig.bytes, sig.offset)) refuse(sig.what, sig.hint);
  return textFormat(head, ext);
}

/** Local file header names in the head of a ZIP archive (the central directory is at the end). */
export function zipEntryNames(head: Uint8Array): string[] {
  const names: string[] = [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const decoder = new TextDecoder('utf-8');
  for (let at = 0; at + 30 <= head.byteLength;) {
    if (view.getUint32(at, true) !== 0x04034b50) {
      // Sizes can be missing from local headers (streamed archives): look for the next header.
      at = indexOfSignature(head, at + 1);
      if (at < 0) break;
      continue;
    }
    const flags = view.getUint16(at + 6, true);
    const compressedSize = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    if (at + 30 + nameLength > head.byteLength) break;
    names.push(decoder.decode(head.subarray(at + 30, at + 30 + nameLength)));
    const next = at + 30 + nameLength + extraLength + (flags & 0x08 ? 0 : compressedSize);
    at = next > at ? next : at + 1;
  }
  return names;
}

function indexOfSignature(head: Uint8Array, from: number): number {
  for (let i = from; i + 4 <= head.byteLength; i++) {
    if (head[i] === 0x50 && head[i + 1] === 0x4b && head[i + 2] === 0x03 && head[i + 3] === 0x04)
      return i;
  }
  return -1;
}

/** Files that are ZIP archives inside, by the names of their parts. */
const ZIP_KINDS: ReadonlyArray<{ test: RegExp; what: string; hint?: string }> = [
  {
    test: /^xl\/workbook\.bin$/i,
    what: 'an Excel Binary Workbook (.xlsb)',
    hint: 'save it as .xlsx or CSV',
  },
  { test: /^word\//i, what: 'a Word document (.docx)' },
  { test: /^ppt\//i, what: 'a PowerPoint presentation (.pptx)' },
  {
    test: /^Index\/Document\.iwa$/,
    what: 'an Apple Numbers file',
    hint: 'export it as Excel or CSV',
  },
  { test: /^META-INF\/MANIFEST\.MF$/, what: 'a Java archive' },
  { test: /^AndroidManifest\.xml$/, what: 'an Android package' },
];

const WORKBOOK_EXTENSIONS = new Set(['xlsx', 'xlsm', 'xltx', 'xltm']);

function zipFormat(head: Uint8Array, ext: string): InputFormat {
  const names = zipEntryNames(head);
  for (const kind of ZIP_KINDS)
    if (names.some((n) => kind.test.test(n))) refuse(kind.what, kind.hint);
  if (names.some((n) => /^xl\//i.test(n))) return 'xlsx';
  const mimetype = openDocumentType(head, names);
  if (mimetype !== null) {
    const sheet = mimetype.includes('spreadsheet');
    refuse(
      sheet ? 'an OpenDocument spreadsheet (.ods)' : 'an OpenDocument file',
      sheet ? 'save it as .xlsx or CSV' : undefined,
    );
  }
  // An Office package whose xl/ parts lie beyond the head: the XLSX reader finds out for sure,
  // and says what the archive holds when it is no workbook.
  if (names.length === 0 || names.includes('[Content_Types].xml') || WORKBOOK_EXTENSIONS.has(ext)) {
    return 'xlsx';
  }
  return refuse(
    `a ZIP archive (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
    'extract the spreadsheet from it first',
  );
}

/** The `mimetype` entry OpenDocument files start with, stored uncompressed. */
function openDocumentType(head: Uint8Array, names: string[]): string | null {
  if (names[0] !== 'mimetype') return null;
  const text = new TextDecoder('latin1').decode(head.subarray(30, Math.min(head.byteLength, 200)));
  const m = /application\/vnd\.oasis\.opendocument\.[a-z.-]+/.exec(text);
  return m ? m[0] : 'application/vnd.oasis.opendocument';
}

/** Text encodings a JSON or CSV head can be in, from its byte-order mark or NUL pattern. */
function decodeHead(head: Uint8Array): string {
  if (startsWith(head, [0xef, 0xbb, 0xbf]))
    return new TextDecoder('utf-8').decode(head.subarray(3));
  if (startsWith(head, [0xff, 0xfe, 0x00, 0x00]) || startsWith(head, [0x00, 0x00, 0xfe, 0xff])) {
    return ''; // UTF-32: the CSV reader names it
  }
  if (startsWith(head, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(head.subarray(2));
  if (startsWith(head, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(head.subarray(2));
  const sample = head.subarray(0, 4096);
  let nulEven = 0;
  let nulOdd = 0;
  let control = 0;
  for (let i = 0; i < sample.byteLength; i++) {
    const b = sample[i]!;
    if (b === 0) {
      if (i % 2 === 0) nulEven++;
      else nulOdd++;
    } else if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) {
      control++;
    }
  }
  const pairs = Math.floor(sample.byteLength / 2);
  // UTF-16 text of Latin script has a NUL in (almost) every other byte and none in the others.
  if (pairs > 0 && nulOdd > pairs * 0.4 && nulEven <= pairs * 0.05) {
    return new TextDecoder('utf-16le').decode(head);
  }
  if (pairs > 0 && nulEven > pairs * 0.4 && nulOdd <= pairs * 0.05) {
    return new TextDecoder('utf-16be').decode(head);
  }
  const nul = nulEven + nulOdd;
  if (sample.byteLength > 0 && (nul + control) / sample.byteLength > 0.1) {
    refuse('binary data (not text)', 'is it the file you meant to upload?');
  }
  return new TextDecoder('utf-8').decode(head);
}

const JSON_VALUE_START = /^[[{"\-\d]|^(?:true|false|null)\b|^\]/;

function textFormat(head: Uint8Array, ext: string): InputFormat {
  const text = decodeHead(head).replace(/^\uFEFF/, '');
  const start = text.search(/\S/);
  if (start < 0) return 'csv';
  const body = text.slice(start);
  markup(body);
  if (body[0] === '[') {
    // "[Name],[Email]" is a CSV header; JSON follows `[` with a value or `]`.
    return JSON_VALUE_START.test(body.slice(1).trimStart()) || body.slice(1).trim() === ''
      ? 'json'
      : 'csv';
  }
  if (body[0] === '{') return ndjsonOrJson(body, ext);
  return 'csv';
}

/** A first line that is a whole object, or a second line that starts one, means one object a line. */
function ndjsonOrJson(body: string, ext: string): InputFormat {
  const lines = body.split(/\r?\n/);
  if (lines.length === 1) return ext === 'ndjson' || ext === 'jsonl' ? 'ndjson' : 'json';
  try {
    const first: unknown = JSON.parse(lines[0]!);
    if (first !== null && typeof first === 'object' && !Array.isArray(first)) return 'ndjson';
  } catch {
    // not a whole object on its own line
  }
  const second = lines.slice(1).find((l) => l.trim() !== '');
  if (second !== undefined && second.trimStart().startsWith('{')) return 'ndjson';
  return 'json';
}

/** HTML and XML files that call themselves spreadsheets. */
function markup(body: string): void {
  if (body[0] !== '<') return;
  const start = body.slice(0, 2048).toLowerCase();
  if (
    start.includes('urn:schemas-microsoft-com:office:spreadsheet') ||
    start.includes('progid="excel.sheet"')
  ) {
    refuse('an Excel 2003 XML spreadsheet', 'open it in Excel and save it as .xlsx or CSV');
  }
  if (/^<(?:!doctype html|html|table|head|body|meta)\b/.test(start)) {
    refuse(
      'an HTML page (some systems export "Excel" files that are HTML tables)',
      'open it in Excel and save it as .xlsx or CSV',
    );
  }
  if (start.startsWith('<?xml') || /^<[a-z_][\w:.-]*[\s>]/.test(start)) {
    refuse('an XML document', 'export the table as CSV or Excel');
  }
}
