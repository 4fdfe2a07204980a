/**
 * Data of the import benchmark (bench/import.ts): the file to import and the contacts the
 * database already holds, both from one deterministic generator so that the file's "update"
 * rows name existing contacts.
 *
 * File rows, by kind: ~67% new contacts, ~30% updates of existing contacts (same email, other
 * values, the email's case sometimes changed), ~2% invalid (an email that cannot be one), ~1%
 * repeats of an earlier row's email. The exact number of each kind is written beside the file
 * (`.json`), so a run's counters can be checked exactly.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { FIRST_NAMES, prng } from './generate-contacts.ts';

/** The 12 columns of the file: tags, phones in mixed formats, two custom fields. */
export const IMPORT_HEADER = [
  'email',
  'first_name',
  'last_name',
  'company',
  'phone',
  'tags',
  'city',
  'country',
  'lead_score',
  'created_at',
  'custom_industry',
  'custom_plan',
] as const;

export interface FileKinds {
  rows: number;
  create: number;
  update: number;
  invalid: number;
  repeat: number;
}

const FIRST = [
  ...FIRST_NAMES,
  ...['Emma', 'Lucas', 'Fatima', 'Mateo', 'Aiko', 'Sofia', 'Omar', 'Ingrid', 'Pierre', 'Ana'],
  ...['Kwame', 'Elena'],
];
// Surnames from syllables (8,000 of them) and companies from two words (900 × 4 suffixes), so
// that two different people rarely share name and company: possible-duplicate detection then
// finds what it would in real data, not a match for every row.
const SYL = [
  'an',
  'ber',
  'cal',
  'dor',
  'el',
  'fen',
  'gar',
  'hol',
  'is',
  'jan',
  'kel',
  'lin',
  'mor',
  'nas',
  'ol',
  'pet',
  'quin',
  'ros',
  'sen',
  'tor',
];
const WORD = [
  'Acme',
  'Blue',
  'Cedar',
  'Delta',
  'Echo',
  'Falcon',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Maple',
  'Nova',
  'Orbit',
  'Pine',
  'Quartz',
  'River',
  'Summit',
  'Tide',
  'Umber',
  'Vertex',
  'Willow',
  'Xenon',
  'Yarrow',
  'Zephyr',
  'Atlas',
  'Beacon',
  'Crest',
  'Drift',
];
const SUFFIX = ['Inc', 'Ltd', 'GmbH', 'SL'];
const CITY = ['Boston', 'Madrid', 'Berlin', 'Paris', 'Tokyo', 'London', 'Dublin', 'Austin'];
const COUNTRY = ['United States', 'Spain', 'Germany', 'France', 'Japan', 'United Kingdom'];
const TAGS = ['customer', 'vip', 'lead', 'partner', 'event-2025', 'newsletter', 'trial'];
const INDUSTRY = ['SaaS', 'Retail', 'Technology', 'Manufacturing', 'Finance', 'Healthcare'];
const PLAN = ['free', 'starter', 'pro', 'enterprise'];
const AREA = [212, 312, 415, 512, 617, 646, 206, 303, 404, 702];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: () => number, n: number): string =>
  String(Math.floor(r() * 10 ** n)).padStart(n, '0');
const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A valid phone number, national (US, read with the default country) or international. */
function phone(r: () => number): string {
  const area = pick(r, AREA);
  const exchange = 200 + Math.floor(r() * 700);
  const line = digits(r, 4);
  switch (Math.floor(r() * 8)) {
    case 0:
      return `(${area}) ${exchange}-${line}`;
    case 1:
      return `${area}.${exchange}.${line}`;
    case 2:
      return `${area}-${exchange}-${line}`;
    case 3:
      return `+1 ${area} ${exchange} ${line}`;
    case 4:
      return `+1${area}${exchange}${line}`;
    case 5:
      return `+44 20 7${digits(r, 3)} ${digits(r, 4)}`;
    case 6:
      return `+49 30 ${digits(r, 8)}`;
    default:
      return `+33 1 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`;
  }
}

