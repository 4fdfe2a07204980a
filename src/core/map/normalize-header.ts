/**
 * Header normalisation: the one place that decides when two header spellings are "the same".
 * `firstName`, `First Name`, `first_name`, `FIRST-NAME` and ` first.name ` all normalise to
 * `first name`; `E-Mail-Adresse` to `email adresse`; `Straße` to `strasse`.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const BRAND_SPLITS = /\b(?:linked in|hub spot|whats app|you tube|face book|i cloud|mail chimp)\b/g;

/**
 * Normalises a header to lowercase words separated by single spaces: accents removed, camelCase
 * and letter/digit boundaries split, punctuation dropped, and `e mail` joined to `email`.
 *
 * @example
 * normalizeHeader('E-mail 2 Address') // 'email 2 address'
 * normalizeHeader('customerFirstName') // 'customer first name'
 */
export function normalizeHeader(raw: string): string {
  let s = raw.replace(/^\uFEFF/, '').trim();
  // Annotations in square brackets are about the file, not the field:
  // "First Name [Required]", "Status [READ ONLY]" (Google Workspace user lists).
  s = s.replace(/\s*\[[^\]]*\]/g, ' ');
  // Letters that NFKD does not decompose but people type in headers.
  s = s.replace(/ß/g, 'ss').replace(/[æÆ]/g, 'ae').replace(/[øØ]/g, 'o').replace(/[œŒ]/g, 'oe');
  s = s.normalize('NFKD').replace(COMBINING_MARKS, '');
  // Possessives: "Assistant's Phone" reads as one word, not "assistant s".
  s = s.replace(/['’`]/g, '');
  s = s
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2');
  s = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  // "E-mail", "e mail" and "e-mails" are the word email.
  s = s.replace(/\be mails?\b/g, 'email');
  // Brand names written in camelCase were split above; join them again.
  s = s.replace(BRAND_SPLITS, (m) => m.replace(/ /g, ''));
  return s;
}

/** A normalised header without spaces: `first name` and `firstname` compare equal. */
export function compactKey(normalized: string): string {
  return normalized.replace(/ /g, '');
}

/**
 * A snake_case key for a custom field, from any spelling of its name.
 *
 * @example
 * snakeCase('companySize') // 'company_size'
 * snakeCase('Annual Revenue (USD)') // 'annual_revenue_usd'
 */
export function snakeCase(raw: string): string {
  return normalizeHeader(raw).replace(/ /g, '_');
}

/** A readable label for a snake_case key: `company_size` → `Company Size`. */
export function labelFromKey(key: string): string {
  return key
    .split('_')
    .filter((w) => w.length > 0)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

const GENERIC_HEADER =
  /^(?:(?:column|col|field|feld|spalte|colonne|columna|coluna|kolom|unnamed|header)\s*)?\d*$/;

/**
 * True when a header says nothing about its column: blank, `Column 3`, `Field 12`, `Unnamed: 4`
 * (pandas), `7`. Such columns are mapped by their values.
 *
 * @example
 * isGenericHeader('Column 3') // true
 */
export function isGenericHeader(raw: string): boolean {
  return GENERIC_HEADER.test(normalizeHeader(raw));
}
