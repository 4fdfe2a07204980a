import { describe, expect, it } from 'vitest';
import { inlineParams } from './inline-params.ts';

describe('inlineParams', () => {
  it('writes each $n as the quoted text node-postgres would send', () => {
    expect(inlineParams('select $1::int + $2, $3::bool, $4', [41, 1.5, true, null])).toBe(
      "select '41'::int + '1.5', 'true'::bool, NULL",
    );
    expect(inlineParams('x = any($1::text[])', [['a', "b'c", 'd"e', 'f\\g', null]])).toBe(
      `x = any( E'{"a","b''c","d\\\\"e","f\\\\\\\\g",NULL}'::text[])`,
    );
    expect(inlineParams('$1', [{ a: "it's" }])).toBe(`'{"a":"it''s"}'`);
    expect(inlineParams('$1', [new Date('2025-10-01T10:00:00Z')])).toBe(
      "'2025-10-01T10:00:00.000Z'",
    );
    // $10 is the tenth parameter, not $1 followed by 0.
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inlineParams('$10 + $1', ten)).toBe("'10' + '1'");
  });

  it('leaves $ inside quotes, identifiers and words alone', () => {
    expect(inlineParams(`x ~ '^[0-9]$1' and "a$1" = $1 and f$1`, ['v'])).toBe(
      `x ~ '^[0-9]$1' and "a$1" = 'v' and f$1`,
    );
    expect(inlineParams(`'it''s $1' || $1`, ['v'])).toBe(`'it''s $1' || 'v'`);
  });

  it('refuses a missing parameter, binary values and an open quote', () => {
    expect(() => inlineParams('$2', [1])).toThrow(/no value for \$2/);
    expect(() => inlineParams('$1', [Buffer.from('x')])).toThrow(/binary/);
    expect(() => inlineParams("'open $1", [1])).toThrow(/unterminated/);
  });
});
