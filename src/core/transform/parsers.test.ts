import { describe, expect, it } from 'vitest';
import { cleanText, guardFormula, titleCase, unguardFormula } from './clean-text.ts';
import { parseBoolean } from './parse-boolean.ts';
import { parseDate, parseTimestamp, type DateFormat } from './parse-date.ts';
import { parseInteger, parseNumber, type DecimalSeparator } from './parse-number.ts';
import { toE164 } from './parse-phone.ts';
import { listSplitter, splitList } from './split-list.ts';
import { splitFullName } from './split-full-name.ts';

describe('cleanText / unguardFormula', () => {
  it.each([
    ['  Ana  ', 'Ana'],
    ['Jose\u0301', 'José'],
    ["'+15551234567", '+15551234567'],
    ["'=SUM(A1)", '=SUM(A1)'],
    ["'-5", '-5'],
    ["'@home", '@home'],
    ["'\tx", 'x'],
    ["'hello", "'hello"],
    ["O'Brien", "O'Brien"],
    ["''+1", "''+1"],
    ["'", "'"],
    ['', ''],
  ])('%j -> %j', (raw, want) => {
    expect(cleanText(raw)).toBe(want);
  });

  it('removes exactly one guard apostrophe', () => {
    expect(unguardFormula("'=1")).toBe('=1');
    expect(unguardFormula("'\r")).toBe('\r');
  });

  it('guards every dangerous start, full-width forms included, and unguard reverses it exactly', () => {
    const dangerous = ['=1+1', '+1555', '-2', '@SUM(A1)', '\tx', '\rx', '＝1', '＋1', '－1', '＠x'];
    for (const value of dangerous) {
      expect(guardFormula(value)).toBe(`'${value}`);
      expect(unguardFormula(guardFormula(value))).toBe(value);
    }
    for (const value of ['plain', "'quoted", "O'Brien", '', '1=1']) {
      expect(guardFormula(value)).toBe(value);
      expect(unguardFormula(guardFormula(value))).toBe(value);
    }
  });
});

describe('titleCase', () => {
  it.each([
    ['acme widgets', 'Acme Widgets'],
    ['ACME WIDGETS INTERNATIONAL', 'Acme Widgets International'],
    ['IBM global services', 'IBM Global Services'],
    ['bank of the west', 'Bank of the West'],
    ['the north face', 'The North Face'],
    ['eBay inc.', 'eBay Inc.'],
    ['müller gmbh', 'Müller Gmbh'],
  ])('%j -> %j', (raw, want) => {
    expect(titleCase(raw)).toBe(want);
  });
});

describe('toE164', () => {
  it.each([
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['030 901820', 'DE', '+4930901820'],
    ['+1 415 555 2671', undefined, '+14155552671'],
    ['(415) 555-2671', undefined, null],
    ['12', 'US', null],
    ['abc', 'US', null],
    ['+1 555 555 0100', 'US', null],
    ['call 415-555-2671 now', 'US', null],
    ['415-555-2671 ext. 12', 'US', '+14155552671'],
  ] as const)('%j in %s -> %j', (raw, cc, want) => {
    expect(toE164(raw, cc)).toBe(want);
  });
});

describe('parseDate', () => {
  it.each<[string, DateFormat, string | null]>([
    ['04/05/2025', 'MM/DD/YYYY', '2025-04-05'],
    ['4/5/2025', 'MM/DD/YYYY', '2025-04-05'],
    ['04/05/2025', 'DD/MM/YYYY', '2025-05-04'],
    ['04-05-2025', 'DD-MM-YYYY', '2025-05-04'],
    ['2025-04-05', 'DD-MM-YYYY', '2025-04-05'],
    ['2025-04-05', 'YYYY-MM-DD', '2025-04-05'],
    ['2025-04-05T10:00:00', 'ISO', '2025-04-05'],
    ['2025-04-05T23:30:00-05:00', 'ISO', '2025-04-05'],
    ['45000', 'excel', '2023-03-15'],
    ['45000.75', 'excel', '2023-03-15'],
    ['1', 'excel', '1900-01-01'],
    ['59', 'excel', '1900-02-28'],
    ['61', 'excel', '1900-03-01'],
    ['60', 'excel', null],
    ['45000', 'auto', '2023-03-15'],
    ['2025', 'auto', null],
    ['2025', 'excel', '1905-07-17'],
    ['3/10/25', 'MM/DD/YYYY', null],
    ['10.03.2025', 'DD-MM-YYYY', '2025-03-10'],
    ['13/04/2025', 'auto', '2025-04-13'],
    ['04/13/2025', 'auto', '2025-04-13'],
    ['04/05/2025', 'auto', null],
    ['05/05/2025', 'auto', '2025-05-05'],
    ['02/30/2025', 'MM/DD/YYYY', null],
    ['02/29/2024', 'MM/DD/YYYY', '2024-02-29'],
    ['02/29/1900', 'MM/DD/YYYY', null],
    ['02/29/2000', 'MM/DD/YYYY', '2000-02-29'],
    ['04/31/2025', 'MM/DD/YYYY', null],
    ['12/31/2025', 'MM/DD/YYYY', '2025-12-31'],
    ['13/01/2025', 'MM/DD/YYYY', null],
    ['2025-13-01', 'ISO', null],
    ['45000', 'MM/DD/YYYY', null],
    ['yesterday', 'auto', null],
    ['04/05/2025', 'ISO', null],
  ])('%j as %s -> %j', (raw, format, want) => {
    expect(parseDate(raw, format)).toBe(want);
  });
});

