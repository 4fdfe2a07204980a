import { Buffer } from 'node:buffer';
import { TextDecoder, TextEncoder } from 'node:util';
import { RosterError } from '../errors.ts';
import type { ByteSource } from '../model/byte-source.ts';
import {
  applyDigitLayout,
  decodeExcelEscapes,
  isBuiltInDateFormat,
  isDateFormat,
} from './sheet-values.ts';
import { attr, parseXmlPart, prefixedAttr } from './xlsx-xml.ts';
import type { XmlTag } from './xlsx-xml.ts';
import { DEFAULT_ZIP_LIMITS, zipEntries } from './zip-entries.ts';
import type { ZipEntry, ZipLimits } from './zip-entries.ts';

/**
 * What an XLSX file holds apart from its cells: the sheets (names, order, where each is stored,
 * whether it has any value), the date system, the number formats and the shared strings. One
 * streaming pass over the archive finds all of it, since the parts come in no fixed order (Excel
 * writes the sheets before the shared strings, exceljs writes the workbook part last).
 */

export type SheetState = 'visible' | 'hidden' | 'veryHidden';

export interface SheetPart {
  name: string;
  /** Path of the sheet's XML inside the archive, as stored. */
  path: string;
  state: SheetState;
  /** At least one cell of the sheet has a value. */
  hasData: boolean;
}

/** How the cells of one style (an index into `cellXfs`) show numbers. */
export interface CellFormat {
  /** Numbers in this style are dates or times. */
  date: boolean;
  /** A whole-number layout such as `00000` that keeps leading zeros (see applyDigitLayout). */
  digitLayout: string | null;
}

export interface WorkbookScan {
  /** Worksheets in tab order (chart sheets, which hold no cells, are left out). */
  sheets: SheetPart[];
  /** The workbook counts days from 1904 (old Mac Excel) instead of 1900. */
  date1904: boolean;
  sharedStrings: string[];
  /** By style index (the `s` attribute of a cell). */
  formats: CellFormat[];
}

/** Parts kept in memory while they are parsed (all but the shared strings are small). */
const MAX_SMALL_PART_BYTES = 32 * 1024 ** 2;
/** The shared-string table stays in memory for the whole read. */
export const MAX_SHARED_STRINGS_BYTES = 256 * 1024 ** 2;

const REL_OFFICE_DOCUMENT = /\/officeDocument$/;
const REL_WORKSHEET = /\/worksheet$/;

/**
 * Reads the workbook structure in one pass over the archive.
 *
 * @example
 * const scan = await scanWorkbook(source);
 * scan.sheets.map((s) => s.name); // ['Contacts', 'Notes']
 */
