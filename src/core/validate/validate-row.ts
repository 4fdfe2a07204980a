import type { ContactDraft, FieldValue } from '../model/contact.ts';
import { CUSTOM_PREFIX, type CustomFieldDef, type FieldRef } from '../model/fields.ts';
import { issue, type RowIssue, type Severity } from '../model/issue.ts';
import { checkEmail, type EmailCheck } from './check-email.ts';
import { DEFAULT_FIELD_RULES, mergeFieldRules, type FieldRule } from './field-rules.ts';
import type { MxStatus } from './mx-checker.ts';

/**
 * Row validation: the last stage before de-duplication. Pure and synchronous; MX answers come
 * in through `rules.mx` (look the batch's domains up first with MxChecker.checkAll, then pass
 * `mxChecker.cached`).
 *
 * Severity rule: a row whose identity (its match key) is missing or invalid gets an `error` and
 * is rejected. Any other bad value gets a `warning`: the row is imported without that value
 * (see `dropped`) and the value is in the report. Doubtful but usable values (disposable, role,
 * typo, no MX) are reported and kept.
 */

export type MatchKey = 'email' | 'phone';

export interface EmailRules {
  /** Report disposable domains (warning, kept). Default true. */
  disposable?: boolean;
  /** Report role addresses (info, kept). Default true. */
  role?: boolean;
  /** Report likely typos of popular domains with a suggestion (warning, kept). Default true. */
  typo?: boolean;
}

export interface ValidationRules {
  /**
   * The contact's identity, in order: `['email']` (default), `['phone', 'email']` (phone first,
   * email when there is no phone). The first key with a valid value identifies the row.
   */
  matchKeys?: readonly MatchKey[];
  /** Standard field rules laid over DEFAULT_FIELD_RULES. */
  fields?: Readonly<Record<string, FieldRule>>;
  /** The tenant's custom fields (their `required`, `min`, `max`, `maxLength`, `options`). */
  customFields?: readonly CustomFieldDef[];
  email?: EmailRules;
  /** MX status of an ASCII domain, when MX checks are on; undefined = not checked. */
  mx?: (asciiDomain: string) => MxStatus | undefined;
  /** Column header per field ref (`email`, `custom:industry`), for the report. */
  columns?: Readonly<Record<FieldRef, string>>;
  /** Severity of a missing required value. Default `warning` (the row is kept without it). */
  requiredSeverity?: Extract<Severity, 'error' | 'warning'>;
}

export interface RowValidation {
  issues: RowIssue[];
  /** True when an issue has severity `error`: the row must not be imported. */
  rejected: boolean;
  /** Field refs whose values are not to be imported (standard keys, or `custom:<key>`). */
  dropped: FieldRef[];
}

/** Issue codes of this stage (docs/ lists them for users). */
export const VALIDATION_CODES = [
  'missing_identity',
  'invalid_email',
  'invalid_phone',
  'disposable_email',
  'role_email',
  'email_typo',
  'no_mx',
  'required_missing',
  'too_short',
  'too_long',
  'out_of_range',
  'not_integer',
  'invalid_type',
  'invalid_option',
] as const;

/** E.164 as the transform stage writes it: `+`, country code, up to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

interface CompiledRules {
  byKey: Readonly<Record<string, FieldRule>>;
  /** Standard fields whose rule says `required`. */
  required: readonly string[];
}

const IDENTITY_FIELDS = new Set(['email', 'phone', 'phone_additional']);
const DEFAULT_COMPILED = compile(DEFAULT_FIELD_RULES);
// Compiled rules per rules object: pass the same object for every row of an import.
const compiledByRules = new WeakMap<ValidationRules, CompiledRules>();

function compile(byKey: Readonly<Record<string, FieldRule>>): CompiledRules {
  const required = Object.keys(byKey).filter((key) => byKey[key]!.required);
  return { byKey, required };
}

function compiledRules(rules: ValidationRules): CompiledRules {
  if (!rules.fields) return DEFAULT_COMPILED;
  let compiled = compiledByRules.get(rules);
  if (!compiled) {
    compiled = compile(mergeFieldRules(rules.fields));
    compiledByRules.set(rules, compiled);
  }
  return compiled;
}

/**
 * Validates one transformed row and says what to do with it.
 *
 * @example
 * const v = validateDraft({ fields: { email: 'jo@gmial.com', lead_score: 140 }, custom: {} }, 2, {});
 * v.rejected // false
 * v.issues.map((i) => i.code) // ['email_typo', 'out_of_range']
 * v.dropped // ['lead_score']
 */
