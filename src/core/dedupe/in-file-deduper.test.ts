import { describe, expect, it } from 'vitest';
import type { ContactDraft } from '../model/contact.ts';
import { createInFileDeduper } from './in-file-deduper.ts';
import type { MatchKeys } from './match-keys.ts';

const row = (email: string | null, phone?: string | null): ContactDraft => ({
  fields: phone === undefined ? { email } : { email, phone },
  custom: {},
});

/** Runs rows (numbered from 2, after the header) and returns duplicateOf per row, or null. */
function run(matchKeys: MatchKeys, drafts: ContactDraft[]): (number | null)[] {
  const d = createInFileDeduper(matchKeys);
  return drafts.map((draft, i) => d.check(draft, i + 2)?.duplicateOf ?? null);
}

describe('createInFileDeduper', () => {
  const cases: { name: string; keys: MatchKeys; rows: ContactDraft[]; want: (number | null)[] }[] =
    [
      {
        name: 'email: case-insensitive, first occurrence wins',
        keys: 'email',
        rows: [row('a@x.co'), row('b@x.co'), row(' A@X.CO '), row('a@x.co')],
        want: [null, null, 2, 2],
      },
      {
        name: 'email: rows without an email are never duplicates',
        keys: 'email',
        rows: [row(null, '+14155550100'), row(null, '+14155550100'), row('')],
        want: [null, null, null],
      },
      {
        name: 'email: the phone is ignored',
        keys: 'email',
        rows: [row('a@x.co', '+14155550100'), row('a@x.co', '+14155550199')],
        want: [null, 2],
      },
      {
        name: 'phone_then_email: same phone, other email',
        keys: 'phone_then_email',
        rows: [row('a@x.co', '+14155550100'), row('b@x.co', '+14155550100')],
        want: [null, 2],
      },
      {
        name: 'phone_then_email: new phone, known email',
        keys: 'phone_then_email',
        rows: [row('a@x.co', '+14155550100'), row('A@x.co', '+14155550199')],
        want: [null, 2],
      },
      {
        name: 'phone_then_email: phone match is named before email match',
        keys: 'phone_then_email',
        rows: [row('a@x.co', null), row('b@x.co', '+14155550100'), row('a@x.co', '+14155550100')],
        want: [null, null, 3],
      },
      {
        name: 'phone_then_email: a skipped row does not register its other key',
        keys: 'phone_then_email',
        rows: [row('a@x.co', '+1415'), row('b@x.co', '+1415'), row('b@x.co', null)],
        want: [null, 2, null],
      },
      {
        name: 'email_and_phone: both must match',
        keys: 'email_and_phone',
        rows: [
          row('a@x.co', '+14155550100'),
          row('a@x.co', '+14155550199'),
          row('b@x.co', '+14155550100'),
          row('A@X.co', '+14155550100'),
        ],
        want: [null, null, null, 2],
      },
      {
        name: 'email_and_phone: a blank part is a value',
        keys: 'email_and_phone',
        rows: [row('a@x.co', null), row('a@x.co'), row('a@x.co', '+1415'), row(null, null)],
        want: [null, 2, null, null],
      },
    ];

  it.each(cases)('$name', ({ keys, rows, want }) => {
    expect(run(keys, rows)).toEqual(want);
  });

  it('reports duplicate_in_file as a warning naming the first row', () => {
    const d = createInFileDeduper('email');
    d.check(row('a@x.co'), 2);
    const dup = d.check(row('A@x.co'), 7);
    expect(dup?.issue).toEqual({
      row: 7,
      column: null,
      field: 'email',
      value: 'A@x.co',
      code: 'duplicate_in_file',
      severity: 'warning',
      message: 'Same email as row 2; the first occurrence is imported and this row is skipped',
    });
  });

  it('holds one entry per distinct key', () => {
    const d = createInFileDeduper('phone_then_email');
    d.check(row('a@x.co', '+1415'), 2);
    d.check(row('a@x.co', '+1415'), 3);
    d.check(row('b@x.co', null), 4);
    expect(d.size).toBe(3);
  });
});
