import type { Cell, RawRecord } from '../model/record.ts';
import type { ColumnProfile, ColumnStats } from './types.ts';
import {
  isBooleanLike,
  isDateLike,
  isEmailLike,
  isIntegerLike,
  isLinkedInProfile,
  isNumberLike,
  isPhoneLike,
  isSalutation,
  isSocialUrl,
  isUrlLike,
} from './value-patterns.ts';

/** Distinct values kept per column; enough to recognise a select field's options. */
export const DISTINCT_CAP = 50;
/** Sample values shown per column. */
export const SAMPLES_PER_COLUMN = 5;

const LIST_SEPARATOR = /[|;]/;

interface Counter {
  nonEmpty: number;
  email: number;
  phone: number;
  date: number;
  number: number;
  integer: number;
  boolean: number;
  url: number;
  linkedin: number;
  social: number;
  salutation: number;
  multiWord: number;
  list: number;
  listPartCount: number;
  maxLength: number;
  distinct: Set<string>;
  distinctCapped: boolean;
  listParts: Set<string>;
  samples: string[];
}

const newCounter = (): Counter => ({
  nonEmpty: 0,
  email: 0,
  phone: 0,
  date: 0,
  number: 0,
  integer: 0,
  boolean: 0,
  url: 0,
  linkedin: 0,
  social: 0,
  salutation: 0,
  multiWord: 0,
  list: 0,
  listPartCount: 0,
  maxLength: 0,
  distinct: new Set(),
  distinctCapped: false,
  listParts: new Set(),
  samples: [],
});

/** The text of a cell and, when it holds a list, its parts. */
function readCell(cell: Cell | undefined): { text: string; parts: string[] | null } {
  if (cell === undefined) return { text: '', parts: null };
  if (typeof cell !== 'string') {
    const parts = cell.map((p) => p.trim()).filter((p) => p.length > 0);
    return { text: parts.join(', '), parts };
  }
  const text = cell.trim();
  if (!LIST_SEPARATOR.test(text)) return { text, parts: null };
  const parts = text
    .split(LIST_SEPARATOR)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return { text, parts: parts.length >= 2 ? parts : null };
}

function count(c: Counter, cell: Cell | undefined): void {
  const { text, parts } = readCell(cell);
  if (text.length === 0) return;
  c.nonEmpty++;
  c.maxLength = Math.max(c.maxLength, text.length);
  if (c.distinct.has(text)) {
    // seen: nothing new for the distinct list or the samples
  } else if (c.distinct.size < DISTINCT_CAP) {
    c.distinct.add(text);
    if (c.samples.length < SAMPLES_PER_COLUMN) c.samples.push(text);
  } else {
    c.distinctCapped = true;
  }
  if (parts) c.list++;
  for (const p of parts ?? [text]) {
    c.listPartCount++;
    if (c.listParts.size < DISTINCT_CAP) c.listParts.add(p);
  }
  if (isEmailLike(text)) c.email++;
  if (isPhoneLike(text)) c.phone++;
  if (isDateLike(text)) c.date++;
  if (isNumberLike(text)) c.number++;
  if (isIntegerLike(text)) c.integer++;
  if (isBooleanLike(text)) c.boolean++;
  if (isUrlLike(text)) {
    c.url++;
    if (isLinkedInProfile(text)) c.linkedin++;
    else if (isSocialUrl(text)) c.social++;
  }
  if (isSalutation(text)) c.salutation++;
  if (/\S\s+\S/.test(text)) c.multiWord++;
}

function toStats(c: Counter, rows: number): ColumnStats {
  const share = (n: number): number => (c.nonEmpty === 0 ? 0 : n / c.nonEmpty);
  return {
    rows,
    nonEmpty: c.nonEmpty,
    emailShare: share(c.email),
    phoneShare: share(c.phone),
    dateShare: share(c.date),
    numberShare: share(c.number),
    integerShare: share(c.integer),
    booleanShare: share(c.boolean),
    urlShare: share(c.url),
    linkedinShare: share(c.linkedin),
    socialShare: share(c.social),
    salutationShare: share(c.salutation),
    multiWordShare: share(c.multiWord),
    listShare: share(c.list),
    distinct: [...c.distinct],
    distinctCapped: c.distinctCapped,
    listParts: [...c.listParts],
    listPartCount: c.listPartCount,
    maxLength: c.maxLength,
  };
}

/**
 * Describes every column of a file from its header and a sample of its rows: sample values and
 * the value statistics that mapping infers types from. Pure and linear in the sample size;
 * callers pass the first few hundred rows, not the whole file.
 *
 * @example
 * const profiles = profileColumns(['Email', 'Name'], [
 *   { rowNumber: 2, cells: ['ana@example.com', 'Ana Lopez'] },
 * ]);
 * profiles[0].stats.emailShare // 1
 */
export function profileColumns(header: string[], sample: RawRecord[]): ColumnProfile[] {
  const width = sample.reduce((w, r) => Math.max(w, r.cells.length), header.length);
  const counters = Array.from({ length: width }, newCounter);
  for (const record of sample) {
    for (let i = 0; i < width; i++) count(counters[i]!, record.cells[i]);
  }
  return counters.map((c, index) => ({
    index,
    header: header[index] ?? `Column ${index + 1}`,
    samples: c.samples,
    stats: toStats(c, sample.length),
  }));
}
