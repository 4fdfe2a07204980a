import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.ts';

describe('KeyTable', () => {
  it('returns the first row stored for a key', () => {
    const t = new KeyTable();
    expect(t.get('a@x.co')).toBeUndefined();
    t.set('a@x.co', 0);
    t.set('a@x.co', 9);
    t.set('b@x.co', 1);
    expect([t.get('a@x.co'), t.get('b@x.co'), t.get('c@x.co'), t.size]).toEqual([
      0,
      1,
      undefined,
      2,
    ]);
  });

  it('tells apart keys that differ in one character, in length, or only beyond ASCII', () => {
    const t = new KeyTable();
    const keys = ['', 'a', 'aa', 'ab', 'ba', 'é', 'e\u0301', '\u001f', 'a\u001f', '\u001fa', '😀'];
    keys.forEach((k, i) => t.set(k, i));
    expect(keys.map((k) => t.get(k))).toEqual(keys.map((_, i) => i));
  });

  it('keeps every key through many doublings, with no false hits', () => {
    const t = new KeyTable(16);
    const n = 300_000;
    for (let i = 0; i < n; i++) t.set(`user${i}@example.com`, i);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (t.get(`user${i}@example.com`) !== i) wrong++;
    for (let i = n; i < 2 * n; i++) if (t.get(`user${i}@example.com`) !== undefined) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(n);
  });
});
