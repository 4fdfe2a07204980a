/** Validation: email checks, MX look-ups and field rules on transformed rows. */
export { checkEmail, type EmailCheck } from './check-email.ts';
export { parseEmail, type EmailSyntax, type EmailSyntaxReason } from './email-syntax.ts';
export { isRoleLocalPart } from './role-address.ts';
export { isDisposableDomain } from './disposable-domain.ts';
export { suggestDomain, POPULAR_EMAIL_DOMAINS } from './domain-typo.ts';
export {
  createMxChecker,
  type MxChecker,
  type MxCheckerOptions,
  type MxRecord,
  type MxResolver,
  type MxResult,
  type MxStatus,
} from './mx-checker.ts';
export { DEFAULT_FIELD_RULES, mergeFieldRules, type FieldRule } from './field-rules.ts';
export {
  validateDraft,
  validateRow,
  withoutDropped,
  VALIDATION_CODES,
  type EmailRules,
  type MatchKey,
  type RowValidation,
  type ValidationRules,
} from './validate-row.ts';
