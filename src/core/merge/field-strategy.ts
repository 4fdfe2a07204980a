import type { FieldValue } from '../model/contact.ts';
import { CUSTOM_PREFIX, isCustomRef, standardField, type FieldRef } from '../model/fields.ts';
import { asList, isBlank, unionValues } from './field-values.ts';
import type { DuplicateStrategy, FieldStrategy, MergeOptions } from './types.ts';

/**
 * The strategy that decides one field: its own override, then `custom:*` for custom fields,
 * then the import's duplicate strategy. Tags default to `append` in an update as well as in a
 * merge: tags in a file are added, never replaced, so earlier tags are not lost (VeloConnect).
 *
 * @example
 * fieldStrategyFor('tags', { strategy: 'update' })                              // 'append'
 * fieldStrategyFor('custom:industry', { strategy: 'update', fields: { 'custom:*': 'keep_existing' } })
 * // 'keep_existing'
 */
export function fieldStrategyFor(ref: FieldRef, opts: MergeOptions): FieldStrategy {
  const own = opts.fields?.[ref];
  if (own !== undefined) return own;
  if (isCustomRef(ref)) {
    const all = opts.fields?.[`${CUSTOM_PREFIX}*`];
    if (all !== undefined) return all;
  }
  if (ref === 'tags') return 'append';
  return defaultFor(opts.strategy);
}

function defaultFor(strategy: DuplicateStrategy): FieldStrategy {
  // `skip` and `create` never reach a field decision; the mapping only keeps the switch total.
  switch (strategy) {
    case 'update':
      return 'always_update';
    case 'merge':
      return 'update_if_blank';
    case 'skip':
    case 'create':
      return 'keep_existing';
  }
}

/** What a field decision needs beyond the two values. */
export interface FieldContext {
  ref: FieldRef;
  clearBlanks: boolean;
  /** The row is newer than the contact; null when that cannot be told. */
  rowIsNewer: boolean | null;
}

/** The value a field gets (`set`), or `keep` to leave the stored value as it is. */
export type FieldDecision = { set: FieldValue } | { keep: true; reason?: 'newer_unknown' };

/**
 * Applies one field strategy to the row's value and the stored value.
 *
 * @example
 * decideField('update_if_blank', 'Acme', null, ctx) // { set: 'Acme' }
 * decideField('keep_higher', 40, 75, ctx)           // { keep: true }
 */
export function decideField(
  strategy: FieldStrategy,
  incoming: FieldValue,
  stored: FieldValue | undefined,
  ctx: FieldContext,
): FieldDecision {
  const keep: FieldDecision = { keep: true };
  if (strategy === 'keep_existing') return keep;
  if (strategy === 'update_if_newer' && ctx.rowIsNewer === null) {
    return { keep: true, reason: 'newer_unknown' };
  }
  if (isBlank(incoming)) {
    // A blank cell only clears where the strategy would have overwritten a value anyway.
    const overwrites =
      strategy === 'always_update' || (strategy === 'update_if_newer' && ctx.rowIsNewer === true);
    return ctx.clearBlanks && overwrites && !isBlank(stored) ? { set: null } : keep;
  }
  switch (strategy) {
    case 'update_if_blank':
      return isBlank(stored) ? { set: incoming } : keep;
    case 'always_update':
      return { set: incoming };
    case 'append':
      if (isMulti(ctx.ref, incoming, stored)) {
        return { set: unionValues(asList(stored), asList(incoming), ctx.ref === 'tags') };
      }
      return isBlank(stored) ? { set: incoming } : keep;
    case 'update_if_newer':
      return ctx.rowIsNewer === true ? { set: incoming } : keep;
    case 'keep_higher':
      if (isBlank(stored)) return { set: incoming };
      if (typeof incoming === 'number' && typeof stored === 'number') {
        return incoming > stored ? { set: incoming } : keep;
      }
      // Not two numbers: there is no "higher", and the stored value is not given up on a guess.
      return keep;
  }
}

function isMulti(ref: FieldRef, a: FieldValue, b: FieldValue | undefined): boolean {
  return standardField(ref)?.multi === true || Array.isArray(a) || Array.isArray(b);
}
