import type { ConsentStatus, ContactDraft, FieldValue } from '../model/contact.ts';
import type { FieldRef } from '../model/fields.ts';
import type { RowIssue } from '../model/issue.ts';

/**
 * What an import does with a row that matches an existing contact (DESIGN.md, "Duplicate
 * handling"): `skip` keeps the existing contact as it is, `update` overwrites the mapped fields
 * with the row's non-blank values, `merge` fills only the fields that are blank in the contact,
 * `create` creates another contact anyway.
 */
export type DuplicateStrategy = 'skip' | 'update' | 'merge' | 'create';

/**
 * Per-field override of the duplicate strategy:
 * - `keep_existing`: never change the stored value.
 * - `update_if_blank`: set the value only when the stored one is blank.
 * - `always_update`: set the row's (non-blank) value.
 * - `append`: multi-value fields get the union of stored and new values, stored order first
 *   (tags compared case-insensitively); on a single-value field it never replaces a stored
 *   value, so it acts as `update_if_blank`.
 * - `update_if_newer`: set the value when the row's timestamp (`MergeOptions.newer`) is later
 *   than the contact's.
 * - `keep_higher`: numbers only; set the value when it is higher than the stored one (or the
 *   stored one is blank).
 */
export type FieldStrategy =
  | 'keep_existing'
  | 'update_if_blank'
  | 'always_update'
  | 'append'
  | 'update_if_newer'
  | 'keep_higher';

export const FIELD_STRATEGIES: readonly FieldStrategy[] = [
  'keep_existing',
  'update_if_blank',
  'always_update',
  'append',
  'update_if_newer',
  'keep_higher',
];

/** Where `update_if_newer` reads the two timestamps it compares. */
export interface NewerRule {
  /** The row's timestamp field (standard key or `custom:key`), e.g. `last_activity_at`. */
  rowField: FieldRef;
  /** The contact's field to compare with; the contact's `updatedAt` when omitted. */
  existingField?: FieldRef;
}

/** The merge settings of one import. */
export interface MergeOptions {
  strategy: DuplicateStrategy;
  /**
   * Overrides by field: a standard key (`company`), `custom:<key>`, or `custom:*` for every
   * custom field without an override of its own.
   */
  fields?: Record<FieldRef, FieldStrategy>;
  /** A blank cell clears the stored value where the field's strategy overwrites (default false). */
  clearBlanks?: boolean;
  /** Import `email_opt_in` / `sms_opt_in` columns (default false: they are ignored). */
  importConsent?: boolean;
  /** Required by `update_if_newer`. */
  newer?: NewerRule;
}

/** The consent channels and the names their changes carry in a diff. */
export type ConsentChannel = 'email' | 'sms';

/** One changed field of an existing contact: `email`, `custom:industry`, `email_consent`, ... */
export interface FieldDiff {
  field: FieldRef;
  before: FieldValue;
  after: FieldValue;
}

/** Why a row that matches a contact is not written. */
export type SkipReason = 'duplicate_exists';

/** What the write stage does with one row. `issues` are notes about values not applied. */
export type Change =
  | {
      kind: 'create';
      /** The row's non-blank values, without the consent columns. */
      values: ContactDraft;
      /** Consent per channel, present only when the import imports consent and the row has it. */
      consent: Partial<Record<ConsentChannel, ConsentStatus>>;
      issues: RowIssue[];
    }
  | { kind: 'update'; diff: FieldDiff[]; issues: RowIssue[] }
  | { kind: 'unchanged'; issues: RowIssue[] }
  | { kind: 'skip'; reason: SkipReason; issues: RowIssue[] };
