/**
 * Multi-value cells (tags, additional phones, multi-select custom fields) hold several values
 * separated by a delimiter. Structured sources (JSON arrays) already give a list.
 */
import type { Cell } from '../model/record.ts';
import { cleanText } from './clean-text.ts';

export const DEFAULT_LIST_DELIMITERS: readonly string[] = ['|', ',', ';'];

/** Builds a splitter for a set of one-or-more-character delimiters. */
export function listSplitter(delimiters: readonly string[]): (text: string) => string[] {
  if (delimiters.length === 0) return (text) => [text];
  const pattern = new RegExp(
    delimiters
      .slice()
      .sort((a, b) => b.length - a.length)
      .map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
  );
  return (text) => text.split(pattern);
}

/**
 * The clean, non-blank, de-duplicated parts of a list cell, in first-seen order. Duplicates are
 * found case-insensitively; the first spelling wins.
 *
 * @example
 * splitList(' VIP | partner;vip ', listSplitter(['|', ';']), false); // ['VIP', 'partner']
 */
export function splitList(
  cell: Cell,
  split: (text: string) => string[],
  lowercase: boolean,
): string[] {
  const parts = typeof cell === 'string' ? split(cell) : cell;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    let value = cleanText(part);
    if (value === '') continue;
    if (lowercase) value = value.toLowerCase();
    const key = lowercase ? value : value.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
