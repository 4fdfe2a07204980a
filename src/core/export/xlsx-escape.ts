/**
 * Escaping for the SpreadsheetML the XLSX export writes by hand: cell text, attribute values and
 * formulas. XML 1.0 cannot carry most control characters at all, and a parser turns a raw CR into
 * LF, so those go out as Excel's own `_xHHHH_` escapes, which Excel, exceljs and Roster's reader
 * decode back to the character.
 */

// Characters XML 1.0 forbids (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF), CR (legal, but
// a parser normalises it to LF), the three markup characters, and an underscore that starts
// something a reader would decode as an escape (`_x000B_` typed by a person).
const CELL_TEXT_SPECIAL =
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|_(?=x[0-9a-f]{4}_)/i;
const CELL_TEXT_SPECIAL_ALL = new RegExp(CELL_TEXT_SPECIAL.source, 'gi');

// eslint-disable-next-line no-control-regex -- control characters are what this drops
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const ATTRIBUTE_SPECIAL_ALL = new RegExp(ATTRIBUTE_SPECIAL.source, 'g');

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Attribute values: a parser would turn raw whitespace characters into spaces.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** `_x000B_`: Excel's escape for one UTF-16 unit, hex upper-case (exceljs decodes only that). */
function excelEscape(char: string): string {
  return `_x${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`;
}

function escapeCellChar(char: string): string {
  switch (char) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '_':
      return '_x005F_';
    default:
      // CR included: Excel writes it as `_x000D_` too.
      return excelEscape(char);
  }
}

/**
 * The text of a cell as element content: markup characters as entities; control characters, CR
 * and U+FFFE/U+FFFF as `_xHHHH_` escapes; an underscore that would itself read as the start of
 * such an escape as `_x005F_`. Nothing is lost: a reader that decodes Excel's escapes gets the
 * value back exactly.
 *
 * @example
 * escapeCellText('a < b'); // 'a &lt; b'
 * escapeCellText('bell\u0007'); // 'bell_x0007_'
 * escapeCellText('_x0041_'); // '_x005F_x0041_'
 */
export function escapeCellText(value: string): string {
  // Most values need nothing: one test, no new string.
  if (!CELL_TEXT_SPECIAL.test(value)) return value;
  return value.replace(CELL_TEXT_SPECIAL_ALL, escapeCellChar);
}

/**
 * A value for a double-quoted attribute or a formula: markup characters and quotes as entities,
 * tab/LF/CR as character references (kept, not turned into spaces), and the characters XML
 * cannot carry dropped, since attributes and formulas have no escape Excel would decode.
 *
 * @example
 * escapeAttribute('Say "hi" & go'); // 'Say &quot;hi&quot; &amp; go'
 */
export function escapeAttribute(value: string): string {
  if (!ATTRIBUTE_SPECIAL.test(value)) return value;
  return value.replace(ATTRIBUTE_SPECIAL_ALL, (char) => ENTITIES[char] ?? '');
}
