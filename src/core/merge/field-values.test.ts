import { describe, expect, it } from 'vitest';
import { isBlank, sameValue, unionValues } from './field-values.ts';

describe('field values', () => {
  it('isBlank', () => {
    expect([null, undefined, '', '  ', []].map(isBlank)).toEqual([true, true, true, true, true]);
    expect([0, false, 'a', ['a']].map(isBlank)).toEqual([false, false, false, false]);
  });

  it('sameValue: sets, numbers, exact strings, blanks', () => {
    expect(sameValue(['a', 'b'], ['b', 'a', 'a'])).toBe(true);
    expect(sameValue(['a'], ['a', 'b'])).toBe(false);
    expect(sameValue(['A'], ['a'])).toBe(false);
    expect(sameValue(1.5, 1.5)).toBe(true);
    expect(sameValue(1, '1')).toBe(false);
    expect(sameValue('a', 'A')).toBe(false);
    expect(sameValue(null, [])).toBe(true);
    expect(sameValue(undefined, '')).toBe(true);
    expect(sameValue(false, null)).toBe(false);
  });

  it('unionValues keeps stored order and spelling', () => {
    expect(unionValues(['Lead', 'vip'], ['VIP', 'new', 'NEW'], true)).toEqual([
      'Lead',
      'vip',
      'new',
    ]);
    expect(unionValues(['a'], ['A'], false)).toEqual(['a', 'A']);
  });
});
