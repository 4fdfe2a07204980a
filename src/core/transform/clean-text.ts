/**
 * Text cleaning shared by every field type: the first thing each cell goes through.
 */

/**
 * Characters after which Roster's exports insert a protective apostrophe: those a spreadsheet
 * reads as the start of a formula, and their full-width forms (＝ ＋ － ＠), which some
 * spreadsheet versions treat the same way.
 */
const FORMULA_STARTS = new Set([
  '=',
  '+',
  '-',
  '@',
  '\t',
  '\r',
  '\uff1d',
  '\uff0b',
  '\uff0d',
  '\uff20',
]);

// Most contact data is ASCII, and ASCII is already NFC: skipping normalize() for it is the
// single biggest saving on the per-cell path.
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Makes a value safe to open in a spreadsheet: a value starting with `= + - @ tab CR` (or a
 * full-width `＝ ＋ － ＠`) gets a
 * leading apostrophe, so Excel shows it as text instead of running it as a formula. Roster's
 * import removes exactly this guard again (`unguardFormula`), so files round-trip.
 *
 * @example
 * guardFormula('=HYPERLINK("http://x")'); // `'=HYPERLINK("http://x")`
 * guardFormula('+15551234567'); // "'+15551234567"
 */
export function guardFormula(value: string): string {
  return value.length > 0 && FORMULA_STARTS.has(value[0]!) ? `'${value}` : value;
}

/**
 * Undoes exactly the formula guard of Roster's own export: an apostrophe followed by one of
 * `= + - @ tab CR` (or their full-width forms) loses the apostrophe. Any other apostrophe (`'Tis`, `O'Brien`) stays.
 *
 * @example
 * unguardFormula("'+15551234567"); // '+15551234567'
 * unguardFormula("'hello"); // "'hello"
 */
export function unguardFormula(raw: string): string {
  return raw.length > 1 && raw.charCodeAt(0) === 39 && FORMULA_STARTS.has(raw[1]!)
    ? raw.slice(1)
    : raw;
}

/**
 * A cell as clean text: export guard removed, trimmed, Unicode NFC (so `é` typed as `e` + accent
 * and `é` as one code point compare equal).
 *
 * @example
 * cleanText("  Jose\u0301 "); // 'José'
 */
export function cleanText(raw: string): string {
  const text = unguardFormula(raw).trim();
  return NON_ASCII.test(text) ? text.normalize('NFC') : text;
}

// Words kept lower-case inside a title-cased name unless they come first.
const SMALL_WORDS = new Set(['and', 'of', 'the', 'for', 'de', 'la', 'du', 'van', 'von', 'y', 'e']);

/**
 * Title case for company names: each word capitalised, the rest of the word lower-cased, except
 * words that are already written with inner capitals or all caps of up to 4 letters (`IBM`,
 * `McDonald`, `eBay`), which a person wrote on purpose. A name that is all capitals is
 * title-cased throughout.
 *
 * @example
 * titleCase('acme widgets of the north'); // 'Acme Widgets of the North'
 * titleCase('IBM global services'); // 'IBM Global Services'
 */
export function titleCase(text: string): string {
  let first = true;
  // A name written all in capitals is shouting, not a set of acronyms.
  const source = text === text.toUpperCase() ? text.toLowerCase() : text;
  return source.replace(/[\p{L}\p{N}][\p{L}\p{N}'’.&]*/gu, (word) => {
    const isFirst = first;
    first = false;
    const lower = word.toLowerCase();
    if (!isFirst && SMALL_WORDS.has(lower)) return lower;
    const rest = word.slice(1);
    const hasInnerCaps = rest !== rest.toLowerCase();
    const isAllCaps = word === word.toUpperCase() && word !== lower;
    if (hasInnerCaps && !(isAllCaps && word.length > 4)) return word;
    return word.charAt(0).toUpperCase() + rest.toLowerCase();
  });
}
