import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';

/** A small deterministic PRNG (mulberry32) so every run benchmarks the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIRST_NAMES = [
  'John',
  'Jane',
  'María',
  'Wei',
  'Olivia',
  'Jürgen',
  'Chloé',
  'Ahmed',
  'Priya',
  'Sakura',
  'Liam',
  'Noah',
];
const LAST = [
  'Doe',
  'Smith',
  'García',
  'Li',
  "O'Brien",
  'Müller',
  'Lefèvre',
  'Khan',
  'Patel',
  'Tanaka',
  'Brown',
];
const COMPANY = [
  'Acme Inc',
  'Tech Corp',
  'Green, Field & Co',
  'Soluciones SL',
  'Northwind',
  'Contoso Ltd',
  'Initech',
];
const CITY = [
  'Boston',
  'Madrid',
  'Berlin',
  'Paris',
  'Tokyo',
  'Shanghai',
  'Dublin',
  'Austin',
  'Pune',
];
const COUNTRY = [
  'United States',
  'Spain',
  'Germany',
  'France',
  'Japan',
  'China',
  'Ireland',
  'India',
];
const TAGS = ['customer', 'vip', 'lead', 'partner', 'event-2025', 'newsletter', 'trial'];
const INDUSTRY = ['SaaS', 'Retail', 'Technology', 'Manufacturing', 'Finance', 'Healthcare'];
export const CONTACT_HEADER = [
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
  'notes',
];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One contact row as 12 strings; row i always gives the same values. */
export function contactRow(i: number, r: () => number): string[] {
  const first = pick(r, FIRST_NAMES);
  const last = pick(r, LAST);
  const phone =
    r() < 0.5
      ? `+1 ${200 + Math.floor(r() * 700)}-555-${String(Math.floor(r() * 10000)).padStart(4, '0')}`
      : `(${200 + Math.floor(r() * 700)}) 555-${String(Math.floor(r() * 10000)).padStart(4, '0')}`;
  const tags = [pick(r, TAGS), pick(r, TAGS)].join('|');
  const day = 1 + Math.floor(r() * 28);
  return [
    `user${i}@example${i % 97}.com`,
    first,
    last,
    pick(r, COMPANY),
    phone,
    tags,
    pick(r, CITY),
    pick(r, COUNTRY),
    String(Math.floor(r() * 101)),
    `2025-10-${String(day).padStart(2, '0')}T14:30:00Z`,
    pick(r, INDUSTRY),
    r() < 0.1 ? 'Met at "the" conference, follow up' : '',
  ];
}

/**
 * Writes `rows` contact rows as CSV to `path` (once: an existing file is reused).
 *
 * @example
 * await generateContactsCsv('bench/data/contacts-1000000.csv', 1_000_000);
 */
export async function generateContactsCsv(path: string, rows: number): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const r = prng(42);
  let buf = CONTACT_HEADER.join(',') + '\n';
  for (let i = 0; i < rows; i++) {
    buf += contactRow(i, r).map(csvCell).join(',') + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  renameSync(tmp, path);
}
