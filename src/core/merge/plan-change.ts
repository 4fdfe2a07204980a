import type { ConsentStatus, ContactDraft, FieldValue, StoredContact } from '../model/contact.ts';
import { CUSTOM_PREFIX, customKeyOf, isCustomRef, standardField } from '../model/fields.ts';
import { issue, type RowIssue } from '../model/issue.ts';
import { decideField, fieldStrategyFor, type FieldContext } from './field-strategy.ts';
import { isBlank, sameValue } from './field-values.ts';
import type { Change, ConsentChannel, FieldDiff, MergeOptions } from './types.ts';

const CONSENT_FIELDS: Record<string, ConsentChannel> = { email_opt_in: 'email', sms_opt_in: 'sms' };

/**
 * Decides what the write stage does with one row: create a contact, update the matched one with
 * a field-by-field diff, leave it unchanged, or skip the row.
 *
 * Rules that hold whatever the options say:
 * - Fields absent from the draft (not mapped) are never touched.
 * - A blank value never clears a stored one unless `clearBlanks` (and the field overwrites).
 * - Consent columns count only with `importConsent`; an opted-out channel is never turned
 *   opted-in (the row gets a `consent_not_upgraded` issue), while opted-in -> opted-out is
 *   applied: a withdrawal is always respected. Consent changes are named `email_consent` /
 *   `sms_consent` in the diff and carry ConsentStatus values.
 * - The result is `unchanged` when no field would change (lists compared as sets).
 *
 * `row` is the spreadsheet row number put on the issues this returns.
 *
 * @example
 * planChange({ fields: { email: 'a@x.co', company: 'Acme' }, custom: {} }, stored,
 *   { strategy: 'merge' }, 5)
 * // { kind: 'update', diff: [{ field: 'company', before: null, after: 'Acme' }], issues: [] }
 */
export function planChange(
  draft: ContactDraft,
  existing: StoredContact | null,
  opts: MergeOptions,
  row: number | null = null,
): Change {
  if (existing === null || opts.strategy === 'create') return planCreate(draft, opts, row);
  if (opts.strategy === 'skip') return { kind: 'skip', reason: 'duplicate_exists', issues: [] };

  const issues: RowIssue[] = [];
  const diff: FieldDiff[] = [];
  // Decided once per row: every update_if_newer field compares the same two timestamps.
  const newerness = rowIsNewer(draft, existing, opts);
  const ctx = (ref: string): FieldContext => ({
    ref,
    clearBlanks: opts.clearBlanks === true,
    rowIsNewer: newerness,
  });

  const consider = (ref: string, incoming: FieldValue, stored: FieldValue | undefined) => {
    const strategy = fieldStrategyFor(ref, opts);
    const decision = decideField(strategy, incoming, stored, ctx(ref));
    if ('set' in decision) {
      if (!sameValue(decision.set, stored)) {
        diff.push({ field: ref, before: stored ?? null, after: decision.set });
      }
    } else if (
      decision.reason === 'newer_unknown' &&
      !sameValue(incoming, stored) &&
      // A blank that would not have been applied anyway is no lost value.
      (!isBlank(incoming) || opts.clearBlanks === true)
    ) {
      issues.push(newerUnknown(ref, incoming, opts, row));
    }
  };

  for (const [key, incoming] of Object.entries(draft.fields)) {
    if (key in CONSENT_FIELDS) continue;
    if (!writable(key, incoming, issues, row)) continue;
    consider(key, incoming, existing.fields[key]);
  }
  for (const [key, incoming] of Object.entries(draft.custom)) {
    consider(`${CUSTOM_PREFIX}${key}`, incoming, existing.custom[key]);
  }
  diff.push(...consentDiff(draft, existing, opts, issues, row));

  return diff.length === 0 ? { kind: 'unchanged', issues } : { kind: 'update', diff, issues };
}

