/**
 * Spreadsheet values as the text a person expects, shared by the XLSX and XLS readers.
 *
 * Spreadsheets store numbers as IEEE doubles and dates as day counts ("serials"); a contact file
 * wants the number a person typed and the date they saw. These helpers turn the stored values
 * into stable strings: numbers without float noise and never in exponent form, dates as ISO 8601.
 */

/** Excel keeps 15 significant digits; anything after that in a non-integer is float noise. */
const EXCEL_PRECISION = 15;

/**
 * A number as plain decimal text: integers exactly, other numbers rounded to Excel's 15
 * significant digits (so `0.1 + 0.2` reads `0.3`), never in exponent form.
 *
 * @example
 * formatNumber(0.30000000000000004); // '0.3'
 * formatNumber(447700900123); // '447700900123'
 * formatNumber(1e21); // '1000000000000000000000'
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (n === 0) return '0'; // also -0
  if (Number.isInteger(n)) return plainDecimal(String(n));
  return plainDecimal(String(Number(n.toPrecision(EXCEL_PRECISION))));
}

/**
 * A number as written in a file (an XLSX `<v>` element): whole-number literals keep all their
 * digits (long IDs written by tools other than Excel), anything else goes through formatNumber.
 *
 * @example
 * formatNumberText('12345678901234567890'); // '12345678901234567890'
 * formatNumberText('1.2345678901234567E+19'); // '12345678901234567000'
 */
export function formatNumberText(raw: string): string {
  const text = raw.trim();
  const integer = /^([+-]?)0*(\d+)$/.exec(text);
  if (integer) {
    const digits = integer[2]!;
    return integer[1] === '-' && digits !== '0' ? `-${digits}` : digits;
  }
  const n = Number(text);
  return text === '' || Number.isNaN(n) ? text : formatNumber(n);
}

/** Rewrites JavaScript's exponent form (`1e+21`, `1.5e-7`) as plain decimal digits. */
function plainDecimal(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const point = m[2]!.length + Number(m[4]);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Built-in number formats that show dates or times (ECMA-376 18.8.30, plus the East Asian date
 * formats 27-36 and 50-58 that Excel stores by id in localized workbooks).
 */
export function isBuiltInDateFormat(id: number): boolean {
  return (
    (id >= 14 && id <= 22) ||
    (id >= 27 && id <= 36) ||
    (id >= 45 && id <= 47) ||
    (id >= 50 && id <= 58)
  );
}

/**
 * True when a number format code shows its value as a date or a time of day (`yyyy-mm-dd`,
 * `m/d/yy h:mm`, `[$-409]mmmm d, yyyy`). Durations (`[h]:mm`) are not dates: their value is a
 * length of time and stays a number.
 *
 * @example
 * isDateFormat('dd/mm/yyyy'); // true
 * isDateFormat('#,##0.00 "days"'); // false
 */
export function isDateFormat(code: string): boolean {
  // Only the first section decides; the others are for negative numbers, zero and text.
  const section = firstSection(code);
  if (/\[(?:h+|m+|s+)\]/i.test(section)) return false;
  const bare = section
    .replace(/"[^"]*"/g, '') // quoted literals
    .replace(/\\./g, '') // escaped characters
    .replace(/[_*]./g, '') // padding and fill characters
    .replace(/\[[^\]]*\]/g, ''); // colours, conditions, locales
  if (/^general$/i.test(bare.trim())) return false;
  return /[dmyhs]/i.test(bare) && !/[0#?]/.test(bare.replace(/[.,]0+/g, ''));
}

/** The part of a format code before the first unquoted `;`. */
function firstSection(code: string): string {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === ';' && !quoted) return code.slice(0, i);
  }
  return code;
}

const MS_PER_DAY = 86_400_000;
/** Day serial of 1970-01-01 in the 1900 date system (with Excel's fictitious 1900-02-29). */
const UNIX_EPOCH_1900 = 25_569;
/** Day serial of 1970-01-01 in the 1904 date system (old Mac workbooks). */
const UNIX_EPOCH_1904 = 24_107;
/** 9999-12-31, the last day Excel can show. */
const LAST_SERIAL = 2_958_465;

/**
 * An Excel date serial as ISO 8601 text: `2025-10-15` for a pure date, `2025-10-15T14:30:00`
 * when it has a time, `14:30:00` for a time of day alone (serial below 1). No offset is added:
 * spreadsheets store wall-clock time without a zone, and the import's time-zone setting decides
 * what it means. Returns null for serials outside Excel's calendar.
 *
 * @example
 * excelSerialToIso(45945, false); // '2025-10-15'
 * excelSerialToIso(45945.604166666664, false); // '2025-10-15T14:30:00'
 * excelSerialToIso(44483, true); // '2025-10-15' (1904 date system)
 */
export function excelSerialToIso(serial: number, date1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial >= LAST_SERIAL + 1) return null;
  let days = Math.floor(serial);
  let ms = Math.round((serial - days) * MS_PER_DAY);
  if (ms >= MS_PER_DAY) {
    days += 1;
    ms -= MS_PER_DAY;
  }
  const time = ms === 0 ? '' : timeText(ms);
  if (days === 0 && time !== '') return time;
  // Before 1900-03-01 the 1900 system counts a 29 February that never was.
  const unixDays = date1904 ? days - UNIX_EPOCH_1904 : days - UNIX_EPOCH_1900 + (days < 60 ? 1 : 0);
  const date = new Date(unixDays * MS_PER_DAY).toISOString().slice(0, 10);
  return time === '' ? date : `${date}T${time}`;
}

function timeText(ms: number): string {
  const iso = new Date(ms).toISOString(); // 1970-01-01THH:MM:SS.sssZ
  return ms % 1000 === 0 ? iso.slice(11, 19) : iso.slice(11, 23);
}

/**
 * Number formats that only lay out the digits of a whole number (`00000` for ZIP codes,
 * `000-000-0000`): the digits a person sees, leading zeros included, are the value they mean.
 * Returns null for other formats (thousands separators, decimals, dates, text), which keep the
 * plain number.
 *
 * @example
 * applyDigitLayout('00000', 2134); // '02134'
 * applyDigitLayout('(000) 000-0000', 5551234567); // '(555) 123-4567'
 * applyDigitLayout('#,##0', 1234); // null
 */
export function applyDigitLayout(code: string, value: number): string | null {
  if (!Number.isSafeInteger(value) || value < 0) return null;
  const section = firstSection(code).replace(/"([^"]*)"/g, '$1');
  if (!/^[0#?\-() /+]+$/.test(section) || !section.includes('0')) return null;
  const digits = String(value);
  let d = digits.length - 1;
  let out = '';
  let lastPlaceholder = -1;
  for (let i = section.length - 1; i >= 0; i--) {
    const ch = section[i]!;
    if (ch === '0' || ch === '#' || ch === '?') {
      lastPlaceholder = i;
      if (d >= 0) out = digits[d--]! + out;
      else if (ch === '0') out = `0${out}`;
      else if (ch === '?') out = ` ${out}`;
    } else {
      out = ch + out;
    }
  }
  // Digits beyond the placeholders go in front of the leftmost one, as Excel does.
  if (d >= 0) {
    const lead = section.slice(0, lastPlaceholder);
    out = lead + digits.slice(0, d + 1) + out.slice(lead.length);
  }
  return out.trim();
}

/** Excel's XML escape for characters XML cannot carry (`_x000D_` for a carriage return). */
export function decodeExcelEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}
