import { describe, expect, it } from 'vitest';
import type { ContactDraft, FieldValue } from '../model/contact.ts';
import type { CustomFieldDef } from '../model/fields.ts';
import {
  validateDraft,
  validateRow,
  withoutDropped,
  type ValidationRules,
} from './validate-row.ts';

const draft = (
  fields: Record<string, FieldValue>,
  custom: Record<string, FieldValue> = {},
): ContactDraft => ({ fields, custom });

/** `code:severity` of each issue, for compact expectations. */
const codes = (d: ContactDraft, rules: ValidationRules = {}) =>
  validateRow(d, 7, rules).map((i) => `${i.code}:${i.severity}`);

describe('validateRow: identity', () => {
  it.each<[string, Record<string, FieldValue>, ValidationRules, string[]]>([
    ['valid email', { email: 'jane@example.com' }, {}, []],
    ['no email', { first_name: 'Jane' }, {}, ['missing_identity:error']],
    ['blank email', { email: '' }, {}, ['missing_identity:error']],
    ['null email', { email: null }, {}, ['missing_identity:error']],
    ['invalid email', { email: 'jane@@example.com' }, {}, ['invalid_email:error']],
    ['email as a list', { email: ['a@b.co'] }, {}, ['invalid_email:error']],
    [
      'phone identity, bad email',
      { email: 'nope', phone: '+14155550123' },
      { matchKeys: ['phone', 'email'] },
      ['invalid_email:warning'],
    ],
    [
      'phone identity, no phone, good email',
      { email: 'jane@example.com' },
      { matchKeys: ['phone', 'email'] },
      [],
    ],
    [
      'phone identity, bad phone, good email',
      { email: 'jane@example.com', phone: '555-0123' },
      { matchKeys: ['phone', 'email'] },
      ['invalid_phone:warning'],
    ],
    [
      'phone identity, bad phone, no email',
      { phone: '555-0123' },
      { matchKeys: ['phone', 'email'] },
      ['invalid_phone:error'],
    ],
    [
      'phone identity, both bad',
      { phone: '555-0123', email: 'x' },
      { matchKeys: ['phone', 'email'] },
      ['invalid_email:error', 'invalid_phone:error'],
    ],
    [
      'phone identity, nothing',
      { first_name: 'A' },
      { matchKeys: ['phone', 'email'] },
      ['missing_identity:error'],
    ],
    [
      'email identity, bad phone is only a warning',
      { email: 'jane@example.com', phone: '12' },
      {},
      ['invalid_phone:warning'],
    ],
  ])('%s', (_name, fields, rules, expected) => {
    expect(codes(draft(fields), rules)).toEqual(expected);
  });

  it('fills row, column, field, value and a readable message', () => {
    const [found] = validateRow(draft({ email: 'a..b@example.com' }), 12, {
      columns: { email: 'E-mail' },
    });
    expect(found).toEqual({
      row: 12,
      column: 'E-mail',
      field: 'email',
      value: 'a..b@example.com',
      code: 'invalid_email',
      severity: 'error',
      message: 'Invalid email address (local dot)',
    });
  });
});

describe('validateRow: email quality', () => {
  it.each<[string, string[]]>([
    ['jane@mailinator.com', ['disposable_email:warning']],
    ['info@acme.com', ['role_email:info']],
    ['jane@gmial.com', ['email_typo:warning']],
    ['support@yaho.com', ['role_email:info', 'email_typo:warning']],
  ])('%s', (email, expected) => {
    expect(codes(draft({ email }))).toEqual(expected);
  });

  it('puts the suggestion in the message', () => {
    const [typo] = validateRow(draft({ email: 'Jane@hotmial.com' }), 3, {});
    expect(typo!.message).toBe('Did you mean Jane@hotmail.com?');
  });

  it('lets each check be switched off', () => {
    const rules: ValidationRules = { email: { disposable: false, role: false, typo: false } };
    expect(codes(draft({ email: 'info@mailinator.com' }), rules)).toEqual([]);
    expect(codes(draft({ email: 'jo@gmial.com' }), rules)).toEqual([]);
  });

  it('warns when MX look-up said missing, and not when unknown or unchecked', () => {
    const mx = (d: string) =>
      d === 'dead.example' ? 'missing' : d === 'slow.example' ? 'unknown' : undefined;
    expect(codes(draft({ email: 'a@dead.example' }), { mx })).toEqual(['no_mx:warning']);
    expect(codes(draft({ email: 'a@slow.example' }), { mx })).toEqual([]);
    expect(codes(draft({ email: 'a@other.example' }), { mx })).toEqual([]);
  });

  it('asks MX about the ASCII form of an IDN domain', () => {
    const asked: string[] = [];
    validateRow(draft({ email: 'a@bücher.de' }), 2, { mx: (d) => (asked.push(d), 'found') });
    expect(asked).toEqual(['xn--bcher-kva.de']);
  });

  it('keeps disposable, role, typo and no-MX addresses (nothing dropped, row kept)', () => {
    const v = validateDraft(draft({ email: 'info@mailinator.com' }), 2, { mx: () => 'missing' });
    expect(v.rejected).toBe(false);
    expect(v.dropped).toEqual([]);
  });
});

