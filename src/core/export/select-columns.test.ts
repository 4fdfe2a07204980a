import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import type { CustomFieldDef } from '../model/fields.ts';
import { selectColumns } from './select-columns.ts';

const CUSTOM: CustomFieldDef[] = [
  { key: 'company_size', label: 'Company Size', type: 'select', options: ['1-10', '51-200'] },
  { key: 'channels', label: 'Channels', type: 'multi_select', options: ['Email', 'SMS'] },
  { key: 'seats', label: 'Seats', type: 'number' },
];

const headers = (spec: string[] | undefined) => selectColumns(spec, CUSTOM).map((c) => c.header);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('selectColumns', () => {
  it('keeps the order given, drops duplicates and accepts both custom forms', () => {
    expect(headers(['last_name', 'email', 'custom:seats', 'custom_seats', 'email'])).toEqual([
      'last_name',
      'email',
      'custom_seats',
    ]);
  });

  it('expands groups', () => {
    const standard = headers(['standard']);
    expect(standard[0]).toBe('email');
    expect(standard).toContain('tags');
    expect(standard).not.toContain('full_name');
    expect(standard).not.toContain('email_opt_in');
    expect(standard).not.toContain('created_at');
    expect(headers(['engagement'])).toEqual([
      'emails_sent',
      'emails_opened',
      'emails_clicked',
      'last_opened_at',
      'bounced',
    ]);
    expect(headers(['consent'])).toEqual(['email_opt_in', 'sms_opt_in']);
    expect(headers(['audit'])).toEqual([
      'created_at',
      'updated_at',
      'last_activity_at',
      'source',
      'owner',
    ]);
    expect(headers(['custom'])).toEqual(['custom_company_size', 'custom_channels', 'custom_seats']);
    expect(headers(['segments'])).toEqual(['segments']);
  });

  it('defaults to standard, custom, consent, audit and segments', () => {
    expect(headers(undefined)).toEqual(
      headers(['standard', 'custom', 'consent', 'audit', 'segments']),
    );
    expect(headers(undefined)).not.toContain('emails_opened');
  });

  it('gives each column its kind, JSON name and type', () => {
    const cols = selectColumns(
      ['first_name', 'lead_score', 'tags', 'birthday', 'created_at', 'email_opt_in', 'custom'],
      CUSTOM,
    );
    expect(cols.map((c) => [c.kind, c.key, c.jsonName, c.type])).toEqual([
      ['field', 'first_name', 'firstName', 'text'],
      ['field', 'lead_score', 'leadScore', 'integer'],
      ['field', 'tags', 'tags', 'list'],
      ['field', 'birthday', 'birthday', 'date'],
      ['field', 'created_at', 'createdAt', 'timestamp'],
      ['consent', 'email_opt_in', 'emailOptIn', 'boolean'],
      ['custom', 'company_size', 'companySize', 'text'],
      ['custom', 'channels', 'channels', 'list'],
      ['custom', 'seats', 'seats', 'number'],
    ]);
    expect(cols[6]?.options).toEqual(['1-10', '51-200']);
  });

  it.each([
    ['emial', 'email'],
    ['company_size', 'custom:company_size'],
    ['custom:seat', 'custom:seats'],
    ['engagment', 'engagement'],
  ])('rejects "%s" and suggests "%s"', (name, suggestion) => {
    const err = thrown(() => selectColumns(['email', name], CUSTOM));
    expect(isRosterError(err) && err.code).toBe('OPTION_INVALID');
    expect(isRosterError(err) && err.details['suggestion']).toBe(suggestion);
    expect(isRosterError(err) && err.message).toContain(suggestion);
  });

  it('rejects the virtual full_name, an unknown name without a near one, and an empty list', () => {
    for (const spec of [['full_name'], ['zzzzzzzzzz'], [' ']]) {
      const err = thrown(() => selectColumns(spec, CUSTOM));
      expect(isRosterError(err) && err.code).toBe('OPTION_INVALID');
    }
    const err = thrown(() => selectColumns(['zzzzzzzzzz'], CUSTOM));
    expect(isRosterError(err) && err.details['suggestion']).toBeNull();
  });
});
