import { STANDARD_FIELDS } from '../model/fields.ts';
import { compactKey, normalizeHeader } from './normalize-header.ts';
import {
  BLOCKED_PHRASES,
  BLOCKED_WORDS,
  ID_OWNER_WORDS,
  QUALIFIERS,
  SYNONYM_GROUPS,
  type Qualifier,
} from './synonyms.ts';

/** A field a header names, and how sure that is. */
export interface HeaderMatch {
  field: string;
  /** 0..1 */
  confidence: number;
  method: 'exact' | 'synonym' | 'fuzzy';
}

interface Entry {
  field: string;
  weight: number;
  method: 'exact' | 'synonym';
  /** The phrase as normalised (with spaces), for fuzzy matching. */
  phrase: string;
}

/** Fields an import may write; everything else is never suggested. */
export const IMPORTABLE_FIELDS: ReadonlySet<string> = new Set(
  STANDARD_FIELDS.filter((f) => f.importable).map((f) => f.key),
);

function buildTable(): Map<string, Entry> {
  const table = new Map<string, Entry>();
  const put = (raw: string, entry: Omit<Entry, 'phrase'>): void => {
    const phrase = normalizeHeader(raw);
    const key = compactKey(phrase);
    if (key.length === 0 || !IMPORTABLE_FIELDS.has(entry.field)) return;
    const existing = table.get(key);
    // Exact names outrank synonyms; otherwise the first definition stays.
    if (!existing || (existing.method === 'synonym' && entry.method === 'exact')) {
      table.set(key, { ...entry, phrase });
    }
  };
  for (const f of STANDARD_FIELDS) {
    if (!f.importable) continue;
    put(f.key, { field: f.key, weight: 1, method: 'exact' });
    if (!f.virtual) put(f.label, { field: f.key, weight: 1, method: 'exact' });
  }
  put('Full Name', { field: 'full_name', weight: 1, method: 'exact' });
  for (const group of SYNONYM_GROUPS) {
    for (const phrase of group.phrases.split('|')) {
      put(phrase, { field: group.field, weight: group.weight, method: 'synonym' });
    }
  }
  return table;
}

const TABLE = buildTable();

/** Every phrase the mapper knows, for tests and documentation. */
export function knownPhrases(): ReadonlyMap<string, { field: string; weight: number }> {
  return TABLE;
}

interface PreparedQualifier extends Qualifier {
  tokens: string[];
  /** The phrase without spaces, to find it inside run-together names. */
  compact: string;
}

const PREPARED_QUALIFIERS: PreparedQualifier[] = QUALIFIERS.map((q) => {
  const tokens = normalizeHeader(q.phrase).split(' ');
  return { ...q, tokens, compact: tokens.join('') };
})
  // longest first, so "default address" is taken before "default"
  .sort((a, b) => b.tokens.length - a.tokens.length);

const BLOCKED_PHRASE_KEYS = BLOCKED_PHRASES.map((p) => ` ${normalizeHeader(p)} `);

/** True when a header is about something that is never a contact field (see BLOCKED_WORDS). */
export function isBlockedHeader(normalized: string): boolean {
  const tokens = normalized.split(' ');
  if (tokens.some((t) => BLOCKED_WORDS.has(t))) return true;
  const padded = ` ${normalized} `;
  return BLOCKED_PHRASE_KEYS.some((p) => padded.includes(p));
}

interface State {
  tokens: string[];
  factor: number;
  onlyFor: ReadonlySet<string> | null;
}

const STEP_COST = 0.99;
const LATER_ORDINAL = 0.9;
const MAX_STEPS = 5;

const startsWith = (tokens: string[], part: string[]): boolean =>
  part.length < tokens.length && part.every((t, i) => tokens[i] === t);
const endsWith = (tokens: string[], part: string[]): boolean =>
  part.length < tokens.length &&
  part.every((t, i) => tokens[tokens.length - part.length + i] === t);

function restrict(
  onlyFor: ReadonlySet<string> | null,
  q: PreparedQualifier,
): ReadonlySet<string> | null {
  if (!q.onlyFor) return onlyFor;
  const next = new Set(q.onlyFor);
  if (onlyFor) for (const f of next) if (!onlyFor.has(f)) next.delete(f);
  return next;
}

