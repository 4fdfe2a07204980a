/**
 * Yes/no values in the words contact files use: spreadsheet checkboxes, CRM exports, consent
 * columns (`opted in`, `unsubscribed`). Column mapping infers boolean columns with the same
 * words (map/value-patterns.ts), so a column typed boolean always imports.
 */

const TRUE_WORDS = [
  'true',
  't',
  'yes',
  'y',
  '1',
  'x',
  '✓',
  '✔',
  'on',
  'checked',
  'opted in',
  'opted-in',
  'opt in',
  'opt-in',
  'optin',
  'subscribed',
  'confirmed',
  'ja',
  'oui',
  'sí',
  'si',
  'sim',
  'wahr',
  'vrai',
  'verdadero',
];
const FALSE_WORDS = [
  'false',
  'f',
  'no',
  'n',
  '0',
  'off',
  'unchecked',
  'opted out',
  'opted-out',
  'opt out',
  'opt-out',
  'optout',
  'unsubscribed',
  'not subscribed',
  'nein',
  'non',
  'não',
  'nao',
  'falsch',
  'faux',
  'falso',
];

const WORDS = new Map<string, boolean>([
  ...TRUE_WORDS.map((w): [string, boolean] => [w, true]),
  ...FALSE_WORDS.map((w): [string, boolean] => [w, false]),
]);

/**
 * A boolean, or null when the word is not a yes/no word.
 *
 * @example
 * parseBoolean('Opted In'); // true
 * parseBoolean('unsubscribed'); // false
 * parseBoolean('maybe'); // null
 */
export function parseBoolean(text: string): boolean | null {
  return WORDS.get(text.toLowerCase().replace(/\s+/g, ' ')) ?? null;
}
