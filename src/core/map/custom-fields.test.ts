import { describe, expect, it } from 'vitest';
import type { CustomFieldDef } from '../model/fields.ts';
import type { RawRecord } from '../model/record.ts';
import { customFieldKeyOf, findCustomField, inferCustomType } from './custom-fields.ts';
import { profileColumns } from './profile-columns.ts';

const statsOf = (values: Array<string | string[]>) => {
  const records: RawRecord[] = values.map((v, i) => ({ rowNumber: i + 2, cells: [v] }));
  return profileColumns(['x'], records)[0]!.stats;
};

describe('customFieldKeyOf', () => {
  it.each([
    ['custom_field_industry', 'industry'],
    ['custom_industry', 'industry'],
    ['cf_Annual Revenue', 'annual_revenue'],
    ['customFields.companySize', 'company_size'],
    ['Custom Field: Tier', 'tier'],
    ['CF-LTV', 'ltv'],
  ])('%s → %s', (header, key) => {
    expect(customFieldKeyOf(header)).toBe(key);
  });

  it('ignores headers without the prefix and Google numbered custom columns', () => {
    for (const h of [
      'Industry',
      'customer',
      'Custom Field 1 - Value',
      'Custom Field 2 - Label',
      'cf',
    ]) {
      expect(customFieldKeyOf(h), h).toBeNull();
    }
  });
});

describe('findCustomField', () => {
  const defs: CustomFieldDef[] = [
    { key: 'company_size', label: 'Company Size', type: 'select', options: ['1-10'] },
    { key: 'ltv', label: 'Lifetime Value', type: 'number' },
  ];
  it('finds by key or label in any spelling', () => {
    expect(findCustomField('companySize', defs)?.key).toBe('company_size');
    expect(findCustomField('Company Size', defs)?.key).toBe('company_size');
    expect(findCustomField('lifetime_value', defs)?.key).toBe('ltv');
    expect(findCustomField('Industry', defs)).toBeUndefined();
  });
});

describe('inferCustomType', () => {
  it('number', () => {
    expect(inferCustomType(statsOf(['1200', '45.5', '1,000,000']))).toEqual({ type: 'number' });
  });
  it('date', () => {
    expect(inferCustomType(statsOf(['2025-01-02', '03/04/2024', '12 Mar 2024']))).toEqual({
      type: 'date',
    });
  });
  it('boolean', () => {
    expect(inferCustomType(statsOf(['yes', 'no', 'Yes', 'no']))).toEqual({ type: 'boolean' });
    expect(inferCustomType(statsOf(['true', 'false', 'true']))).toEqual({ type: 'boolean' });
  });
  it('select with options in first-seen order', () => {
    expect(inferCustomType(statsOf(['Pro', 'Free', 'Pro', 'Enterprise', 'Free', 'Pro']))).toEqual({
      type: 'select',
      options: ['Pro', 'Free', 'Enterprise'],
    });
  });
  it('multi_select from repeated `|`/`;` separated values, options in first-seen order', () => {
    expect(inferCustomType(statsOf(['seo|ads', 'ads', 'email; seo', 'ads|email']))).toEqual({
      type: 'multi_select',
      options: ['seo', 'ads', 'email'],
    });
    expect(inferCustomType(statsOf([['red', 'blue'], ['blue'], ['green', 'red']]))).toEqual({
      type: 'multi_select',
      options: ['red', 'blue', 'green'],
    });
  });
  it('text when values are all different or long, or the column is empty', () => {
    expect(inferCustomType(statsOf(['Acme', 'Globex', 'Initech', 'Umbrella']))).toEqual({
      type: 'text',
    });
    expect(inferCustomType(statsOf(['', '']))).toEqual({ type: 'text' });
  });
});