describe('parseTimestamp', () => {
  it.each<[string, DateFormat, string, string | null]>([
    ['2025-03-10 09:30', 'ISO', 'America/New_York', '2025-03-10T13:30:00.000Z'],
    ['2025-03-10T09:30:00+01:00', 'ISO', 'UTC', '2025-03-10T08:30:00.000Z'],
    ['2025-03-10T09:30:00Z', 'ISO', 'Europe/Berlin', '2025-03-10T09:30:00.000Z'],
    ['2025-03-10T09:30-0500', 'ISO', 'UTC', '2025-03-10T14:30:00.000Z'],
    ['03/10/2025 09:30 +05:30', 'MM/DD/YYYY', 'UTC', '2025-03-10T04:00:00.000Z'],
    ['2025-03-10T09:30:00.123456Z', 'ISO', 'UTC', '2025-03-10T09:30:00.123Z'],
    ['0099-03-10 00:00', 'ISO', 'UTC', '0099-03-10T00:00:00.000Z'],
    ['2025-03-10', 'ISO', 'Europe/Berlin', '2025-03-09T23:00:00.000Z'],
    ['03/10/2025 2:15 PM', 'MM/DD/YYYY', 'UTC', '2025-03-10T14:15:00.000Z'],
    ['10-03-2025 14:15:30', 'DD-MM-YYYY', 'UTC', '2025-03-10T14:15:30.000Z'],
    ['45000.5', 'excel', 'UTC', '2023-03-15T12:00:00.000Z'],
    // 02:30 on 9 March 2025 does not exist in New York (clocks jump from 2:00 to 3:00).
    ['2025-03-09 02:30', 'ISO', 'America/New_York', null],
    ['2025-03-10 25:00', 'ISO', 'UTC', null],
    ['2025-03-10 13:00 PM', 'ISO', 'UTC', null],
    ['2025-03-10T09:30:00+99:00', 'ISO', 'UTC', null],
  ])('%j as %s in %s -> %j', (raw, format, zone, want) => {
    expect(parseTimestamp(raw, format, zone)).toBe(want);
  });
});

describe('parseNumber / parseInteger', () => {
  it.each<[string, DecimalSeparator, number | null]>([
    ['1,234.5', '.', 1234.5],
    ['1.234,5', ',', 1234.5],
    ['1234.5', '.', 1234.5],
    ['1234,5', ',', 1234.5],
    ['1 234 567', '.', 1234567],
    ["1'234.50", '.', 1234.5],
    ['-42', '.', -42],
    ['+7', '.', 7],
    ['1,23', '.', null],
    ['1.234,5', '.', null],
    ['1,234.5', ',', null],
    ['1,234,56', '.', null],
    ['12abc', '.', null],
    ['', '.', null],
    ['1e5', '.', null],
  ])('%j with %s -> %j', (raw, sep, want) => {
    expect(parseNumber(raw, sep)).toBe(want);
  });

  it.each<[string, number | null]>([
    ['1,200', 1200],
    ['12.0', 12],
    ['7.5', null],
    ['99999999999999999999', null],
  ])('integer %j -> %j', (raw, want) => {
    expect(parseInteger(raw, '.')).toBe(want);
  });
});

describe('parseBoolean', () => {
  it.each<[string, boolean | null]>([
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['y', true],
    ['1', true],
    ['x', true],
    ['Opted In', true],
    ['opted  in', true],
    ['subscribed', true],
    ['false', false],
    ['No', false],
    ['n', false],
    ['0', false],
    ['unsubscribed', false],
    ['opted-out', false],
    ['maybe', null],
    ['2', null],
  ])('%j -> %j', (raw, want) => {
    expect(parseBoolean(raw)).toBe(want);
  });
});

describe('splitList', () => {
  const split = listSplitter(['|', ',', ';']);
  it.each<[string | string[], boolean, string[]]>([
    ['vip|partner', false, ['vip', 'partner']],
    [' VIP , partner ;vip ', false, ['VIP', 'partner']],
    [' VIP , partner ;vip ', true, ['vip', 'partner']],
    ['a||b;;', false, ['a', 'b']],
    ['', false, []],
    [['x, y', 'z'], false, ['x, y', 'z']],
  ])('%j (lowercase %s) -> %j', (cell, lower, want) => {
    expect(splitList(cell, split, lower)).toEqual(want);
  });

  it('takes custom and multi-character delimiters', () => {
    expect(splitList('a / b/c', listSplitter([' / ']), false)).toEqual(['a', 'b/c']);
  });
});

describe('splitFullName', () => {
  it.each<[string, string | null, string | null]>([
    ['Jane Smith', 'Jane', 'Smith'],
    ['Jane Q. Smith', 'Jane Q.', 'Smith'],
    ['Smith, Jane', 'Jane', 'Smith'],
    ['Smith, Jane Q.', 'Jane Q.', 'Smith'],
    ['Dr. Jane Smith', 'Jane', 'Smith'],
    ['Mr John Smith Jr.', 'John', 'Smith Jr.'],
    ['John Smith, Jr.', 'John', 'Smith Jr.'],
    ['Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
    ['Cher', 'Cher', null],
    ['Dr', 'Dr', null],
    ['Mrs. Smith', 'Smith', null],
  ])('%j -> %j %j', (full, first, last) => {
    expect(splitFullName(full)).toEqual({ first, last });
  });
});