function planCreate(draft: ContactDraft, opts: MergeOptions, row: number | null): Change {
  const issues: RowIssue[] = [];
  const fields: Record<string, FieldValue> = {};
  const consent: Partial<Record<ConsentChannel, ConsentStatus>> = {};
  for (const [key, value] of Object.entries(draft.fields)) {
    const channel = CONSENT_FIELDS[key];
    if (channel !== undefined) {
      const status = opts.importConsent === true ? consentStatus(value) : null;
      if (status !== null) consent[channel] = status;
      continue;
    }
    if (!writable(key, value, issues, row)) continue;
    if (!isBlank(value)) fields[key] = value;
  }
  const custom: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(draft.custom)) {
    if (!isBlank(value)) custom[key] = value;
  }
  return { kind: 'create', values: { fields, custom }, consent, issues };
}

/**
 * Virtual and system fields (full_name, updated_at, engagement counters) are never written by an
 * import; if one reaches this stage, its value is reported instead of vanishing.
 */
function writable(key: string, value: FieldValue, issues: RowIssue[], row: number | null): boolean {
  const def = standardField(key);
  if (def !== undefined && def.importable && def.virtual !== true) return true;
  issues.push(
    issue({
      row,
      field: key,
      value: isBlank(value) ? null : String(value),
      code: 'field_not_importable',
      severity: 'warning',
      message:
        def === undefined
          ? `"${key}" is not a Roster field; its value was not imported`
          : `"${def.label}" cannot be set by an import; its value was not imported`,
    }),
  );
  return false;
}

function consentStatus(value: FieldValue): ConsentStatus | null {
  if (value === true) return 'opted_in';
  if (value === false) return 'opted_out';
  return null;
}

function consentDiff(
  draft: ContactDraft,
  existing: StoredContact,
  opts: MergeOptions,
  issues: RowIssue[],
  row: number | null,
): FieldDiff[] {
  if (opts.importConsent !== true) return [];
  const out: FieldDiff[] = [];
  for (const [key, channel] of Object.entries(CONSENT_FIELDS)) {
    if (opts.fields?.[key] === 'keep_existing') continue;
    // Consent follows its own rule, not the duplicate strategy: a blank never clears it.
    const after = consentStatus(draft.fields[key] ?? null);
    if (after === null) continue;
    const before = existing.consent[channel];
    if (before === 'opted_out' && after === 'opted_in') {
      issues.push(
        issue({
          row,
          field: key,
          value: String(draft.fields[key]),
          code: 'consent_not_upgraded',
          severity: 'warning',
          message: `The contact opted out of ${channel}; an import cannot opt them back in`,
        }),
      );
      continue;
    }
    if (before !== after) out.push({ field: `${channel}_consent`, before, after });
  }
  return out;
}

/** Whether the row is newer than the contact for `update_if_newer`; null when unknown. */
function rowIsNewer(
  draft: ContactDraft,
  existing: StoredContact,
  opts: MergeOptions,
): boolean | null {
  if (opts.newer === undefined) return null;
  const rowTime = timeOf(valueOf(draft, opts.newer.rowField));
  if (rowTime === null) return null;
  const storedValue =
    opts.newer.existingField === undefined
      ? existing.updatedAt
      : valueOf(existing, opts.newer.existingField);
  const storedTime = timeOf(storedValue);
  // A contact that never recorded the timestamp is older than any row that has one.
  return storedTime === null ? true : rowTime > storedTime;
}

function valueOf(c: ContactDraft, ref: string): FieldValue | undefined {
  return isCustomRef(ref) ? c.custom[customKeyOf(ref)] : c.fields[ref];
}

function timeOf(value: FieldValue | undefined): number | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function newerUnknown(
  ref: string,
  incoming: FieldValue,
  opts: MergeOptions,
  row: number | null,
): RowIssue {
  return issue({
    row,
    field: ref,
    value: isBlank(incoming) ? null : String(incoming),
    code: 'merge_newer_unknown',
    severity: 'warning',
    message:
      opts.newer === undefined
        ? 'update_if_newer needs a timestamp field to compare; the stored value was kept'
        : `The row has no valid ${opts.newer.rowField} to compare; the stored value was kept`,
  });
}
