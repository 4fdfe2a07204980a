import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import type { MergeOptions } from './types.ts';
import { parseFieldStrategies, validateMergeOptions } from './validate-merge-options.ts';

const fails = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isRosterError(err, 'OPTION_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected OPTION_INVALID');
};

describe('validateMergeOptions', () => {
  it('accepts the spec examples', () => {
    const opts: MergeOptions = {
      strategy: 'update',
      fields: {
        email: 'keep_existing',
        first_name: 'update_if_blank',
        tags: 'append',
        'custom:*': 'update_if_newer',
        lead_score: 'keep_higher',
      },
      newer: { rowField: 'last_activity_at' },
    };
    expect(validateMergeOptions(opts)).toBe(opts);
  });

  it.each([
    [{ strategy: 'upsert' }, 'Unknown duplicate strategy'],
    [{ strategy: 'update', fields: { company: 'newest' } }, 'Unknown strategy "newest"'],
    [{ strategy: 'update', fields: { compnay: 'keep_existing' } }, 'not a field an import'],
    [{ strategy: 'update', fields: { emails_sent: 'keep_higher' } }, 'not a field an import'],
    [{ strategy: 'update', fields: { company: 'keep_higher' } }, 'keep_higher compares numbers'],
    [{ strategy: 'update', fields: { 'custom:x': 'update_if_newer' } }, 'needs the timestamp'],
    [{ strategy: 'update', newer: { rowField: 'company' } }, 'not a date or timestamp'],
  ])('rejects %j', (opts, message) => {
    expect(fails(() => validateMergeOptions(opts as MergeOptions))).toContain(message);
  });
});

describe('parseFieldStrategies', () => {
  it('parses field=strategy pairs', () => {
    expect(parseFieldStrategies(['company=always_update', ' custom:* = update_if_blank '])).toEqual(
      { company: 'always_update', 'custom:*': 'update_if_blank' },
    );
  });

  it.each(['company', '=append', 'company=newest'])('rejects "%s"', (pair) => {
    expect(fails(() => parseFieldStrategies([pair]))).toMatch(/Expected field=strategy|Unknown/);
  });
});