export function validateDraft(
  draft: ContactDraft,
  rowNumber: number,
  rules: ValidationRules = {},
): RowValidation {
  const issues: RowIssue[] = [];
  const dropped: FieldRef[] = [];
  const report = (
    ref: FieldRef,
    value: FieldValue | undefined,
    code: (typeof VALIDATION_CODES)[number],
    severity: Severity,
    message: string,
  ): void => {
    issues.push(
      issue({
        row: rowNumber,
        column: rules.columns?.[ref] ?? null,
        field: ref,
        value: displayValue(value),
        code,
        severity,
        message,
      }),
    );
    if (severity === 'warning' && DROPPING.has(code) && !dropped.includes(ref)) dropped.push(ref);
  };

  validateIdentity(draft, rules, report);

  const { byKey, required } = compiledRules(rules);
  const requiredSeverity = rules.requiredSeverity ?? 'warning';
  for (const key of required) {
    if (isBlank(draft.fields[key])) {
      report(key, null, 'required_missing', requiredSeverity, `${key} is required`);
    }
  }
  // Only the fields the row has: a file maps a dozen of the ~50 standard fields.
  for (const key in draft.fields) {
    const rule = byKey[key];
    // Identity fields and additional phones have their own checks.
    if (rule && !IDENTITY_FIELDS.has(key)) checkValue(key, draft.fields[key], rule, report);
  }
  for (const def of rules.customFields ?? []) {
    checkCustomValue(def, draft.custom[def.key], requiredSeverity, report);
  }
  checkAdditionalPhones(draft.fields.phone_additional, report);

  return { issues, rejected: issues.some((i) => i.severity === 'error'), dropped };
}

/**
 * The row's issues only (see validateDraft for what to drop).
 *
 * @example
 * validateRow({ fields: { email: 'not-an-email' }, custom: {} }, 5, {})[0]
 * // { row: 5, field: 'email', code: 'invalid_email', severity: 'error', ... }
 */
export function validateRow(
  draft: ContactDraft,
  rowNumber: number,
  rules: ValidationRules = {},
): RowIssue[] {
  return validateDraft(draft, rowNumber, rules).issues;
}

/**
 * The draft without the values validation dropped (they become absent, not blank: a dropped
 * value must never clear what the database holds).
 *
 * @example
 * withoutDropped(draft, validateDraft(draft, 2, rules).dropped)
 */
export function withoutDropped(draft: ContactDraft, dropped: readonly FieldRef[]): ContactDraft {
  if (dropped.length === 0) return draft;
  const drop = new Set(dropped);
  const keep = (prefix: string) => (entry: [string, FieldValue]) => !drop.has(prefix + entry[0]);
  const fields = Object.fromEntries(Object.entries(draft.fields).filter(keep('')));
  const custom = Object.fromEntries(Object.entries(draft.custom).filter(keep(CUSTOM_PREFIX)));
  return { fields, custom };
}

type Report = (
  ref: FieldRef,
  value: FieldValue | undefined,
  code: (typeof VALIDATION_CODES)[number],
  severity: Severity,
  message: string,
) => void;

// Codes whose warning means "this value is not imported". The others keep the value.
const DROPPING = new Set<string>([
  'invalid_email',
  'invalid_phone',
  'too_short',
  'too_long',
  'out_of_range',
  'not_integer',
  'invalid_type',
  'invalid_option',
]);

function validateIdentity(draft: ContactDraft, rules: ValidationRules, report: Report): void {
  const keys: readonly MatchKey[] =
    rules.matchKeys && rules.matchKeys.length > 0 ? rules.matchKeys : ['email'];
  const email = draft.fields.email;
  const phone = draft.fields.phone;
  // One parse per row: the syntax verdict and the quality flags come from the same check.
  const check = isBlank(email) ? null : typeof email === 'string' ? checkEmail(email) : undefined;
  const emailState = check === null ? 'absent' : check?.valid ? 'valid' : 'invalid';
  const phoneState = isBlank(phone)
    ? 'absent'
    : typeof phone === 'string' && E164.test(phone)
      ? 'valid'
      : 'invalid';
  const state = { email: emailState, phone: phoneState } as const;
  const identified = keys.some((k) => state[k] === 'valid');

  // A bad email or phone is an error only when the row has nothing else to be identified by.
  if (emailState === 'invalid') {
    const severity = !identified && keys.includes('email') ? 'error' : 'warning';
    report('email', email, 'invalid_email', severity, emailProblem(check));
  }
  if (phoneState === 'invalid') {
    const severity = !identified && keys.includes('phone') ? 'error' : 'warning';
    report('phone', phone, 'invalid_phone', severity, 'Phone number is not in E.164 form');
  }
  if (!identified && keys.every((k) => state[k] === 'absent')) {
    report(
      keys[0]!,
      null,
      'missing_identity',
      'error',
      `The row has no ${keys.join(' or ')} to identify the contact`,
    );
  }
  if (check?.valid) checkEmailQuality(email as string, check, rules, report);
}

