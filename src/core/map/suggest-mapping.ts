import {
  CUSTOM_PREFIX,
  customKeyOf,
  isCustomRef,
  standardField,
  type CustomFieldDef,
  type CustomFieldType,
  type FieldRef,
  type FieldType,
} from '../model/fields.ts';
import { customFieldKeyOf, findCustomField, inferCustomType } from './custom-fields.ts';
import {
  fuzzyMatchHeader,
  IMPORTABLE_FIELDS,
  isBlockedHeader,
  matchHeader,
} from './header-match.ts';
import { isGenericHeader, labelFromKey, normalizeHeader } from './normalize-header.ts';
import type { ColumnProfile, ColumnSuggestion, MappingContext, MappingMethod } from './types.ts';
import { yearOf } from './value-patterns.ts';

/**
 * Column mapping: for every column of a file, the Roster field it most likely holds.
 *
 * Each column first gets its own best guess, in order of trust: a remembered preset, a
 * `custom_*` prefix, the header's exact name or a synonym, an existing custom field of that
 * name, a fuzzy match, and finally the values themselves (a column of email addresses is an
 * email column whatever its header). Values also veto header guesses: Outlook's "Title" holding
 * "Mr."/"Ms." is a salutation, not a job title.
 *
 * Then the guesses are reconciled across columns: a single-valued field takes one column, the
 * one ranked highest (confidence; an empty column ranks low, and the fill rate breaks near
 * ties; then position). Mobile numbers rank above business and home numbers for the primary
 * phone, because that is the number SMS goes to; a plain "Phone" column ranks above both. The
 * other columns go to the field's `_additional` companion where one exists (phones, emails) and are
 * left unmapped otherwise. A full-name column is used only when no first or last name column
 * was found: when both exist, the separate columns are the better source and the full name
 * would only overwrite them with a guess at the split. Headerless files finally give the
 * columns nothing claimed to email, first_name, last_name, company and phone, in that order.
 */

/** Fields that take a list: several columns may map to them. */
const MULTI_FIELDS: ReadonlySet<string> = new Set(['tags', 'email_additional', 'phone_additional']);
/** Where the columns that lose a single-valued field go instead. */
const ADDITIONAL_OF: Readonly<Record<string, string>> = {
  email: 'email_additional',
  phone: 'phone_additional',
};
const POSITION_ORDER = ['email', 'first_name', 'last_name', 'company', 'phone'] as const;

const PRESET_CONFIDENCE = 1;
const CUSTOM_PREFIX_CONFIDENCE = 0.9;
const CUSTOM_EXISTING_PREFIXED = 0.95;
const CUSTOM_EXISTING_BY_NAME = 0.9;
const POSITION_CONFIDENCE = 0.2;
/** A column that loses its field to a better one keeps this share of its confidence. */
const DEMOTED = 0.9;

/** Fields whose values are often email addresses without being the contact's email. */
const MAY_HOLD_EMAILS: ReadonlySet<string> = new Set([
  'email',
  'email_additional',
  'owner',
  'source',
  'notes',
  'external_id',
]);

const STATUS_WORDS: ReadonlySet<string> = new Set(
  (
    'active inactive cancelled canceled unsubscribed subscribed bounced pending confirmed ' +
    'unconfirmed complained cleaned archived blocked deleted enabled disabled open closed new ' +
    'won lost trial paid free'
  ).split(' '),
);
const isStatusWord = (v: string): boolean => STATUS_WORDS.has(v.trim().toLowerCase());

/** Value shares at which the values decide. */
const STRONG_SHARE = 0.8;
const WEAK_SHARE = 0.3;

interface Candidate {
  field: FieldRef | null;
  confidence: number;
  method: MappingMethod;
  newCustomField?: CustomFieldDef;
  customType?: CustomFieldType;
  /** Never mapped by values or position either (blocked header, explicit "do not import"). */
  settled: boolean;
}

