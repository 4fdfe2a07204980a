/**
 * The fixed parts of the export workbook (content types, relationships, styles, workbook) and
 * the head and tail of a worksheet, as SpreadsheetML text. The writer streams the rows between a
 * sheet's head and tail; everything here is small.
 */
import { escapeAttribute } from './xlsx-escape.ts';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const SHEET_CONTENT_TYPE =
  'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';

/** Indexes into styles.xml's `cellXfs`. */
export const STYLE = { default: 0, date: 1, timestamp: 2, header: 3 } as const;

export const DATE_FORMAT = 'yyyy-mm-dd';
export const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** The path of the n-th sheet (1-based) inside the package. */
export function sheetPath(n: number): string {
  return `xl/worksheets/sheet${n}.xml`;
}

/**
 * `[Content_Types].xml` for a workbook of `sheetCount` sheets.
 *
 * @example
 * contentTypesXml(3); // '<?xml ...><Types ...>...</Types>'
 */
export function contentTypesXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) => `<Override PartName="/${sheetPath(i + 1)}" ContentType="${SHEET_CONTENT_TYPE}"/>`,
  ).join('');
  return (
    XML_DECLARATION +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    sheets +
    '</Types>'
  );
}

/** `_rels/.rels`: the package's one relationship, to the workbook. */
export function rootRelsXml(): string {
  return (
    XML_DECLARATION +
    `<Relationships xmlns="${PACKAGE_REL_NS}">` +
    `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
    '</Relationships>'
  );
}

/** `xl/_rels/workbook.xml.rels`: sheet n is `rId<n>`, the styles come after the sheets. */
export function workbookRelsXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) =>
      `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  ).join('');
  return (
    XML_DECLARATION +
    `<Relationships xmlns="${PACKAGE_REL_NS}">` +
    sheets +
    `<Relationship Id="rId${sheetCount + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
    '</Relationships>'
  );
}

/**
 * `xl/workbook.xml`: the sheets in order, and the hidden `_FilterDatabase` name Excel itself
 * keeps for a sheet's auto-filter range.
 */
export function workbookXml(
  sheetNames: readonly string[],
  filters: readonly { sheet: number; range: string }[],
): string {
  const sheets = sheetNames
    .map(
      (name, i) => `<sheet name="${escapeAttribute(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`,
    )
    .join('');
  const names = filters
    .map(({ sheet, range }) => {
      const name = (sheetNames[sheet] ?? '').replace(/'/g, "''");
      return `<definedName name="_xlnm._FilterDatabase" localSheetId="${sheet}" hidden="1">'${escapeAttribute(name)}'!${range}</definedName>`;
    })
    .join('');
  return (
    XML_DECLARATION +
    `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    '<bookViews><workbookView/></bookViews>' +
    `<sheets>${sheets}</sheets>` +
    (names ? `<definedNames>${names}</definedNames>` : '') +
    '</workbook>'
  );
}

/**
 * `xl/styles.xml` with the four cell formats of STYLE: default, date, timestamp, and the bold,
 * filled header.
 */
export function stylesXml(): string {
  return (
    XML_DECLARATION +
    `<styleSheet xmlns="${MAIN_NS}">` +
    `<numFmts count="2"><numFmt numFmtId="164" formatCode="${DATE_FORMAT}"/>` +
    `<numFmt numFmtId="165" formatCode="${TIMESTAMP_FORMAT}"/></numFmts>` +
    '<fonts count="2">' +
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
    '</fonts>' +
    '<fills count="3">' +
    '<fill><patternFill patternType="none"/></fill>' +
    '<fill><patternFill patternType="gray125"/></fill>' +
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill>' +
    '</fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    '<cellXfs count="4">' +
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>' +
    '</cellXfs>' +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    '</styleSheet>'
  );
}

/** One column of a sheet: its width in characters and the style of its empty cells. */
export interface SheetColumn {
  width: number;
  style?: number;
}

/**
 * A worksheet up to the opening `<sheetData>`: the header row frozen, the column widths.
 *
 * @example
 * sheetHead([{ width: 12 }, { width: 14, style: STYLE.date }]);
 */
export function sheetHead(columns: readonly SheetColumn[]): string {
  const cols = columns
    .map(
      ({ width, style }, i) =>
        `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"${style ? ` style="${style}"` : ''}/>`,
    )
    .join('');
  return (
    XML_DECLARATION +
    `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    '<sheetViews><sheetView workbookViewId="0">' +
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' +
    '</sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (cols ? `<cols>${cols}</cols>` : '') +
    '<sheetData>'
  );
}

/** A list validation over a range of cells (SpreadsheetML `dataValidation`). */
export interface ListValidation {
  /** `G2:G100` */
  range: string;
  /** `"a,b,c"` or a reference such as `'Custom Fields'!$H$2:$J$2`. */
  formula: string;
  title: string;
  message: string;
}

// Excel refuses a workbook whose validation error title or message is longer than these.
const ERROR_TITLE_MAX = 32;
const ERROR_MESSAGE_MAX = 255;

/**
 * The rest of a worksheet after the last row: auto-filter and list validations, in the element
 * order the schema requires.
 */
export function sheetTail(options: {
  autoFilter?: string;
  validations?: readonly ListValidation[];
}): string {
  const validations = options.validations ?? [];
  const items = validations
    .map(
      (v) =>
        '<dataValidation type="list" errorStyle="warning" allowBlank="1" showErrorMessage="1"' +
        ` errorTitle="${escapeAttribute(clip(v.title, ERROR_TITLE_MAX))}"` +
        ` error="${escapeAttribute(clip(v.message, ERROR_MESSAGE_MAX))}"` +
        ` sqref="${v.range}"><formula1>${escapeAttribute(v.formula)}</formula1></dataValidation>`,
    )
    .join('');
  return (
    '</sheetData>' +
    (options.autoFilter ? `<autoFilter ref="${options.autoFilter}"/>` : '') +
    (items ? `<dataValidations count="${validations.length}">${items}</dataValidations>` : '') +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    '</worksheet>'
  );
}

/** The first `max` characters, never splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
