/**
 * Splits a full name into first and last name, for files that have one Name column.
 */

const PREFIXES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam', 'rev']);
const SUFFIXES = new Set([
  'jr',
  'sr',
  'ii',
  'iii',
  'iv',
  'v',
  'phd',
  'md',
  'esq',
  'dds',
  'cpa',
  'mba',
]);
// Particles that begin a family name: "Ludwig van Beethoven" has the last name "van Beethoven".
const PARTICLES = new Set([
  'van',
  'von',
  'de',
  'del',
  'della',
  'der',
  'den',
  'di',
  'da',
  'du',
  'la',
  'le',
  'st',
  'st.',
  'bin',
  'ibn',
  'al',
  'ter',
  'dos',
  'das',
]);

const bare = (word: string): string => word.toLowerCase().replace(/[.,]/g, '');

export interface NameParts {
  first: string | null;
  last: string | null;
}

/**
 * First and last name from a full name. Salutations (Mr, Dr) are left out; generational and
 * academic suffixes (Jr, PhD) stay with the last name, so nothing the person wrote that belongs
 * to the name is lost. "Last, First" is recognised by its comma.
 *
 * @example
 * splitFullName('Dr. Jane Q. Smith Jr.'); // { first: 'Jane Q.', last: 'Smith Jr.' }
 * splitFullName('Smith, Jane'); // { first: 'Jane', last: 'Smith' }
 * splitFullName('Ludwig van Beethoven'); // { first: 'Ludwig', last: 'van Beethoven' }
 * splitFullName('Cher'); // { first: 'Cher', last: null }
 */
export function splitFullName(full: string): NameParts {
  const comma = full.indexOf(',');
  if (comma >= 0) {
    const before = full.slice(0, comma).trim();
    const after = full.slice(comma + 1).trim();
    const afterWords = after.split(/\s+/);
    // "John Smith, Jr." is not "Last, First": the part after the comma is only a suffix.
    if (afterWords.every((w) => SUFFIXES.has(bare(w)))) {
      const parts = splitFullName(before);
      return { first: parts.first, last: join([parts.last ?? '', after]) };
    }
    const first = dropPrefixes(afterWords);
    return { first: join(first), last: join(dropPrefixes(before.split(/\s+/))) };
  }
  const words = dropPrefixes(full.split(/\s+/).filter((w) => w !== ''));
  const suffixes: string[] = [];
  while (words.length > 1 && SUFFIXES.has(bare(words[words.length - 1]!)))
    suffixes.unshift(words.pop()!);
  if (words.length === 0) return { first: null, last: join(suffixes) };
  if (words.length === 1) return { first: words[0]!, last: join(suffixes) };
  let start = words.length - 1;
  while (start > 1 && PARTICLES.has(words[start - 1]!.toLowerCase())) start--;
  return { first: join(words.slice(0, start)), last: join([...words.slice(start), ...suffixes]) };
}

function dropPrefixes(words: string[]): string[] {
  let i = 0;
  while (i < words.length - 1 && PREFIXES.has(bare(words[i]!))) i++;
  return words.slice(i).filter((w) => w !== '');
}

function join(words: string[]): string | null {
  const text = words.filter((w) => w !== '').join(' ');
  return text === '' ? null : text;
}