function emailProblem(check: EmailCheck | null | undefined): string {
  if (!check) return 'Email must be one text value';
  return check.valid ? '' : `Invalid email address (${check.reason.replace(/_/g, ' ')})`;
}

function checkEmailQuality(
  address: string,
  check: Extract<EmailCheck, { valid: true }>,
  rules: ValidationRules,
  report: Report,
): void {
  const opts = rules.email ?? {};
  if (opts.disposable !== false && check.disposable) {
    report('email', address, 'disposable_email', 'warning', 'Disposable email domain');
  }
  if (opts.role !== false && check.role) {
    report('email', address, 'role_email', 'info', 'Role address (reaches a team, not a person)');
  }
  if (opts.typo !== false && check.suggestion) {
    report('email', address, 'email_typo', 'warning', `Did you mean ${check.suggestion}?`);
  }
  if (rules.mx?.(check.asciiDomain) === 'missing') {
    report('email', address, 'no_mx', 'warning', `${check.asciiDomain} does not accept email`);
  }
}

/** Checks a present value against its rule (`required` is checked by the caller). */
function checkValue(
  ref: FieldRef,
  value: FieldValue | undefined,
  rule: FieldRule,
  report: Report,
): void {
  if (isBlank(value)) return;
  if (typeof value === 'number') {
    checkNumber(ref, value, rule, report);
    return;
  }
  if (rule.integer || rule.min !== undefined || rule.max !== undefined) {
    report(ref, value, 'invalid_type', 'warning', `${ref} must be a number`);
    return;
  }
  const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  for (const text of texts) {
    const length = [...text].length;
    if (rule.minLength !== undefined && length < rule.minLength) {
      report(
        ref,
        value,
        'too_short',
        'warning',
        `${ref} must have at least ${rule.minLength} characters`,
      );
      return;
    }
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      report(
        ref,
        value,
        'too_long',
        'warning',
        `${ref} must have at most ${rule.maxLength} characters`,
      );
      return;
    }
  }
}

function checkNumber(ref: FieldRef, value: number, rule: FieldRule, report: Report): void {
  if (!Number.isFinite(value)) {
    report(ref, value, 'invalid_type', 'warning', `${ref} must be a finite number`);
  } else if (rule.integer && !Number.isInteger(value)) {
    report(ref, value, 'not_integer', 'warning', `${ref} must be a whole number`);
  } else if (
    (rule.min !== undefined && value < rule.min) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    report(ref, value, 'out_of_range', 'warning', `${ref} must be ${rangeText(rule)}`);
  }
}

function checkCustomValue(
  def: CustomFieldDef,
  value: FieldValue | undefined,
  requiredSeverity: Severity,
  report: Report,
): void {
  const ref = `${CUSTOM_PREFIX}${def.key}`;
  if (isBlank(value)) {
    if (def.required)
      report(ref, null, 'required_missing', requiredSeverity, `${def.label} is required`);
    return;
  }
  const rule: FieldRule = { min: def.min, max: def.max, maxLength: def.maxLength };
  switch (def.type) {
    case 'number':
      if (typeof value !== 'number')
        report(ref, value, 'invalid_type', 'warning', `${def.label} must be a number`);
      else checkNumber(ref, value, rule, report);
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        report(ref, value, 'invalid_type', 'warning', `${def.label} must be yes or no`);
      return;
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        report(ref, value, 'invalid_type', 'warning', `${def.label} must be a date`);
      }
      return;
    case 'select':
    case 'multi_select': {
      const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
      if (!items || (def.type === 'select' && items.length !== 1)) {
        report(ref, value, 'invalid_type', 'warning', `${def.label} must be one of its options`);
        return;
      }
      const options = def.options ?? [];
      const unknown = items.filter((i) => !options.includes(i));
      if (options.length > 0 && unknown.length > 0) {
        report(
          ref,
          value,
          'invalid_option',
          'warning',
          `${def.label} has no option ${unknown.map((u) => `"${u}"`).join(', ')}`,
        );
      }
      return;
    }
    case 'text':
      if (typeof value !== 'string') {
        report(ref, value, 'invalid_type', 'warning', `${def.label} must be text`);
        return;
      }
      checkValue(ref, value, { maxLength: def.maxLength }, report);
      return;
  }
}

function checkAdditionalPhones(value: FieldValue | undefined, report: Report): void {
  if (isBlank(value)) return;
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  const bad = items ? items.filter((p) => !E164.test(p)) : [value];
  if (bad.length > 0) {
    report(
      'phone_additional',
      value,
      'invalid_phone',
      'warning',
      'Phone number is not in E.164 form',
    );
  }
}

function rangeText(rule: FieldRule): string {
  if (rule.min !== undefined && rule.max !== undefined)
    return `between ${rule.min} and ${rule.max}`;
  return rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max}`;
}

function isBlank(value: FieldValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

function displayValue(value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