const NONE: Candidate = { field: null, confidence: 0, method: 'none', settled: false };
const settledNone = (method: MappingMethod = 'none'): Candidate => ({
  field: null,
  confidence: method === 'none' ? 0 : PRESET_CONFIDENCE,
  method,
  settled: true,
});

const typeOfStandard = (key: string): FieldType | null => standardField(key)?.type ?? null;

function newCustomCandidate(key: string, profile: ColumnProfile, method: MappingMethod): Candidate {
  const inferred = inferCustomType(profile.stats);
  const def: CustomFieldDef = { key, label: labelFromKey(key), type: inferred.type };
  if (inferred.options) def.options = inferred.options;
  return {
    field: `${CUSTOM_PREFIX}${key}`,
    confidence: CUSTOM_PREFIX_CONFIDENCE,
    method,
    newCustomField: def,
    customType: inferred.type,
    settled: true,
  };
}

const existingCustomCandidate = (
  def: CustomFieldDef,
  confidence: number,
  method: MappingMethod,
): Candidate => ({
  field: `${CUSTOM_PREFIX}${def.key}`,
  confidence,
  method,
  customType: def.type,
  settled: true,
});

/** The preset's verdict on a column, or undefined when the preset has nothing usable for it. */
function fromPreset(
  profile: ColumnProfile,
  ctx: MappingContext,
  allowNew: boolean,
  normalizedPreset: Map<string, string | null>,
): Candidate | undefined {
  const mapping = ctx.preset?.mapping;
  if (!mapping) return undefined;
  const ref = Object.hasOwn(mapping, profile.header)
    ? mapping[profile.header]
    : normalizedPreset.get(normalizeHeader(profile.header));
  if (ref === undefined) return undefined;
  if (ref === null) return settledNone('preset');
  if (isCustomRef(ref)) {
    const key = customKeyOf(ref);
    const def = ctx.customFields.find((d) => d.key === key);
    if (def) return existingCustomCandidate(def, PRESET_CONFIDENCE, 'preset');
    if (!allowNew || key.length === 0) return undefined;
    return { ...newCustomCandidate(key, profile, 'preset'), confidence: PRESET_CONFIDENCE };
  }
  // A preset saved before a field stopped being importable must not bring it back.
  if (!IMPORTABLE_FIELDS.has(ref)) return undefined;
  return { field: ref, confidence: PRESET_CONFIDENCE, method: 'preset', settled: true };
}

/** What the values alone say the column is. */
function fromValues(profile: ColumnProfile, genericHeader: boolean): Candidate {
  const s = profile.stats;
  if (s.nonEmpty === 0) return NONE;
  const pattern = (field: string, confidence: number): Candidate => ({
    field,
    confidence,
    method: 'pattern',
    settled: false,
  });
  if (s.emailShare >= STRONG_SHARE) return pattern('email', 0.5 + 0.4 * s.emailShare);
  if (s.linkedinShare >= 0.6) return pattern('linkedin_url', 0.8);
  if (s.urlShare >= STRONG_SHARE && s.socialShare < 0.5) return pattern('website', 0.7);
  // Bare digit runs under a meaningful header are ids and amounts more often than phones.
  if (s.phoneShare >= STRONG_SHARE && (genericHeader || s.integerShare < 0.5)) {
    return pattern('phone', 0.7);
  }
  if (genericHeader && s.dateShare >= STRONG_SHARE && looksLikeBirthdays(profile)) {
    return pattern('birthday', 0.4);
  }
  return NONE;
}

/** Dates whose years all lie between 1900 and 10 years ago. */
function looksLikeBirthdays(profile: ColumnProfile): boolean {
  const latest = new Date().getUTCFullYear() - 10;
  const years = profile.stats.distinct.map(yearOf);
  return years.length > 0 && years.every((y) => y !== null && y >= 1900 && y <= latest);
}

