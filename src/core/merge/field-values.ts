import type { FieldValue } from '../model/contact.ts';

/**
 * True for a value that says nothing: null, an empty or whitespace-only string, an empty list.
 *
 * @example
 * isBlank('  ') // true
 * isBlank(0)    // false
 */
export function isBlank(value: FieldValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/**
 * Equality as the `unchanged` outcome needs it: lists as sets (order and repeats do not matter),
 * numbers by value, strings exactly, blank equals blank.
 *
 * @example
 * sameValue(['a', 'b'], ['b', 'a']) // true
 * sameValue('Acme', 'acme')         // false
 */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (isBlank(a) && isBlank(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    const left = new Set<string>(a);
    const right = new Set<string>(b);
    return left.size === right.size && [...left].every((v) => right.has(v));
  }
  return a === b;
}

/**
 * The union of two lists: the stored values in their order, then the new ones not yet present.
 * With `ignoreCase` (tags), `VIP` is already present when `vip` is, and the stored spelling stays.
 *
 * @example
 * unionValues(['vip', 'lead'], ['VIP', 'customer'], true) // ['vip', 'lead', 'customer']
 */
export function unionValues(
  existing: readonly string[],
  added: readonly string[],
  ignoreCase: boolean,
): string[] {
  const norm = (v: string) => (ignoreCase ? v.toLowerCase() : v);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of [...existing, ...added]) {
    const k = norm(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

/** A value as a list: lists as they are, a single value as a list of one, blank as empty. */
export function asList(value: FieldValue | undefined): string[] {
  if (isBlank(value)) return [];
  if (Array.isArray(value)) return [...(value as readonly string[])];
  return [String(value)];
}
