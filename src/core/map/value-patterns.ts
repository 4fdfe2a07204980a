/**
 * Recognisers for what a single cell value looks like. They are deliberately cheap and a little
 * lenient: mapping looks at shares over a sample, so one odd value does not matter, and the
 * transform and validate stages do the strict parsing later.
 */
import { parseBoolean } from '../transform/parse-boolean.ts';

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]{2,}$/;

/**
 * True for a value that is one email address (a `mailto:` prefix is allowed).
 *
 * @example
 * isEmailLike('ana@example.com') // true
 * isEmailLike('Ana Lopez (ana@example.com)') // false
 */
export function isEmailLike(value: string): boolean {
  const v = value.trim().replace(/^mailto:/i, '');
  return v.length <= 254 && EMAIL.test(v);
}

const PHONE_CHARS = /^\+?[\d\s().\-/]+$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const PHONE_EXTENSION = /\s*(?:ext\.?|x|#)\s*\d{1,6}$/i;

/**
 * True for a value shaped like a phone number: 7 to 15 digits with phone punctuation, or a bare
 * run of 10 to 15 digits (9 when it starts with a trunk 0). Dates and decimals are not phones.
 * Spreadsheet exports sometimes prefix numbers with `'` to keep them as text; that is ignored.
 *
 * @example
 * isPhoneLike('+1 (415) 555-0101') // true
 * isPhoneLike('2024-03-12') // false
 */
export function isPhoneLike(value: string): boolean {
  const v = value.trim().replace(/^'/, '').replace(PHONE_EXTENSION, '');
  if (!PHONE_CHARS.test(v)) return false;
  const digits = v.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (/^\d+$/.test(v)) {
    return digits.length >= 10 || (v.startsWith('0') && digits.length >= 9);
  }
  if (/^\d+\.\d+$/.test(v) || IPV4.test(v) || isDateLike(v)) return false;
  return true;
}

const MONTHS = new Set(
  (
    'jan feb mar apr may jun jul aug sep sept oct nov dec january february march ' +
    'april june july august september october november december mai okt dez maerz ' +
    'marz juni juli januar februar oktober dezember janv fevr avr juil aout ene abr ' +
    'ago dic'
  ).split(' '),
);

const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC)?)?$/i;
const YMD_SLASH = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/;
const DMY_OR_MDY =
  /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?$/;
const DAY_MONTHNAME = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?[\s,-]+(\d{2}|\d{4})$/;
const MONTHNAME_DAY = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/;

const inRange = (n: number, lo: number, hi: number): boolean => n >= lo && n <= hi;

/**
 * True for a value written as a calendar date or timestamp in one of the common spreadsheet
 * forms: ISO 8601, `2024/03/12`, `03/12/2024`, `12.03.2024`, `12 Mar 2024`, `Mar 12, 2024`,
 * `7-Feb-22`.
 *
 * @example
 * isDateLike('12 Mar 2024') // true
 * isDateLike('0/0/00') // false (Outlook's empty date)
 */
export function isDateLike(value: string): boolean {
  const v = value.trim();
  let m = ISO_DATE.exec(v) ?? YMD_SLASH.exec(v);
  if (m) return inRange(Number(m[2]), 1, 12) && inRange(Number(m[3]), 1, 31);
  m = DMY_OR_MDY.exec(v);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12);
  }
  m = DAY_MONTHNAME.exec(v);
  if (m) return inRange(Number(m[1]), 1, 31) && MONTHS.has(m[2]!.toLowerCase());
  m = MONTHNAME_DAY.exec(v);
  if (m) return MONTHS.has(m[1]!.toLowerCase()) && inRange(Number(m[2]), 1, 31);
  return false;
}

