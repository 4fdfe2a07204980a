import { describe, expect, it } from 'vitest';
import type { FilterAst } from './ast.ts';
import { parseFilter } from './parse-filter.ts';
import { filterFailure } from './test-support.ts';
import { tokenize } from './tokenize.ts';

/** A compact rendering of the tree, to assert precedence without positions. */
function shape(node: FilterAst): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${shape(node.left)} ${node.type} ${shape(node.right)})`;
    case 'not':
      return `(not ${shape(node.operand)})`;
    default:
      return node.field.name;
  }
}

describe('tokenize', () => {
  it('reads strings with escapes, numbers, dates, timestamps, words and operators', () => {
    const tokens = tokenize(
      'a = "x \\"y\\" \\\\ \\n" b <> -1.5 2025-10-01 2025-10-01T09:30:00Z >=',
    );
    expect(tokens.map((t) => t.type)).toEqual([
      'word',
      'op',
      'string',
      'word',
      'op',
      'number',
      'date',
      'timestamp',
      'op',
      'end',
    ]);
    expect(tokens[2]).toMatchObject({ value: 'x "y" \\ \n', position: 4 });
    expect(tokens[4]).toMatchObject({ text: '!=' });
    expect(tokens[5]).toMatchObject({ value: -1.5 });
    expect(tokens[6]).toMatchObject({ value: '2025-10-01' });
    expect(tokens[7]).toMatchObject({ value: '2025-10-01T09:30:00Z' });
  });

  it('rejects an unterminated string, a bad escape, an impossible date and a stray character', () => {
    expect(filterFailure(() => tokenize('a = "abc'))).toMatchObject({
      position: 4,
      expected: ['"'],
    });
    expect(filterFailure(() => tokenize('a = "a\\qb"')).position).toBe(6);
    expect(filterFailure(() => tokenize('a = 2025-02-30'))).toMatchObject({
      position: 4,
      expected: ['a date'],
    });
    const stray = filterFailure(() => tokenize('a = 1 & b = 2'));
    expect(stray.position).toBe(6);
    expect(stray.message).toContain('at position 6');
  });
});

describe('parseFilter', () => {
  it('parses every comparison operator', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>=']) {
      expect(parseFilter(`lead_score ${op} 50`)).toEqual({
        type: 'compare',
        field: { name: 'lead_score', position: 0 },
        op,
        value: { kind: 'number', value: 50, position: 12 + op.length },
        position: 11,
      });
    }
  });

  it('parses contains, between, in, not in, is empty, is not empty and within', () => {
    expect(parseFilter('tags contains "vip"')).toMatchObject({
      type: 'contains',
      value: { kind: 'string', value: 'vip' },
    });
    expect(parseFilter('created_at between 2025-10-01 and 2025-10-31')).toMatchObject({
      type: 'between',
      low: { kind: 'date', value: '2025-10-01' },
      high: { kind: 'date', value: '2025-10-31' },
    });
    expect(parseFilter('country in ("France", "Spain")')).toMatchObject({
      type: 'in',
      values: [{ value: 'France' }, { value: 'Spain' }],
    });
    expect(parseFilter('country not in ("France")')).toMatchObject({
      type: 'not',
      operand: { type: 'in', values: [{ value: 'France' }] },
    });
    expect(parseFilter('phone is empty')).toMatchObject({ type: 'empty', negated: false });
    expect(parseFilter('phone IS NOT EMPTY')).toMatchObject({ type: 'empty', negated: true });
    expect(parseFilter('last_activity_at within 30 days')).toMatchObject({
      type: 'within',
      amount: 30,
      unit: 'days',
    });
    expect(parseFilter('email_opt_in = true')).toMatchObject({
      value: { kind: 'boolean', value: true },
    });
    expect(parseFilter('Custom:Plan = "pro"')).toMatchObject({ field: { name: 'custom:plan' } });
  });

  it('binds not tighter than and, and tighter than or; parentheses group', () => {
    expect(shape(parseFilter('a = 1 or b = 1 and c = 1'))).toBe('(a or (b and c))');
    expect(shape(parseFilter('a = 1 and b = 1 or c = 1'))).toBe('((a and b) or c)');
    expect(shape(parseFilter('not a = 1 and b = 1'))).toBe('((not a) and b)');
    expect(shape(parseFilter('not (a = 1 and b = 1)'))).toBe('(not (a and b))');
    expect(shape(parseFilter('(a = 1 or b = 1) and c = 1'))).toBe('((a or b) and c)');
    expect(shape(parseFilter('a = 1 and b = 1 and c = 1'))).toBe('((a and b) and c)');
    expect(shape(parseFilter('not not a = 1'))).toBe('(not (not a))');
  });

  it('parses the DESIGN.md example', () => {
    const ast = parseFilter(
      'country = "United States" and company_size >= "51-200" and lead_score > 50 and tags contains "enterprise"',
    );
    expect(shape(ast)).toBe('(((country and company_size) and lead_score) and tags)');
  });

  it('reports the position and what was expected', () => {
    expect(filterFailure(() => parseFilter(''))).toMatchObject({
      position: 0,
      expected: ['a condition'],
    });
    expect(filterFailure(() => parseFilter('lead_score > '))).toMatchObject({
      position: 13,
      expected: ['a value'],
    });
    const op = filterFailure(() => parseFilter('lead_score 50'));
    expect(op.position).toBe(11);
    expect(op.expected).toContain('"="');
    expect(op.expected).toContain('"contains"');
    expect(filterFailure(() => parseFilter('(a = 1'))).toMatchObject({
      position: 6,
      expected: ['")"', '"and"', '"or"'],
    });
    expect(filterFailure(() => parseFilter('a = 1 b = 2'))).toMatchObject({
      position: 6,
      expected: ['"and"', '"or"', 'the end of the filter'],
    });
    expect(filterFailure(() => parseFilter('a = 1)'))).toMatchObject({ position: 5 });
    expect(filterFailure(() => parseFilter('a between 1 or 2'))).toMatchObject({
      position: 12,
      expected: ['"and"'],
    });
    expect(filterFailure(() => parseFilter('a in ("x" "y")'))).toMatchObject({
      position: 10,
      expected: ['","', '")"'],
    });
    expect(filterFailure(() => parseFilter('a in "x"'))).toMatchObject({
      position: 5,
      expected: ['"("'],
    });
    expect(filterFailure(() => parseFilter('a is full'))).toMatchObject({
      position: 5,
      expected: ['"empty"', '"not empty"'],
    });
    expect(filterFailure(() => parseFilter('a within 0 days'))).toMatchObject({
      position: 9,
      expected: ['a whole number greater than 0'],
    });
    expect(filterFailure(() => parseFilter('a within 3 years'))).toMatchObject({
      position: 11,
      expected: ['"hours"', '"days"', '"weeks"', '"months"'],
    });
    expect(filterFailure(() => parseFilter('and = 1'))).toMatchObject({
      position: 0,
      expected: ['a field name', '"not"', '"("'],
    });
    expect(filterFailure(() => parseFilter('a not = 1'))).toMatchObject({
      position: 6,
      expected: ['"in"'],
    });
  });

  it('suggests quotes for a bare word where a value belongs', () => {
    expect(filterFailure(() => parseFilter('country = France'))).toMatchObject({
      position: 10,
      expected: ['a value'],
      suggestion: '"France"',
    });
  });
});
