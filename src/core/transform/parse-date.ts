/**
 * Dates and timestamps from the ways people and spreadsheets write them. Day/month/year parts
 * are read by hand (fast, strict about ranges); luxon does the time-zone arithmetic only.
 */
import { IANAZone } from 'luxon';
import { wallClockToUtc, zoneOffsets } from './zone-offset.ts';

/**
 * How a date column is written. `auto` takes ISO and Excel serials as they are, and day/month
 * orders only when one part is above 12 (`13/04/2025`); `04/05/2025` is ambiguous in `auto` and
 * reported. An ISO value (what the XLSX reader produces for date cells) is accepted whatever
 * the format says, since it cannot be misread. Day/month/year parts may be separated by `/`, `-`
 * or `.` whichever order is named; years have four digits (`3/10/25` is reported, not guessed).
 * A time of day may follow (`14:30`, `2:30 PM`, `14:30:05.123`), and an offset (`Z`, `+01:00`).
 */
export type DateFormat =
  'auto' | 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'DD-MM-YYYY' | 'YYYY-MM-DD' | 'ISO' | 'excel';

export const DATE_FORMATS: readonly DateFormat[] = [
  'auto',
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'DD-MM-YYYY',
  'YYYY-MM-DD',
  'ISO',
  'excel',
];

/** True when `zone` is an IANA time zone name luxon can use (`UTC`, `Europe/Berlin`). */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

interface Parts {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
  ms: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;
const DMY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:$|[T ])/;
const TIME = /^[T ]?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*([AaPp][Mm])?$/;
const SERIAL = /^\d{1,7}(?:\.\d+)?$/;
const ZONE = /\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Day serial of 1970-01-01 in Excel's 1900 date system. */
const EXCEL_EPOCH = 25569;
const AUTO_SERIAL_MIN = 10_000;
/** Day serial of 9999-12-31: the last date Excel shows. */
const EXCEL_MAX = 2958465;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= MONTH_DAYS[m - 1]! + (leap ? 1 : 0);
}

/** Reads an optional time after the date part. Null when the rest is not a time. */
function readTime(rest: string, p: Parts): boolean {
  if (rest === '') return true;
  const t = TIME.exec(rest);
  if (!t) return false;
  let h = Number(t[1]);
  const ampm = t[5]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) return false;
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  }
  p.h = h;
  p.min = Number(t[2]);
  p.s = t[3] ? Number(t[3]) : 0;
  p.ms = t[4] ? Number(t[4].padEnd(3, '0')) : 0;
  return p.h < 24 && p.min < 60 && p.s < 60;
}

function fromSerial(text: string): Parts | null {
  const serial = Number(text);
  if (!(serial >= 1 && serial <= EXCEL_MAX + 1) || Math.floor(serial) === 60) return null;
  // Excel counts a 29 February 1900 that never was: serials before it are one day later.
  const days = serial < 60 ? serial + 1 : serial;
  const ms = Math.round((days - EXCEL_EPOCH) * 86_400_000);
  const dt = new Date(ms);
  return {
    y: dt.getUTCFullYear(),
    m: dt.getUTCMonth() + 1,
    d: dt.getUTCDate(),
    h: dt.getUTCHours(),
    min: dt.getUTCMinutes(),
    s: dt.getUTCSeconds(),
    ms: dt.getUTCMilliseconds(),
  };
}

