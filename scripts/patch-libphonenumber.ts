/**
 * Makes libphonenumber-js reuse the RegExp objects it builds from its metadata, instead of
 * compiling a new one on every call (`new RegExp('^(?:' + pattern + ')$')` in `matchesEntirely`,
 * `string.search(leadingDigits)`, ...). Compiling was ~45% of the CPU of phone parsing, which
 * is the hottest step of an import (bench/parse-phone.ts). The library has no option or
 * lower-level API to avoid it, so the installed package is patched, as the root `postinstall`:
 *
 *   node bin/run-ts.js scripts/patch-libphonenumber.ts           # patch (idempotent)
 *   node bin/run-ts.js scripts/patch-libphonenumber.ts --check   # exit 1 unless patched
 *
 * Why results cannot change: every patched call site builds a RegExp without flags from a
 * string and only uses it with test/exec/search/replace, which neither read nor keep state on a
 * RegExp without the `g` or `y` flag; so one shared RegExp per source string behaves exactly as a
 * fresh one. The cache holds one entry per metadata pattern, so it is bounded by the metadata.
 * src/core/transform/parse-phone.test.ts also compares the patched library with an unpatched copy.
 *
 * The patch replaces exact source text. When a library update changes that text, the script
 * fails (and with it `npm ci`) instead of silently leaving the import 2x slower: then re-check
 * the call sites below against the new version.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One call site: the exact expression in the library and what it becomes. */
interface Site {
  file: string;
  original: string;
  patched: string;
}

const HELPER = '__rosterCachedRegExp';
const MARKER = '/* roster: RegExp cache, added by scripts/patch-libphonenumber.ts */';

export const SITES: readonly Site[] = [
  {
    // National number and number type patterns: parse, isValid, getNumberType.
    file: 'helpers/matchesEntirely.js',
    original: "new RegExp('^(?:' + regularExpressionText + ')$')",
    patched: `${HELPER}(regularExpressionText, '^(?:', ')$')`,
  },
  {
    // Which country of a shared calling code (+1, +7, +44...) a number belongs to.
    file: 'helpers/getCountryByNationalNumber.js',
    original: 'nationalNumber.search(metadata.leadingDigits())',
    patched: `nationalNumber.search(${HELPER}(metadata.leadingDigits(), '', ''))`,
  },
  {
    // The national (trunk) prefix, stripped from every number.
    file: 'helpers/extractNationalNumberFromPossiblyIncompleteNumber.js',
    original: "new RegExp('^(?:' + metadata.numberingPlan.nationalPrefixForParsing() + ')')",
    patched: `${HELPER}(metadata.numberingPlan.nationalPrefixForParsing(), '^(?:', ')')`,
  },
  {
    // The international dialling prefix of numbers written without `+`.
    file: 'helpers/stripIddPrefix.js',
    original: 'new RegExp(metadata.IDDPrefix())',
    patched: `${HELPER}(metadata.IDDPrefix(), '', '')`,
  },
];

/** The package's compiled copies: ESM (`import`), modern ESM (`core/es6`) and CommonJS. */
export const BUILD_DIRS = ['es6', 'es6-modern', 'build'] as const;

// A function declaration is hoisted with its body, so it works in ESM and CommonJS and wherever
// it sits in the file; `var` and an ES5 body because `build/` is ES5. The cache is keyed by the
// metadata string itself, not by `before + pattern + after`: a concatenated key would be hashed
// anew on every call, and patterns run to thousands of characters (measured: that alone cost
// ~20% of parsing). Each file has one call site, so one wrapping per cache.
const HELPER_SOURCE = `
${MARKER}
function ${HELPER}(pattern, before, after) {
  var cache = ${HELPER}.cache || (${HELPER}.cache = new Map());
  var regExp = cache.get(pattern);
  if (regExp === undefined) {
    regExp = new RegExp(before + pattern + after);
    cache.set(pattern, regExp);
  }
  return regExp;
}
`;

const count = (text: string, part: string): number => text.split(part).length - 1;

/**
 * The patched text of one file, the same text when it is already patched; throws when the
 * library's code is not what this patch was written for.
 */
export function patchSource(text: string, site: Site, path = site.file): string {
  if (text.includes(MARKER)) {
    if (count(text, site.patched) !== 1 || count(text, site.original) !== 0) {
      throw new Error(`${path}: patched before, but the patched call is not found exactly once`);
    }
    return text;
  }
  if (count(text, site.original) !== 1) {
    throw new Error(
      `${path}: expected \`${site.original}\` exactly once; libphonenumber-js changed, so ` +
        'scripts/patch-libphonenumber.ts must be checked against the new version',
    );
  }
  const patched = text.replace(site.original, () => site.patched);
  const map = patched.lastIndexOf('\n//# sourceMappingURL=');
  return map < 0
    ? patched + HELPER_SOURCE
    : patched.slice(0, map) + HELPER_SOURCE + patched.slice(map);
}

/** The original text of a patched file (tests use it to build an unpatched reference copy). */
export function unpatchSource(text: string, site: Site): string {
  if (!text.includes(MARKER)) return text;
  const original = text.replace(HELPER_SOURCE, '').replace(site.patched, () => site.original);
  if (original.includes(MARKER) || original.includes(HELPER)) {
    throw new Error(`${site.file}: patched by another version of this script; reinstall it`);
  }
  return original;
}

/** The installed libphonenumber-js directory, as the project resolves it. */
export function libraryDir(): string {
  const require = createRequire(import.meta.url);
  // The main entry is `index.cjs` at the package root.
  return dirname(require.resolve('libphonenumber-js'));
}

/** Every file the patch touches, with its site. */
export function patchTargets(root: string): { path: string; site: Site }[] {
  return BUILD_DIRS.flatMap((dir) =>
    SITES.map((site) => ({ path: join(root, dir, site.file), site })),
  );
}

/** Patches (or with `check`, only inspects) a package directory; returns the unpatched files. */
export function patchLibrary(root: string, check = false): string[] {
  const unpatched: string[] = [];
  for (const { path, site } of patchTargets(root)) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing; libphonenumber-js changed its layout`);
    }
    const text = readFileSync(path, 'utf8');
    const patched = patchSource(text, site, path);
    if (patched === text) continue;
    unpatched.push(path);
    if (!check) writeFileSync(path, patched);
  }
  return unpatched;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const root = libraryDir();
  const changed = patchLibrary(root, check);
  if (check && changed.length > 0) {
    console.error(`libphonenumber-js is not patched (${changed.length} files): run`);
    console.error('  node bin/run-ts.js scripts/patch-libphonenumber.ts');
    process.exit(1);
  }
  console.log(
    check
      ? `libphonenumber-js in ${root} is patched`
      : `libphonenumber-js in ${root}: ${changed.length} files patched, ` +
          `${patchTargets(root).length - changed.length} already were`,
  );
}
