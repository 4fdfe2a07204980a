/**
 * Phone numbers to E.164. Uses the `max` metadata of libphonenumber-js: measured here at the
 * same speed as `min`, and it checks each number against the country's number patterns rather
 * than only its length, so fewer wrong numbers pass.
 *
 * Speed depends on scripts/patch-libphonenumber.ts, run as the root `postinstall`: the library
 * compiles a new RegExp from its metadata on every check, and the patch makes it reuse them
 * (~50k → ~105k numbers/s on one core, bench/parse-phone.ts) with identical results, which
 * parse-phone.test.ts verifies against an unpatched copy. Without the patch, results are the
 * same and parsing is about half as fast.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { isSupportedCountry } from 'libphonenumber-js/max';

/** True when libphonenumber-js knows this ISO 3166-1 alpha-2 country. */
export function isPhoneCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

export interface ParsedPhone {
  e164: string;
  /** An extension (`ext. 12`, `x12`), which E.164 cannot hold. */
  extension: string | null;
}

/**
 * A phone number in E.164 with its extension, or null when it is not a valid number. National
 * numbers are read in `defaultCountry`; without one, only international numbers (`+...`,
 * `00...`) are valid. The whole text must be the number (`extract: false`): a number is not
 * fished out of a sentence, which would change the value without saying so (and parsing this
 * way was also measured ~10% faster).
 *
 * @example
 * parsePhone('(415) 555-2671 ext. 12', 'US'); // { e164: '+14155552671', extension: '12' }
 */
export function parsePhone(
  text: string,
  defaultCountry: CountryCode | undefined,
): ParsedPhone | null {
  // "00" is the international prefix in most of the world; without a default country the
  // library cannot know that, and spreadsheets often hold numbers written that way.
  const input = text.startsWith('00') ? `+${text.slice(2)}` : text;
  try {
    const parsed = parsePhoneNumberFromString(input, { defaultCountry, extract: false });
    return parsed?.isValid() ? { e164: parsed.number, extension: parsed.ext ?? null } : null;
  } catch {
    // parsePhoneNumberFromString documents no throws; this is a guard so one odd cell can
    // never stop an import.
    return null;
  }
}

/**
 * A phone number in E.164, or null when it is not a valid number (see `parsePhone`).
 *
 * @example
 * toE164('(415) 555-2671', 'US'); // '+14155552671'
 * toE164('0044 20 7946 0958', undefined); // '+442079460958'
 * toE164('12', 'US'); // null
 */
export function toE164(text: string, defaultCountry: CountryCode | undefined): string | null {
  return parsePhone(text, defaultCountry)?.e164 ?? null;
}
