import { createHash } from 'node:crypto';

/** ASCII unit separator. */
const SEPARATOR = '\u001f';

/**
 * A stable fingerprint of a header row, used to remember a confirmed mapping per tenant
 * (`mapping_presets`). Order matters (the same names in another order are another file
 * layout); case and whitespace do not ("First  Name " equals "first name"), and a UTF-8 byte
 * order mark is ignored. Punctuation does matter: "first_name" and "First Name" are different
 * layouts, even though both map to the same field.
 *
 * @example
 * headerFingerprint(['Email', 'First Name']) === headerFingerprint([' email', 'FIRST   NAME'])
 * // true
 */
export function headerFingerprint(header: string[]): string {
  const normalized = header.map((h) =>
    h
      .replace(/^\uFEFF/, '')
      .normalize('NFC')
      .split(SEPARATOR)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase(),
  );
  // The separator cannot appear in a normalised header, so ["a,b"] and ["a", "b"] differ.
  const text = ['roster-header-v1', String(normalized.length), ...normalized].join(SEPARATOR);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
