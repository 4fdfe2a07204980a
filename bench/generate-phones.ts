/**
 * Deterministic phone cells for the phone-parsing benchmark and its tests: the two US shapes
 * that bench/generate-contacts.ts writes, plus the international, `00`-prefixed, national,
 * extension and broken cells that real contact exports hold. Random digits make a realistic mix
 * of valid and invalid numbers.
 */
import { prng } from './generate-contacts.ts';

/** A phone cell and the default country the import would read it with. */
export interface PhoneCase {
  text: string;
  country: 'US' | 'GB' | 'DE' | 'FR' | 'IN' | 'BR' | 'JP' | undefined;
}

const digits = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
  return s;
};
const area = (r: () => number): number => 200 + Math.floor(r() * 700);

/** International prefixes with a national number length, written with `+` or `00`. */
const ABROAD: readonly [string, number][] = [
  ['44 20', 8],
  ['44 7', 9],
  ['49 30', 8],
  ['49 151', 8],
  ['33 6', 8],
  ['34 6', 8],
  ['81 3', 8],
  ['86 138', 8],
  ['91 98', 8],
  ['353 87', 7],
  ['55 11 9', 8],
  ['7 495', 7],
  ['61 4', 8],
  ['1 876', 7],
];

/** One random cell; the same generator state always gives the same cell. */
export function phoneCase(r: () => number): PhoneCase {
  const kind = r();
  if (kind < 0.35) {
    // bench/generate-contacts.ts shapes, read as US numbers.
    return {
      text: r() < 0.5 ? `+1 ${area(r)}-555-${digits(r, 4)}` : `(${area(r)}) 555-${digits(r, 4)}`,
      country: 'US',
    };
  }
  if (kind < 0.5) {
    const a = area(r);
    const shapes = [
      `${a}.${digits(r, 3)}.${digits(r, 4)}`,
      `1-${a}-${digits(r, 3)}-${digits(r, 4)}`,
      `${a}${digits(r, 7)}`,
      `(${a}) ${digits(r, 3)}-${digits(r, 4)} ext. ${digits(r, 1 + Math.floor(r() * 4))}`,
      `${a}-${digits(r, 3)}-${digits(r, 4)} x${digits(r, 3)}`,
    ];
    return { text: shapes[Math.floor(r() * shapes.length)]!, country: 'US' };
  }
  if (kind < 0.8) {
    const [prefix, n] = ABROAD[Math.floor(r() * ABROAD.length)]!;
    const lead = r() < 0.7 ? '+' : '00';
    const country = r() < 0.7 ? 'US' : undefined;
    return { text: `${lead}${prefix} ${digits(r, n)}`, country };
  }
  if (kind < 0.95) {
    // National numbers in their own country, with a trunk prefix.
    const national: PhoneCase[] = [
      { text: `020 ${digits(r, 4)} ${digits(r, 4)}`, country: 'GB' },
      { text: `07${digits(r, 3)} ${digits(r, 6)}`, country: 'GB' },
      { text: `030 ${digits(r, 8)}`, country: 'DE' },
      { text: `0151 ${digits(r, 8)}`, country: 'DE' },
      { text: `06 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`, country: 'FR' },
      { text: `0${digits(r, 10)}`, country: 'IN' },
      { text: `(11) 9${digits(r, 4)}-${digits(r, 4)}`, country: 'BR' },
      { text: `0 15 11 9${digits(r, 8)}`, country: 'BR' },
      { text: `03-${digits(r, 4)}-${digits(r, 4)}`, country: 'JP' },
    ];
    return national[Math.floor(r() * national.length)]!;
  }
  // Broken cells: too short, too long, letters, empty, bare punctuation.
  const broken = [
    digits(r, 1 + Math.floor(r() * 6)),
    digits(r, 16 + Math.floor(r() * 4)),
    `call ${area(r)} ${digits(r, 7)}`,
    '',
    '+',
    '--',
    `+${digits(r, 3)}`,
    `00${digits(r, 12)}`,
  ];
  return {
    text: broken[Math.floor(r() * broken.length)]!,
    country: r() < 0.5 ? 'US' : undefined,
  };
}

/** `n` phone cases from `seed`. */
export function phoneCases(n: number, seed = 7): PhoneCase[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => phoneCase(r));
}