function surname(r: () => number): string {
  const s = pick(r, SYL) + pick(r, SYL) + pick(r, SYL);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The email of existing contact `k` (the seed and the file's update rows agree on it). */
export function existingEmail(k: number): string {
  return `contact${k}@company${k % 97}.com`;
}

/** One contact's 12 values (after the email) from the generator `r`. */
export function contactValues(email: string, r: () => number): string[] {
  const day = 1 + Math.floor(r() * 28);
  return [
    email,
    pick(r, FIRST),
    surname(r),
    `${pick(r, WORD)} ${pick(r, WORD)} ${pick(r, SUFFIX)}`,
    phone(r),
    [pick(r, TAGS), pick(r, TAGS)].join('|'),
    pick(r, CITY),
    pick(r, COUNTRY),
    String(Math.floor(r() * 101)),
    `2025-10-${String(day).padStart(2, '0')}T14:30:00Z`,
    pick(r, INDUSTRY),
    pick(r, PLAN),
  ];
}

/**
 * Yields the rows of the import file (without header) and counts their kinds into `kinds`.
 * `existing` is how many contacts the database holds; update rows name distinct ones.
 */
export function* importRows(rows: number, existing: number, kinds: FileKinds): Generator<string[]> {
  const r = prng(7);
  const recent: string[] = [];
  let updates = 0;
  for (let i = 0; i < rows; i++) {
    const x = r();
    let email: string;
    let repeatable = true;
    if (x < 0.02) {
      kinds.invalid++;
      email = i % 2 === 0 ? `no-at-sign.${i}.example.com` : `user${i}@@example.com`;
      repeatable = false;
    } else if (x < 0.03 && recent.length > 0) {
      kinds.repeat++;
      email = recent[Math.floor(r() * recent.length)]!;
      repeatable = false;
    } else if (x < 0.33 && updates < existing) {
      kinds.update++;
      // A stride coprime with most sizes spreads the updated contacts over the whole table.
      const k = (updates++ * 7919) % existing;
      email = existingEmail(k);
      if (k % 10 === 0) email = email.toUpperCase();
    } else {
      kinds.create++;
      email = `new${i}@mail${i % 89}.net`;
    }
    if (repeatable) {
      if (recent.length < 10_000) recent.push(email);
      else recent[i % 10_000] = email;
    }
    kinds.rows++;
    yield contactValues(email, r);
  }
}

/** Where the file of `rows` rows over `existing` contacts lives, and its kinds file. */
export function importFilePath(rows: number, existing: number): string {
  return `bench/data/import-${rows}-over-${existing}.csv`;
}

/**
 * Writes the import file (once: an existing file is reused) and returns the count of each kind.
 *
 * @example
 * const kinds = await generateImportCsv(1_000_000, 1_000_000); // kinds.update ≈ 300,000
 */
export async function generateImportCsv(rows: number, existing: number): Promise<FileKinds> {
  const path = importFilePath(rows, existing);
  const kindsPath = `${path}.json`;
  if (existsSync(path) && existsSync(kindsPath)) {
    return JSON.parse(readFileSync(kindsPath, 'utf8')) as FileKinds;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const kinds: FileKinds = { rows: 0, create: 0, update: 0, invalid: 0, repeat: 0 };
  let buf = IMPORT_HEADER.join(',') + '\n';
  for (const row of importRows(rows, existing, kinds)) {
    buf += row.map(csvCell).join(',') + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  renameSync(tmp, path);
  await writeFile(kindsPath, JSON.stringify(kinds));
  return kinds;
}

/** The existing contacts' rows, in the same 12-column shape as the file. */
export function* existingRows(existing: number): Generator<string[]> {
  const r = prng(11);
  for (let k = 0; k < existing; k++) yield contactValues(existingEmail(k), r);
}
