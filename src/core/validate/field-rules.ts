import { STANDARD_FIELDS } from '../model/fields.ts';

/** Rules for one field's value. Lengths count characters (code points) of each text value. */
export interface FieldRule {
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Numeric range, inclusive. */
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * The standard fields' rules: each field's `maxLength` from fields.ts, plus the data validation
 * of the PenguinMails spec (company 2..200 characters, lead_score an integer 0..100).
 *
 * @example
 * DEFAULT_FIELD_RULES.company // { maxLength: 200, minLength: 2 }
 */
export const DEFAULT_FIELD_RULES: Readonly<Record<string, FieldRule>> = (() => {
  const rules: Record<string, FieldRule> = {};
  for (const field of STANDARD_FIELDS) {
    const rule: FieldRule = {};
    if (field.maxLength !== undefined) rule.maxLength = field.maxLength;
    if (field.type === 'integer') rule.integer = true;
    rules[field.key] = rule;
  }
  rules.company = { ...rules.company, minLength: 2, maxLength: 200 };
  rules.lead_score = { ...rules.lead_score, integer: true, min: 0, max: 100 };
  return rules;
})();

/**
 * The default rules with a tenant's or an import's rules laid over them, field by field.
 *
 * @example
 * mergeFieldRules({ company: { required: true } }).company // { maxLength: 200, minLength: 2, required: true }
 */
export function mergeFieldRules(
  overrides: Readonly<Record<string, FieldRule>> = {},
): Record<string, FieldRule> {
  const out: Record<string, FieldRule> = { ...DEFAULT_FIELD_RULES };
  for (const [key, rule] of Object.entries(overrides)) out[key] = { ...out[key], ...rule };
  return out;
}
