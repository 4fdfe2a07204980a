import { describe, expect, it } from 'vitest';
import type { CustomFieldDef } from '../model/fields.ts';
import { checkFilter } from './check-filter.ts';
import { parseFilter } from './parse-filter.ts';
import { filterFailure } from './test-support.ts';

const customFields: CustomFieldDef[] = [
  {
    key: 'company_size',
    label: 'Company Size',
    type: 'select',
    options: ['1-10', '11-50', '51-200', '201-1000'],
  },
  { key: 'interests', label: 'Interests', type: 'multi_select', options: ['ai', 'cloud'] },
  { key: 'plan', label: 'Plan', type: 'text' },
  { key: 'seats', label: 'Seats', type: 'number' },
  { key: 'renewal', label: 'Renewal', type: 'date' },
  { key: 'trial', label: 'Trial', type: 'boolean' },
  { key: 'country', label: 'Country (custom)', type: 'text' },
];

const check = (text: string) => checkFilter(parseFilter(text), { customFields });

describe('checkFilter', () => {
  it('resolves standard, custom, prefixed custom, consent and segment fields', () => {
    expect(check('country = "France"')).toMatchObject({
      field: { source: 'standard', key: 'country', kind: 'text' },
    });
    expect(check('custom:country = "France"')).toMatchObject({
      field: { source: 'custom', key: 'country', kind: 'text' },
    });
    expect(check('company_size >= "51-200"')).toMatchObject({
      field: { source: 'custom', kind: 'select', options: customFields[0]!.options },
    });
    expect(check('email_opt_in = true')).toMatchObject({ field: { kind: 'consent' } });
    expect(check('bounced = false')).toMatchObject({ field: { kind: 'boolean' } });
    expect(check('segment = "Hot Leads"')).toMatchObject({ field: { kind: 'segment' } });
    expect(check('tags contains "vip"')).toMatchObject({ field: { kind: 'list' } });
    expect(check('emails_opened > 3')).toMatchObject({ field: { kind: 'number' } });
    expect(check('updated_at > 2025-01-01T00:00:00Z')).toMatchObject({
      field: { kind: 'timestamp' },
    });
  });

  it('accepts every operator where it applies', () => {
    const ok = [
      'lead_score between 1 and 5',
      'lead_score in (1, 2)',
      'lead_score is empty',
      'birthday < 2000-01-01',
      'created_at between 2025-10-01 and 2025-10-31T12:00:00Z',
      'last_activity_at within 30 days',
      'renewal within 2 weeks',
      'company_size between "11-50" and "201-1000"',
      'company_size in ("1-10")',
      'interests contains "ai"',
      'interests is not empty',
      'plan contains "pro"',
      'seats >= 10',
      'trial = true',
      'trial is empty',
      'segment in ("A", "B")',
      'not (plan = "x" or seats < 1)',
    ];
    for (const text of ok) expect(() => check(text), text).not.toThrow();
  });

  it('suggests the closest field for a misspelt one', () => {
    expect(filterFailure(() => check('lead_score > 1 and contry = "France"'))).toMatchObject({
      position: 19,
      suggestion: 'country',
    });
    expect(filterFailure(() => check('company_sise = "1-10"')).suggestion).toBe('company_size');
    expect(filterFailure(() => check('custom:plann = "x"')).suggestion).toBe('custom:plan');
    const far = filterFailure(() => check('zzzzzzzz = "x"'));
    expect(far.suggestion).toBeUndefined();
    expect(far.message).toContain('Unknown field "zzzzzzzz"');
  });

  it('rejects full_name, which is not stored', () => {
    expect(filterFailure(() => check('full_name = "A B"'))).toMatchObject({
      position: 0,
      expected: ['first_name', 'last_name'],
    });
  });

  it('rejects an operator the field type does not allow', () => {
    expect(filterFailure(() => check('lead_score contains 5'))).toMatchObject({
      position: 11,
      expected: ['= !=', '< <= > >=', 'between', 'in', 'is empty'],
    });
    expect(filterFailure(() => check('tags = "vip"')).expected).toEqual(['contains', 'is empty']);
    expect(filterFailure(() => check('country > "A"')).position).toBe(8);
    expect(filterFailure(() => check('email_opt_in is empty')).expected).toEqual(['= !=']);
    expect(filterFailure(() => check('lead_score within 3 days')).position).toBe(11);
    expect(filterFailure(() => check('segment contains "x"')).expected).toEqual(['= !=', 'in']);
  });

  it('rejects a value of the wrong type', () => {
    expect(filterFailure(() => check('lead_score > "50"'))).toMatchObject({
      position: 13,
      expected: ['a number'],
    });
    expect(filterFailure(() => check('birthday = 2025-01-01T00:00:00Z')).expected).toEqual([
      'a date (2025-10-01)',
    ]);
    expect(filterFailure(() => check('bounced = 1')).expected).toEqual(['true or false']);
    expect(filterFailure(() => check('country in ("A", 2)'))).toMatchObject({
      position: 17,
      expected: ['a string in double quotes'],
    });
    expect(filterFailure(() => check('created_at between 2025-01-01 and 5')).position).toBe(34);
  });

  it('rejects a select value that is not an option, suggesting the closest', () => {
    expect(filterFailure(() => check('company_size >= "51-20"'))).toMatchObject({
      position: 16,
      expected: ['1-10', '11-50', '51-200', '201-1000'],
      suggestion: '51-200',
    });
    expect(filterFailure(() => check('interests contains "AI"')).suggestion).toBe('ai');
  });
});
