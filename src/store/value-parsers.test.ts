import { describe, expect, it } from 'vitest';
import { parseDate, parseInt8 } from './value-parsers.ts';

describe('value parsers', () => {
  it('read bigint as a number and refuse to round', () => {
    expect(parseInt8('0')).toBe(0);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(() => parseInt8('9007199254740992')).toThrow(RangeError);
  });

  it('keep dates as ISO text', () => {
    expect(parseDate('1990-04-01')).toBe('1990-04-01');
  });
});