/** The states one stripping step away: a qualifier off either end, or an ordinal number. */
function nextStates(s: State): State[] {
  const out: State[] = [];
  for (const q of PREPARED_QUALIFIERS) {
    if (q.at !== 'trail' && startsWith(s.tokens, q.tokens)) {
      out.push({
        tokens: s.tokens.slice(q.tokens.length),
        factor: s.factor * q.factor * STEP_COST,
        onlyFor: restrict(s.onlyFor, q),
      });
    }
    if (q.at !== 'lead' && endsWith(s.tokens, q.tokens)) {
      out.push({
        tokens: s.tokens.slice(0, s.tokens.length - q.tokens.length),
        factor: s.factor * q.factor * STEP_COST,
        onlyFor: restrict(s.onlyFor, q),
      });
    }
    // Run-together names: Salesforce's Data Loader writes "MAILINGSTREET", "MOBILEPHONE".
    const first = s.tokens[0]!;
    if (q.at !== 'trail' && first.length >= q.compact.length + 3 && first.startsWith(q.compact)) {
      out.push({
        tokens: [first.slice(q.compact.length), ...s.tokens.slice(1)],
        factor: s.factor * q.factor * STEP_COST,
        onlyFor: restrict(s.onlyFor, q),
      });
    }
    const end = s.tokens[s.tokens.length - 1]!;
    if (q.at !== 'lead' && end.length >= q.compact.length + 3 && end.endsWith(q.compact)) {
      out.push({
        tokens: [...s.tokens.slice(0, -1), end.slice(0, end.length - q.compact.length)],
        factor: s.factor * q.factor * STEP_COST,
        onlyFor: restrict(s.onlyFor, q),
      });
    }
    // German Outlook puts the qualifier before the line number: "Straße geschäftlich 2".
    const last = s.tokens[s.tokens.length - 1]!;
    const body = s.tokens.slice(0, -1);
    if (q.at !== 'lead' && /^\d$/.test(last) && endsWith(body, q.tokens)) {
      out.push({
        tokens: [...body.slice(0, body.length - q.tokens.length), last],
        factor: s.factor * q.factor * STEP_COST,
        onlyFor: restrict(s.onlyFor, q),
      });
    }
  }
  s.tokens.forEach((t, i) => {
    if (s.tokens.length < 2 || !/^\d{1,2}$/.test(t)) return;
    const n = Number(t);
    if (n > 20) return;
    out.push({
      tokens: [...s.tokens.slice(0, i), ...s.tokens.slice(i + 1)],
      factor: s.factor * (n >= 2 ? LATER_ORDINAL : 1) * STEP_COST,
      onlyFor: s.onlyFor,
    });
  });
  return out;
}

function lookup(tokens: string[], onlyFor: ReadonlySet<string> | null): Entry | undefined {
  const entry = TABLE.get(tokens.join(''));
  if (!entry || (onlyFor && !onlyFor.has(entry.field))) return undefined;
  return entry;
}

/**
 * A header that ends in "id" next to a word for the contact ("Apollo Contact Id", "HubSpot
 * Record ID") is the contact's id in another system.
 */
function idColumn(tokens: string[]): HeaderMatch | null {
  if (tokens.length < 2 || tokens.length > 4 || tokens[tokens.length - 1] !== 'id') return null;
  if (!tokens.slice(0, -1).some((t) => ID_OWNER_WORDS.has(t))) return null;
  return { field: 'external_id', confidence: 0.8, method: 'synonym' };
}

/**
 * Finds the standard field a header names, from the header alone: its exact name, a synonym,
 * or a synonym once qualifiers ("Business", "Home", "Other", "Person -", "geschäftlich"),
 * ordinals ("E-mail 2") and Google's "- Value" suffix are taken off. Returns null for headers
 * that name nothing Roster imports. Fuzzy matching is separate (`fuzzyMatchHeader`).
 *
 * @example
 * matchHeader('First Name') // { field: 'first_name', confidence: 1, method: 'exact' }
 * matchHeader('Business Phone 2')?.field // 'phone'
 */