/** The year of a date-like value when it is written with four digits, else null. */
export function yearOf(value: string): number | null {
  const m = /(?:^|\D)(\d{4})(?:\D|$)/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

const NUMBER = /^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$/;
const NUMBER_DECIMAL_COMMA = /^[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+),\d+$/;

/**
 * True for a plain number: `42`, `-3.5`, `1,234.50`, or with a decimal comma `1.234,5`.
 *
 * @example
 * isNumberLike('1,234.50') // true
 */
export function isNumberLike(value: string): boolean {
  const v = value.trim();
  return NUMBER.test(v) || NUMBER_DECIMAL_COMMA.test(v);
}

/** True for a whole number without separators: `42`, `-7`. */
export function isIntegerLike(value: string): boolean {
  return /^[+-]?\d+$/.test(value.trim());
}

/**
 * True for a value that spells a yes/no answer: exactly the words the transform stage imports
 * as booleans (English, German, French, Spanish, Portuguese, 1/0, checkmarks, consent words),
 * so a column inferred as boolean never has its values rejected on import.
 *
 * @example
 * isBooleanLike('Yes') // true
 */
export function isBooleanLike(value: string): boolean {
  return parseBoolean(value.trim()) !== null;
}

const URL_WITH_SCHEME = /^(?:https?:\/\/|www\.)[^\s]+$/i;
const BARE_DOMAIN =
  /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.([a-z]{2,24})(?:[/?#][^\s]*)?$/i;
/**
 * Top-level domains accepted without a scheme. Two-letter country domains always count; longer
 * ones only from this list, so that "kris.marrier" (a Skype name) is not a web address.
 */
const GENERIC_TLDS = new Set(
  (
    'com org net edu gov mil int info biz name pro io ai app dev tech shop store online site ' +
    'website blog cloud agency digital media studio design email company solutions services ' +
    'group global world life live news social xyz top club art health law finance capital ' +
    'consulting marketing software systems network center academy example test invalid'
  ).split(' '),
);

/**
 * True for a web address, with or without a scheme (`https://acme.io/x`, `www.acme.io`,
 * `acme.io`). Email addresses are not URLs.
 *
 * @example
 * isUrlLike('acme.co') // true
 */
export function isUrlLike(value: string): boolean {
  const v = value.trim();
  if (v.includes('@') && !URL_WITH_SCHEME.test(v)) return false;
  if (URL_WITH_SCHEME.test(v)) return true;
  const m = BARE_DOMAIN.exec(v);
  if (!m) return false;
  const tld = m[1]!.toLowerCase();
  return tld.length === 2 || GENERIC_TLDS.has(tld);
}

/**
 * True for a LinkedIn profile of a person (`linkedin.com/in/...`, `/pub/...`); company pages
 * are not profiles.
 *
 * @example
 * isLinkedInProfile('https://www.linkedin.com/in/ada-lovelace/') // true
 */
export function isLinkedInProfile(value: string): boolean {
  return /(?:^|[/.])linkedin\.com\/(?:in|pub)\/[^\s]+/i.test(value.trim());
}

const SOCIAL_HOST =
  /(?:^|[/.])(?:facebook\.com|fb\.com|twitter\.com|x\.com|instagram\.com|youtube\.com|tiktok\.com|linkedin\.com\/company)\b/i;

/** True for an address on a social network that is not a person's LinkedIn profile. */
export function isSocialUrl(value: string): boolean {
  return SOCIAL_HOST.test(value.trim());
}

const SALUTATIONS = new Set(
  (
    'mr|mrs|ms|miss|mx|dr|prof|sir|madam|dame|lord|lady|rev|mme|mlle|m|herr|frau|hr|' +
    'fr|sr|sra|srta|don|dona|dhr|mevr|mr and mrs|mr mrs|dr med|prof dr'
  ).split('|'),
);

/**
 * True for a salutation such as `Mr.`, `Ms`, `Dr.`, `Frau`, `Mme` (Outlook's "Title" column
 * holds these; it is not a job title).
 *
 * @example
 * isSalutation('Mrs.') // true
 */
export function isSalutation(value: string): boolean {
  const v = value
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z]+/g, ' ')
    .trim();
  return v.length > 0 && SALUTATIONS.has(v);
}