/** Values veto or refine what the header said. */
function checkAgainstValues(c: Candidate, profile: ColumnProfile, generic: boolean): Candidate {
  const s = profile.stats;
  if (c.field === null || isCustomRef(c.field)) return c;
  const type = typeOfStandard(c.field);
  if (c.field === 'job_title' && s.salutationShare >= 0.5) return settledNone();
  // "State" is also a status ("active", "cancelled" in Kit and Mailchimp exports).
  if (c.field === 'region' && s.nonEmpty > 0 && s.distinct.every(isStatusWord)) return NONE;
  if (s.nonEmpty >= 1 && s.emailShare >= STRONG_SHARE && !MAY_HOLD_EMAILS.has(c.field)) {
    return fromValues(profile, generic);
  }
  if (type === 'email' && s.nonEmpty >= 2 && s.emailShare < WEAK_SHARE) {
    return fromValues(profile, generic);
  }
  if (type === 'phone' && s.nonEmpty >= 2 && s.phoneShare < WEAK_SHARE) {
    return fromValues(profile, generic);
  }
  if (c.field === 'website' && s.linkedinShare >= 0.6) {
    return { ...c, field: 'linkedin_url', method: 'pattern' };
  }
  if (c.field === 'linkedin_url' && s.nonEmpty >= 1 && s.socialShare >= 0.6) return NONE;
  return c;
}

/** The best guess for one column on its own, before columns compete for fields. */
function candidateFor(
  profile: ColumnProfile,
  ctx: MappingContext,
  allowNew: boolean,
  normalizedPreset: Map<string, string | null>,
): Candidate {
  const preset = fromPreset(profile, ctx, allowNew, normalizedPreset);
  if (preset) return preset;

  const generic = !ctx.hasHeader || isGenericHeader(profile.header);
  if (generic) return fromValues(profile, true);

  const customKey = customFieldKeyOf(profile.header);
  if (customKey !== null) {
    const def = findCustomField(customKey, ctx.customFields);
    if (def) return existingCustomCandidate(def, CUSTOM_EXISTING_PREFIXED, 'custom_existing');
    return allowNew ? newCustomCandidate(customKey, profile, 'custom_prefix') : settledNone();
  }

  if (isBlockedHeader(normalizeHeader(profile.header))) return settledNone();

  const byHeader = matchHeader(profile.header);
  if (byHeader) {
    return checkAgainstValues({ ...byHeader, settled: false }, profile, false);
  }
  const def = findCustomField(profile.header, ctx.customFields);
  if (def) return existingCustomCandidate(def, CUSTOM_EXISTING_BY_NAME, 'custom_existing');
  const fuzzy = fuzzyMatchHeader(profile.header);
  if (fuzzy) return checkAgainstValues({ ...fuzzy, settled: false }, profile, false);
  return fromValues(profile, false);
}

/** Higher ranks win a contested field: confidence, weighted by how filled the column is. */
function rank(c: Candidate, profile: ColumnProfile): number {
  if (c.method === 'preset') return 10 + c.confidence;
  const { rows, nonEmpty } = profile.stats;
  // An empty column must not take a field from a filled one; among filled columns the header
  // decides and the fill rate only breaks near-ties.
  if (rows > 0 && nonEmpty === 0) return c.confidence * 0.6;
  const fill = rows === 0 ? 1 : nonEmpty / rows;
  return c.confidence * (0.95 + 0.05 * fill);
}

function resolveConflicts(candidates: Candidate[], profiles: ColumnProfile[]): void {
  const byField = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    if (c.field === null || MULTI_FIELDS.has(c.field)) return;
    const list = byField.get(c.field) ?? [];
    list.push(i);
    byField.set(c.field, list);
  });
  for (const [field, indexes] of byField) {
    if (indexes.length < 2) continue;
    indexes.sort(
      (a, b) => rank(candidates[b]!, profiles[b]!) - rank(candidates[a]!, profiles[a]!) || a - b,
    );
    for (const i of indexes.slice(1)) {
      const loser = candidates[i]!;
      const additional = ADDITIONAL_OF[field];
      candidates[i] = additional
        ? { ...loser, field: additional, confidence: loser.confidence * DEMOTED }
        : { ...NONE, settled: loser.settled };
    }
  }
}