export function matchHeader(header: string): HeaderMatch | null {
  const normalized = normalizeHeader(header);
  if (normalized.length === 0 || isBlockedHeader(normalized)) return null;
  const tokens = normalized.split(' ');
  const whole = lookup(tokens, null);
  if (whole) return { field: whole.field, confidence: whole.weight, method: whole.method };

  let best: HeaderMatch | null = null;
  const seen = new Set<string>([normalized]);
  let frontier: State[] = [{ tokens, factor: 1, onlyFor: null }];
  for (let step = 0; step < MAX_STEPS && frontier.length > 0; step++) {
    const next: State[] = [];
    for (const state of frontier) {
      for (const s of nextStates(state)) {
        const key = `${s.tokens.join(' ')}|${s.onlyFor ? [...s.onlyFor].join(',') : '*'}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const hit = lookup(s.tokens, s.onlyFor);
        if (hit) {
          const confidence = hit.weight * s.factor;
          if (!best || confidence > best.confidence) {
            best = { field: hit.field, confidence, method: 'synonym' };
          }
        } else {
          next.push(s);
        }
      }
    }
    frontier = next;
  }
  return best ?? idColumn(tokens);
}

/**
 * Optimal string alignment distance: Levenshtein plus adjacent transpositions, so that
 * "emial" is one edit from "email".
 */
export function osaDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // Three rolling rows instead of a matrix: this runs for every unknown header × known phrase.
  let prev2 = new Int32Array(n + 1);
  let prev = Int32Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Int32Array(n + 1);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** 1 - distance / longer length: 1 for equal strings, 0.8 for one edit in five characters. */
export function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - osaDistance(a, b) / longest;
}

/** Accept fuzzy matches at or above this similarity. */
export const FUZZY_THRESHOLD = 0.8;
const FUZZY_MIN_LENGTH = 4;
const UNEVEN_WORDS_THRESHOLD = 0.85;
/** Consent is never guessed from a misspelling (DESIGN.md: consent is sacred). */
const NEVER_FUZZY: ReadonlySet<string> = new Set(['email_opt_in', 'sms_opt_in']);

/**
 * Word-aware similarity: headers with the same number of words must be similar word by word
 * ("created by" is not "created at", though only two letters differ); headers with a word more
 * or less must be closer overall ("frstname" is "first name", "new primary email" is not
 * "primary email").
 */
function phraseSimilarity(header: string, phrase: string): number {
  const ht = header.split(' ');
  const pt = phrase.split(' ');
  const whole = similarity(compactKey(header), compactKey(phrase));
  if (ht.length !== pt.length) {
    // A word more or less ("new primary email") is a different thing more often than a typo.
    return whole >= UNEVEN_WORDS_THRESHOLD ? whole : 0;
  }
  for (let i = 0; i < ht.length; i++) {
    const a = ht[i]!;
    const b = pt[i]!;
    if (a === b || ht.length === 1) continue;
    if (Math.min(a.length, b.length) <= 3 || similarity(a, b) < 0.7) return 0;
  }
  return whole;
}

/**
 * Finds the field whose name or synonym is closest to a misspelt header ("emial", "compnay",
 * "frist name"), when it is at least `FUZZY_THRESHOLD` similar. The confidence is the
 * similarity (times the synonym's weight).
 *
 * @example
 * fuzzyMatchHeader('emial') // { field: 'email', confidence: 0.8, method: 'fuzzy' }
 */
export function fuzzyMatchHeader(header: string): HeaderMatch | null {
  const normalized = normalizeHeader(header);
  const compact = compactKey(normalized);
  if (compact.length < FUZZY_MIN_LENGTH || isBlockedHeader(normalized)) return null;
  let best: HeaderMatch | null = null;
  for (const [key, entry] of TABLE) {
    if (key.length < FUZZY_MIN_LENGTH || NEVER_FUZZY.has(entry.field)) continue;
    if (Math.abs(key.length - compact.length) / Math.max(key.length, compact.length) > 0.2) {
      continue;
    }
    const sim = phraseSimilarity(normalized, entry.phrase);
    if (sim < FUZZY_THRESHOLD || sim >= 1) continue;
    const confidence = Math.min(0.9, sim * entry.weight);
    if (!best || confidence > best.confidence)
      best = { field: entry.field, confidence, method: 'fuzzy' };
  }
  return best;
}
