import { RosterError } from '../errors.ts';
import { CUSTOM_PREFIX, isCustomRef, standardField } from '../model/fields.ts';
import {
  FIELD_STRATEGIES,
  type DuplicateStrategy,
  type FieldStrategy,
  type MergeOptions,
} from './types.ts';

const DUPLICATE_STRATEGIES: readonly DuplicateStrategy[] = ['skip', 'update', 'merge', 'create'];

/**
 * Checks merge options that came from a person (CLI flags, an API body, a saved import) before
 * any row is read, so that a typo fails the import at once instead of quietly keeping values.
 * Throws `OPTION_INVALID` naming the bad setting.
 *
 * @example
 * validateMergeOptions({ strategy: 'update', fields: { lead_score: 'keep_higher' } }); // ok
 * validateMergeOptions({ strategy: 'update', fields: { company: 'keep_higher' } });
 * // throws RosterError OPTION_INVALID: keep_higher compares numbers; "company" is text
 */
export function validateMergeOptions(opts: MergeOptions): MergeOptions {
  if (!DUPLICATE_STRATEGIES.includes(opts.strategy)) {
    invalid(`Unknown duplicate strategy "${String(opts.strategy)}"`, {
      allowed: DUPLICATE_STRATEGIES,
    });
  }
  for (const [ref, strategy] of Object.entries(opts.fields ?? {})) {
    if (!FIELD_STRATEGIES.includes(strategy)) {
      invalid(`Unknown strategy "${String(strategy)}" for "${ref}"`, { allowed: FIELD_STRATEGIES });
    }
    checkField(ref, strategy);
    if (strategy === 'update_if_newer' && opts.newer === undefined) {
      invalid(`update_if_newer for "${ref}" needs the timestamp field to compare (newer.rowField)`);
    }
  }
  if (opts.newer !== undefined) {
    checkTimestampField(opts.newer.rowField);
    if (opts.newer.existingField !== undefined) checkTimestampField(opts.newer.existingField);
  }
  return opts;
}

/**
 * Parses `field=strategy` pairs as the CLI's repeated `--merge` flag gives them.
 *
 * @example
 * parseFieldStrategies(['company=always_update', 'custom:*=update_if_blank'])
 * // { company: 'always_update', 'custom:*': 'update_if_blank' }
 */
export function parseFieldStrategies(pairs: readonly string[]): Record<string, FieldStrategy> {
  const out: Record<string, FieldStrategy> = {};
  for (const pair of pairs) {
    const eq = pair.lastIndexOf('=');
    const ref = pair.slice(0, eq).trim();
    const strategy = pair.slice(eq + 1).trim();
    if (eq <= 0 || ref === '') invalid(`Expected field=strategy, got "${pair}"`);
    if (!(FIELD_STRATEGIES as readonly string[]).includes(strategy)) {
      invalid(`Unknown strategy "${strategy}" for "${ref}"`, { allowed: FIELD_STRATEGIES });
    }
    out[ref] = strategy as FieldStrategy;
  }
  return out;
}

function checkField(ref: string, strategy: FieldStrategy): void {
  if (isCustomRef(ref)) {
    if (ref === CUSTOM_PREFIX) invalid('"custom:" needs a field key, or * for every custom field');
    return;
  }
  const def = standardField(ref);
  if (def === undefined || !def.importable || def.virtual === true) {
    invalid(`"${ref}" is not a field an import can write`);
  }
  if (strategy === 'keep_higher' && def.type !== 'integer' && def.type !== 'number') {
    invalid(`keep_higher compares numbers; "${ref}" is ${def.type}`);
  }
}

function checkTimestampField(ref: string): void {
  if (isCustomRef(ref)) return;
  const def = standardField(ref);
  if (def === undefined || (def.type !== 'timestamp' && def.type !== 'date')) {
    invalid(`"${ref}" is not a date or timestamp field`);
  }
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new RosterError('OPTION_INVALID', message, details);
}