/** A full name is split into first and last name; it must not compete with real ones. */
function dropRedundantFullName(candidates: Candidate[]): void {
  const hasSplitName = candidates.some((c) => c.field === 'first_name' || c.field === 'last_name');
  if (!hasSplitName) return;
  candidates.forEach((c, i) => {
    if (c.field === 'full_name' && c.method !== 'preset')
      candidates[i] = { ...NONE, settled: true };
  });
}

function assignByPosition(candidates: Candidate[], profiles: ColumnProfile[]): void {
  const claimed = new Set(candidates.map((c) => c.field));
  const remaining = POSITION_ORDER.filter((f) => !claimed.has(f));
  candidates.forEach((c, i) => {
    if (c.field !== null || c.settled || profiles[i]!.stats.nonEmpty === 0) return;
    const field = remaining.shift();
    if (field) {
      candidates[i] = { field, confidence: POSITION_CONFIDENCE, method: 'position', settled: true };
    }
  });
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

function toSuggestion(c: Candidate, profile: ColumnProfile): ColumnSuggestion {
  let field = c.field;
  // Belt and braces: nothing an import may not write is ever suggested.
  if (field !== null && !isCustomRef(field) && !IMPORTABLE_FIELDS.has(field)) field = null;
  const inferredType =
    field === null
      ? profile.stats.nonEmpty === 0
        ? null
        : inferCustomType(profile.stats).type
      : isCustomRef(field)
        ? (c.customType ?? null)
        : typeOfStandard(field);
  const suggestion: ColumnSuggestion = {
    index: profile.index,
    header: profile.header,
    field,
    confidence: field === null && c.method !== 'preset' ? 0 : round(c.confidence),
    method: field === null && c.method !== 'preset' ? 'none' : c.method,
    inferredType,
    samples: profile.samples,
  };
  if (field !== null && c.newCustomField) suggestion.newCustomField = c.newCustomField;
  return suggestion;
}

/**
 * Suggests, for every column, the Roster field it belongs to (see the module comment for the
 * rules). Pure: the same profiles and context always give the same suggestions.
 *
 * @example
 * const profiles = profileColumns(['E-mail Address', 'fname', 'cf_tier'], sampleRows);
 * suggestMapping(profiles, { customFields: [], hasHeader: true }).map((s) => s.field);
 * // ['email', 'first_name', 'custom:tier']
 */
export function suggestMapping(profiles: ColumnProfile[], ctx: MappingContext): ColumnSuggestion[] {
  const allowNew = ctx.allowNewCustomFields ?? true;
  const normalizedPreset = new Map<string, string | null>();
  for (const [header, ref] of Object.entries(ctx.preset?.mapping ?? {})) {
    const key = normalizeHeader(header);
    if (!normalizedPreset.has(key)) normalizedPreset.set(key, ref);
  }
  const candidates = profiles.map((p) => candidateFor(p, ctx, allowNew, normalizedPreset));
  resolveConflicts(candidates, profiles);
  dropRedundantFullName(candidates);
  if (!ctx.hasHeader) assignByPosition(candidates, profiles);
  return candidates.map((c, i) => toSuggestion(c, profiles[i]!));
}

/**
 * The mapping a person confirmed, in the form `MappingContext.preset` takes back next time:
 * header text → field ref, or null for columns left out.
 *
 * @example
 * toPresetMapping([{ header: 'E-mail', field: 'email' }, { header: 'Notes 2', field: null }])
 * // { 'E-mail': 'email', 'Notes 2': null }
 */
export function toPresetMapping(
  columns: ReadonlyArray<Pick<ColumnSuggestion, 'header' | 'field'>>,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of columns) if (!Object.hasOwn(out, c.header)) out[c.header] = c.field;
  return out;
}
