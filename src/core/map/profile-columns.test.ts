import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../model/record.ts';
import { DISTINCT_CAP, profileColumns } from './profile-columns.ts';

const rows = (...cells: Array<Array<string | string[]>>): RawRecord[] =>
  cells.map((c, i) => ({ rowNumber: i + 2, cells: c }));

describe('profileColumns', () => {
  it('counts non-empty values and the shares of each kind', () => {
    const [email, phone, when] = profileColumns(
      ['Email', 'Phone', 'Since'],
      rows(
        ['a@x.io', '+1 415 555 0101', '2024-01-02'],
        ['b@x.io', '', '2024-02-03'],
        ['not an email', '555-0199 x2', 'soon'],
        ['  ', '(415) 555-0102', ''],
      ),
    );
    expect(email!.stats).toMatchObject({ rows: 4, nonEmpty: 3 });
    expect(email!.stats.emailShare).toBeCloseTo(2 / 3);
    expect(phone!.stats.phoneShare).toBe(1);
    expect(when!.stats.dateShare).toBeCloseTo(2 / 3);
    expect(email!.stats.maxLength).toBe('not an email'.length);
  });

  it('keeps up to 5 distinct samples and a capped distinct list in first-seen order', () => {
    const many = Array.from({ length: DISTINCT_CAP + 10 }, (_, i) => [
      `v${i % (DISTINCT_CAP + 5)}`,
    ]);
    const [p] = profileColumns(['x'], rows(...many));
    expect(p!.samples).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(p!.stats.distinct).toHaveLength(DISTINCT_CAP);
    expect(p!.stats.distinctCapped).toBe(true);
    const [small] = profileColumns(['tier'], rows(['Pro'], ['Free'], ['Pro']));
    expect(small!.stats.distinct).toEqual(['Pro', 'Free']);
    expect(small!.stats.distinctCapped).toBe(false);
  });

  it('sees lists in `|`/`;` separated text and in list cells of structured sources', () => {
    const [tags, json] = profileColumns(
      ['tags', 'json'],
      rows(['vip|partner', ['a', 'b']], ['vip', ['b']], ['partner; vip', []]),
    );
    expect(tags!.stats.listShare).toBeCloseTo(2 / 3);
    expect(tags!.stats.listParts).toEqual(['vip', 'partner']);
    expect(tags!.stats.listPartCount).toBe(5);
    expect(json!.stats.nonEmpty).toBe(2);
    expect(json!.stats.listParts).toEqual(['a', 'b']);
    expect(json!.samples).toEqual(['a, b', 'b']);
  });

  it('profiles columns beyond the header and names them "Column N"', () => {
    const profiles = profileColumns(['a'], rows(['1', 'extra']));
    expect(profiles.map((p) => p.header)).toEqual(['a', 'Column 2']);
    expect(profiles[1]!.stats.nonEmpty).toBe(1);
  });

  it('handles an empty sample', () => {
    const [p] = profileColumns(['Email'], []);
    expect(p!.stats).toMatchObject({ rows: 0, nonEmpty: 0, emailShare: 0 });
    expect(p!.samples).toEqual([]);
  });
});
