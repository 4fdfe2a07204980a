/**
 * The RegExp cache patched into libphonenumber-js (scripts/patch-libphonenumber.ts) must not
 * change a single result. These tests load two private copies of the installed library, one
 * with the original code and one patched, and compare them (and `parsePhone`, which runs on the
 * installed, patched library) on many generated cells.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneCases } from '../../../bench/generate-phones.ts';
import {
  BUILD_DIRS,
  SITES,
  libraryDir,
  patchLibrary,
  patchSource,
  patchTargets,
  unpatchSource,
} from '../../../scripts/patch-libphonenumber.ts';
import { parsePhone, type ParsedPhone } from './parse-phone.ts';

type Library = typeof import('libphonenumber-js/max');
type CountryCode = NonNullable<Parameters<Library['getExampleNumber']>[0]>;

let dir: string;
let original: Library;
let patched: Library;

/**
 * A copy of the installed package, without the browser bundle and sources that Node never
 * loads. It goes under a `node_modules` folder so that vitest leaves it to Node, unchanged.
 */
function copyLibrary(from: string, name: string): string {
  const to = join(dir, 'node_modules', name);
  cpSync(from, to, {
    recursive: true,
    filter: (path) => !/[/\\](bundle|source)$/.test(path),
  });
  return to;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-phone-'));
  // The installed package is patched (or should be): undo that for the reference copy.
  const originalDir = copyLibrary(libraryDir(), 'original');
  for (const { path, site } of patchTargets(originalDir)) {
    writeFileSync(path, unpatchSource(readFileSync(path, 'utf8'), site));
  }
  // Patched from the original by this checkout's script, whatever the install holds.
  patchLibrary(copyLibrary(originalDir, 'patched'));
  const load = (name: string): Promise<Library> =>
    import(
      pathToFileURL(join(dir, 'node_modules', name, 'max', 'index.js')).href
    ) as Promise<Library>;
  [original, patched] = await Promise.all([load('original'), load('patched')]);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `parsePhone` done the plain way on one copy of the library. */
function plain(library: Library, text: string, country: string | undefined): ParsedPhone | null {
  const input = text.startsWith('00') ? `+${text.slice(2)}` : text;
  const defaultCountry = country as CountryCode | undefined;
  const parsed = library.parsePhoneNumberFromString(input, { defaultCountry, extract: false });
  return parsed?.isValid() ? { e164: parsed.number, extension: parsed.ext ?? null } : null;
}

/** Fails with the first cell on which the three ways disagree. */
function expectSame(cells: readonly { text: string; country: string | undefined }[]): number {
  let valid = 0;
  for (const { text, country } of cells) {
    const expected = plain(original, text, country);
    const cell = { text, country };
    expect({ cell, result: plain(patched, text, country) }).toEqual({ cell, result: expected });
    expect({ cell, result: parsePhone(text, country as CountryCode | undefined) }).toEqual({
      cell,
      result: expected,
    });
    if (expected) valid++;
  }
  return valid;
}

describe('libphonenumber-js RegExp cache patch', () => {
  it('is applied to every compiled copy of the installed package', () => {
    // Fails when the root `postinstall` did not run: node bin/run-ts.js scripts/patch-libphonenumber.ts
    expect(patchLibrary(libraryDir(), true)).toEqual([]);
    expect(patchTargets(libraryDir())).toHaveLength(BUILD_DIRS.length * SITES.length);
  });

  it('is idempotent, reversible, and refuses code it was not written for', () => {
    for (const { path, site } of patchTargets(join(dir, 'node_modules', 'original'))) {
      const text = readFileSync(path, 'utf8');
      const once = patchSource(text, site);
      expect(once).not.toBe(text);
      expect(patchSource(once, site)).toBe(once);
      expect(unpatchSource(once, site)).toBe(text);
      expect(() => patchSource(text.replace(site.original, 'changed()'), site)).toThrow(
        /libphonenumber-js changed/,
      );
    }
  });

  it('gives the same results as the original library on benchmark-like cells', () => {
    const valid = expectSame(phoneCases(20_000, 11));
    expect(valid).toBeGreaterThan(5_000); // the cells reach the validity checks, not only errors
  });

  it('gives the same results on every country’s numbers, written in many ways', () => {
    const cells: { text: string; country: string | undefined }[] = [];
    const countries = original.getCountries();
    for (const country of countries) {
      const example = original.getExampleNumber(country, examples);
      if (!example) continue;
      const national = example.formatNational();
      const digits = example.nationalNumber;
      const other = countries[(countries.indexOf(country) * 7 + 3) % countries.length];
      const last = Number(digits.at(-1));
      for (const text of [
        example.number,
        example.formatInternational(),
        `00${example.number.slice(1)}`,
        `${example.number} ext. 123`,
        `${national} x45`,
        national,
        digits,
        digits.slice(0, -1),
        `${digits}${last}`,
        `${digits.slice(0, -1)}${(last + 1) % 10}`,
        `${example.number.slice(0, -2)}`,
      ]) {
        cells.push({ text, country }, { text, country: other }, { text, country: undefined });
      }
    }
    const valid = expectSame(cells);
    expect(valid).toBeGreaterThan(1_000);
  });

  it('gives the same results on arbitrary phone-like text', () => {
    const countries = [undefined, ...original.getCountries()];
    const part = fc.constantFrom(
      ...'0123456789'.split(''),
      '0',
      '00',
      '1',
      '+',
      ' ',
      '-',
      '(',
      ')',
      '.',
      '/',
      ' ext. ',
      ' x',
      '#',
      ';ext=',
      'tel:',
      ';phone-context=',
      '٣',
      'a',
    );
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 24 }),
        fc.constantFrom(...countries),
        (parts, country) => {
          expectSame([{ text: parts.join(''), country }]);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