export async function scanWorkbook(
  source: ByteSource,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<WorkbookScan> {
  const smallParts = new Map<string, string>(); // lower-case path → XML text
  const stored = new Map<string, string>(); // lower-case path → path as stored
  const sheetHasData = new Map<string, boolean>();
  let sharedStrings: string[] = [];
  let formats: CellFormat[] = [];
  let sawXlsb = false;

  for await (const entry of zipEntries(source, limits)) {
    const lower = entry.path.toLowerCase();
    if (stored.has(lower)) continue; // a duplicate name: the first one wins, as in the sheet pass
    stored.set(lower, entry.path);
    if (lower.endsWith('.rels') || /(^|\/)workbook\.xml$/.test(lower)) {
      smallParts.set(lower, await readText(entry, MAX_SMALL_PART_BYTES));
    } else if (/(^|\/)sharedstrings\.xml$/.test(lower)) {
      sharedStrings = await parseSharedStrings(entry);
    } else if (/(^|\/)styles\.xml$/.test(lower)) {
      formats = await parseStyles(entry);
    } else if (/(^|\/)worksheets\/[^/]+\.xml$/.test(lower)) {
      sheetHasData.set(lower, await sheetHasValues(entry));
    } else if (/(^|\/)workbook\.bin$/.test(lower)) {
      sawXlsb = true;
    }
  }

  const rootRels = await parseRels(smallParts.get('_rels/.rels') ?? '', '_rels/.rels', '');
  const workbookPath =
    [...rootRels.values()].find((r) => REL_OFFICE_DOCUMENT.test(r.type))?.target ??
    'xl/workbook.xml';
  const workbookXml = smallParts.get(workbookPath);
  if (workbookXml === undefined) {
    if (sawXlsb) {
      throw new RosterError(
        'FORMAT_UNSUPPORTED',
        'This is an Excel Binary Workbook (.xlsb); save it as .xlsx (Excel Workbook) or CSV and try again',
      );
    }
    const found = [...stored.values()].slice(0, 5).join(', ');
    throw new RosterError(
      'FORMAT_UNSUPPORTED',
      `The ZIP archive holds no Excel workbook (found ${found || 'nothing'}); Roster reads .xlsx, .xls, CSV and JSON files`,
    );
  }
  const folder = workbookPath.slice(0, workbookPath.lastIndexOf('/') + 1);
  const relsPath = `${folder}_rels/${workbookPath.slice(folder.length)}.rels`;
  const rels = await parseRels(smallParts.get(relsPath) ?? '', relsPath, folder);
  const { sheets: declared, date1904 } = await parseWorkbook(workbookXml, workbookPath);

  const sheets: SheetPart[] = [];
  for (const sheet of declared) {
    const rel = rels.get(sheet.relId);
    if (!rel || !REL_WORKSHEET.test(rel.type)) continue; // chart sheets, dialog sheets, macro sheets
    const path = stored.get(rel.target);
    if (path === undefined) {
      throw new RosterError(
        'XLSX_CORRUPT',
        `The XLSX file is damaged: sheet "${sheet.name}" is missing (${rel.target})`,
      );
    }
    sheets.push({
      name: sheet.name,
      path,
      state: sheet.state,
      hasData: sheetHasData.get(rel.target) ?? false,
    });
  }
  if (sheets.length === 0) throw new RosterError('XLSX_CORRUPT', 'The XLSX file has no worksheets');
  return { sheets, date1904, sharedStrings, formats };
}

async function readText(entry: ZipEntry, maxBytes: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of entry.read(maxBytes)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

interface Rel {
  type: string;
  /** Lower-case archive path of the target. */
  target: string;
}

async function parseRels(xml: string, part: string, folder: string): Promise<Map<string, Rel>> {
  const rels = new Map<string, Rel>();
  if (!xml) return rels;
  await parseXmlPart(part, once(xml), {
    open(tag, name) {
      if (name !== 'Relationship' || attr(tag, 'TargetMode') === 'External') return;
      const id = attr(tag, 'Id');
      const target = attr(tag, 'Target');
      if (id && target)
        rels.set(id, { type: attr(tag, 'Type') ?? '', target: resolvePart(folder, target) });
    },
  });
  return rels;
}

/** Resolves a relationship target against the folder of the part that declares it. */
export function resolvePart(folder: string, target: string): string {
  const joined = target.startsWith('/') ? target.slice(1) : folder + target;
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/').toLowerCase();
}

interface DeclaredSheet {
  name: string;
  relId: string;
  state: SheetState;
}

async function parseWorkbook(
  xml: string,
  part: string,
): Promise<{ sheets: DeclaredSheet[]; date1904: boolean }> {
  const sheets: DeclaredSheet[] = [];
  let date1904 = false;
  await parseXmlPart(part, once(xml), {
    open(tag, name) {
      if (name === 'workbookPr') {
        const v = attr(tag, 'date1904');
        date1904 = v === '1' || v === 'true';
      } else if (name === 'sheet') {
        const state = attr(tag, 'state');
        sheets.push({
          name: attr(tag, 'name') ?? '',
          relId: prefixedAttr(tag, 'id') ?? '',
          state: state === 'hidden' || state === 'veryHidden' ? state : 'visible',
        });
      }
    },
  });
  return { sheets, date1904 };
}

/**
 * The shared-string table: each `<si>` is the text of its `<t>` elements (one, or one per run of
 * rich text), without the phonetic guides (`<rPh>`) that Japanese Excel adds after the text.
 */
async function parseSharedStrings(entry: ZipEntry): Promise<string[]> {
  const strings: string[] = [];
  let current = '';
  let inText = false;
  let phonetic = 0;
  await parseXmlPart(entry.path, entry.read(MAX_SHARED_STRINGS_BYTES), {
    open(_tag, name) {
      if (name === 'si') current = '';
      else if (name === 't' && phonetic === 0) inText = true;
      else if (name === 'rPh') phonetic++;
    },
    close(_tag, name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') strings.push(decodeExcelEscapes(current));
    },
    text(text) {
      if (inText) current += text;
    },
  });
  return strings;
}

/** Built-in format codes that lay out whole numbers (only `0` matters; it is a no-op). */
async function parseStyles(entry: ZipEntry): Promise<CellFormat[]> {
  const codes = new Map<number, string>();
  const xfs: number[] = [];
  let inCellXfs = false;
  await parseXmlPart(entry.path, entry.read(MAX_SMALL_PART_BYTES), {
    open(tag: XmlTag, name) {
      if (name === 'numFmt') {
        const id = Number(attr(tag, 'numFmtId'));
        const code = attr(tag, 'formatCode');
        if (Number.isInteger(id) && code !== undefined) codes.set(id, code);
      } else if (name === 'cellXfs') {
        inCellXfs = true;
      } else if (name === 'xf' && inCellXfs) {
        xfs.push(Number(attr(tag, 'numFmtId') ?? 0));
      }
    },
    close(_tag, name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return xfs.map((id) => {
    const code = codes.get(id);
    if (code === undefined) return { date: isBuiltInDateFormat(id), digitLayout: null };
    return {
      date: isDateFormat(code),
      digitLayout: applyDigitLayout(code, 1) !== null ? code : null,
    };
  });
}

/**
 * Whether a worksheet has any cell value (`<v>` or an inline string), found by a byte scan that
 * stops at the first one; the rest of the sheet is only inflated, not parsed. Also refuses a
 * DOCTYPE, which this scan would otherwise skip over.
 */
async function sheetHasValues(entry: ZipEntry): Promise<boolean> {
  let carry = '';
  let head = true;
  for await (const chunk of entry.read()) {
    const text =
      carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (head && text.includes('<!DOCTYPE')) {
      throw new RosterError(
        'XLSX_LIMIT_EXCEEDED',
        `${entry.path} declares a DOCTYPE, which Office files never do; refused to guard against entity expansion`,
        { part: entry.path },
      );
    }
    head = head && !/<(?:\w+:)?sheetData[\s>/]/.test(text);
    if (/<(?:\w+:)?(?:v|is)[\s>]/.test(text)) return true;
    carry = text.slice(-32);
  }
  return false;
}