function readParts(text: string, format: DateFormat): Parts | null {
  const p: Parts = { y: 0, m: 0, d: 0, h: 0, min: 0, s: 0, ms: 0 };
  const iso = ISO_DATE.exec(text);
  if (iso) {
    p.y = Number(iso[1]);
    p.m = Number(iso[2]);
    p.d = Number(iso[3]);
    return readTime(text.slice(10), p) ? p : null;
  }
  if (format === 'excel') return SERIAL.test(text) ? fromSerial(text) : null;
  // In `auto` a bare number of up to four digits is far more likely a year than a day in
  // 1900-1927, so only serials from 10000 (1927-05-18) on are taken as dates.
  if (format === 'auto' && SERIAL.test(text))
    return Number(text) >= AUTO_SERIAL_MIN ? fromSerial(text) : null;
  if (format === 'YYYY-MM-DD' || format === 'ISO') return null;
  const dmy = DMY.exec(text);
  if (!dmy) return null;
  const a = Number(dmy[1]);
  const b = Number(dmy[2]);
  p.y = Number(dmy[3]);
  let monthFirst: boolean;
  if (format === 'MM/DD/YYYY') monthFirst = true;
  else if (format === 'DD/MM/YYYY' || format === 'DD-MM-YYYY') monthFirst = false;
  else if (a > 12 && b <= 12) monthFirst = false;
  else if (b > 12 && a <= 12) monthFirst = true;
  else if (a === b)
    monthFirst = true; // 05/05/2025 reads the same either way
  else return null; // ambiguous in auto
  p.m = monthFirst ? a : b;
  p.d = monthFirst ? b : a;
  return readTime(text.slice(dmy[0].length - (/[T ]$/.test(dmy[0]) ? 1 : 0)), p) ? p : null;
}

/**
 * A date value as `YYYY-MM-DD`, or null when it is invalid or ambiguous. Any time of day is
 * ignored (a birthday written as `1990-04-05T00:00:00` is that day).
 *
 * @example
 * parseDate('04/05/2025', 'MM/DD/YYYY'); // '2025-04-05'
 * parseDate('45000', 'excel'); // '2023-03-15'
 * parseDate('04/05/2025', 'auto'); // null (ambiguous)
 */
export function parseDate(text: string, format: DateFormat): string | null {
  let body = text;
  const z = ZONE.exec(text);
  if (z && text.length > 10) {
    // The date as written: an offset says where the writer was, not which day they meant.
    if (z[2] !== undefined && offsetMinutes(z[2], z[3]!, z[4]!) === null) return null;
    body = text.slice(0, z.index);
  }
  const p = readParts(body, format);
  if (!p || !validDay(p.y, p.m, p.d)) return null;
  return `${String(p.y).padStart(4, '0')}-${pad(p.m)}-${pad(p.d)}`;
}

/**
 * A timestamp parser for one time zone. Values without an offset are wall-clock times in
 * `zone`; values with one (`Z`, `+02:00`) keep their own. Results are ISO 8601 in UTC (`...Z`),
 * or null.
 *
 * @example
 * const parse = timestampParser('ISO', 'America/New_York');
 * parse('2025-03-10 09:30'); // '2025-03-10T13:30:00.000Z'
 * parse('2025-03-10T09:30:00+01:00'); // '2025-03-10T08:30:00.000Z'
 */
export function timestampParser(format: DateFormat, zone: string): (text: string) => string | null {
  const offsetAt = zoneOffsets(zone);
  return (text) => {
    let own: number | null = null;
    let body = text;
    const z = ZONE.exec(text);
    if (z && text.length > 10) {
      own = z[1] === 'Z' || z[1] === 'z' ? 0 : offsetMinutes(z[2]!, z[3]!, z[4]!);
      if (own === null) return null;
      body = text.slice(0, z.index);
    }
    const p = readParts(body, format);
    if (!p || !validDay(p.y, p.m, p.d)) return null;
    const local = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s, p.ms);
    // Date.UTC reads years 0..99 as 1900..1999.
    const wall = p.y < 100 ? new Date(local).setUTCFullYear(p.y) : local;
    const utc = own !== null ? wall - own * 60_000 : wallClockToUtc(wall, offsetAt);
    return utc === null ? null : new Date(utc).toISOString();
  };
}

/**
 * One timestamp as ISO 8601 in UTC, or null (see `timestampParser`, which is faster for many).
 *
 * @example
 * parseTimestamp('2025-03-10 09:30', 'ISO', 'America/New_York'); // '2025-03-10T13:30:00.000Z'
 */
export function parseTimestamp(text: string, format: DateFormat, zone: string): string | null {
  return timestampParser(format, zone)(text);
}

function offsetMinutes(sign: string, hours: string, minutes: string): number | null {
  const h = Number(hours);
  const m = Number(minutes);
  // Real UTC offsets lie within -12:00..+14:00.
  if (h > 14 || m > 59) return null;
  return (sign === '-' ? -1 : 1) * (h * 60 + m);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