describe('validateRow: field rules', () => {
  const ok = { email: 'jane@example.com' };

  it.each<[string, Record<string, FieldValue>, string[]]>([
    ['company of 1 character', { company: 'A' }, ['too_short:warning']],
    ['company of 2 characters', { company: 'AB' }, []],
    ['company of 201 characters', { company: 'x'.repeat(201) }, ['too_long:warning']],
    ['company of 200 emoji', { company: '😀'.repeat(200) }, []],
    ['lead_score 0', { lead_score: 0 }, []],
    ['lead_score 100', { lead_score: 100 }, []],
    ['lead_score 101', { lead_score: 101 }, ['out_of_range:warning']],
    ['lead_score -1', { lead_score: -1 }, ['out_of_range:warning']],
    ['lead_score 5.5', { lead_score: 5.5 }, ['not_integer:warning']],
    ['lead_score text', { lead_score: 'high' }, ['invalid_type:warning']],
    ['lead_score NaN', { lead_score: Number.NaN }, ['invalid_type:warning']],
    ['a tag over 100 characters', { tags: ['ok', 't'.repeat(101)] }, ['too_long:warning']],
    ['blank company', { company: null }, []],
    [
      'additional phones',
      { phone_additional: ['+14155550123', '0123'] },
      ['invalid_phone:warning'],
    ],
  ])('%s', (_name, fields, expected) => {
    expect(codes(draft({ ...ok, ...fields }))).toEqual(expected);
  });

  it('drops the bad values and keeps the row', () => {
    const d = draft({ ...ok, company: 'A', lead_score: 140, city: 'Paris' }, { tier: 'Gold' });
    const v = validateDraft(d, 4, {
      customFields: [{ key: 'tier', label: 'Tier', type: 'select', options: ['Free', 'Pro'] }],
    });
    expect(v.rejected).toBe(false);
    expect(v.dropped).toEqual(['company', 'lead_score', 'custom:tier']);
    expect(withoutDropped(d, v.dropped)).toEqual({ fields: { ...ok, city: 'Paris' }, custom: {} });
  });

  it('applies tenant rules over the defaults, required included', () => {
    const rules: ValidationRules = {
      fields: { company: { required: true }, city: { maxLength: 3 } },
    };
    expect(codes(draft({ ...ok, city: 'Paris' }), rules)).toEqual([
      'required_missing:warning',
      'too_long:warning',
    ]);
    expect(codes(draft({ ...ok, company: 'A' }), rules)).toEqual(['too_short:warning']);
    expect(codes(draft(ok), { ...rules, requiredSeverity: 'error' })).toContain(
      'required_missing:error',
    );
  });

  it('a rejected row is reported as rejected', () => {
    expect(validateDraft(draft({ company: 'Acme' }), 2).rejected).toBe(true);
  });
});

describe('validateRow: custom fields', () => {
  const ok = { email: 'jane@example.com' };
  const defs: CustomFieldDef[] = [
    { key: 'industry', label: 'Industry', type: 'text', required: true, maxLength: 5 },
    { key: 'revenue', label: 'Revenue', type: 'number', min: 0, max: 1_000_000_000 },
    { key: 'tier', label: 'Tier', type: 'select', options: ['Free', 'Pro'] },
    { key: 'topics', label: 'Topics', type: 'multi_select', options: ['a', 'b'] },
    { key: 'vip', label: 'VIP', type: 'boolean' },
    { key: 'renewal', label: 'Renewal', type: 'date' },
  ];
  const rules: ValidationRules = { customFields: defs };

  it.each<[string, Record<string, FieldValue>, string[]]>([
    [
      'all good',
      {
        industry: 'SaaS',
        revenue: 10,
        tier: 'Pro',
        topics: ['a'],
        vip: true,
        renewal: '2026-01-31',
      },
      [],
    ],
    ['required missing', {}, ['required_missing:warning']],
    ['text too long', { industry: 'Banking' }, ['too_long:warning']],
    ['number out of range', { industry: 'SaaS', revenue: -5 }, ['out_of_range:warning']],
    ['number as text', { industry: 'SaaS', revenue: '5' }, ['invalid_type:warning']],
    ['unknown option', { industry: 'SaaS', tier: 'Gold' }, ['invalid_option:warning']],
    ['unknown multi option', { industry: 'SaaS', topics: ['a', 'z'] }, ['invalid_option:warning']],
    ['boolean as text', { industry: 'SaaS', vip: 'yes' }, ['invalid_type:warning']],
    ['bad date', { industry: 'SaaS', renewal: '31/01/2026' }, ['invalid_type:warning']],
  ])('%s', (_name, custom, expected) => {
    expect(codes(draft(ok, custom), rules)).toEqual(expected);
  });

  it('names custom fields custom:<key> in issues', () => {
    const [found] = validateRow(draft(ok, { industry: 'Banking' }), 9, rules);
    expect(found).toMatchObject({ field: 'custom:industry', value: 'Banking', row: 9 });
  });
});
