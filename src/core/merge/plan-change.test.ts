import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentStatus, ContactDraft, StoredContact } from '../model/contact.ts';
import { planChange } from './plan-change.ts';
import type { Change, FieldDiff, MergeOptions } from './types.ts';

/** The contact of the spec's example, as stored. */
const stored = (over: Partial<StoredContact> = {}): StoredContact => ({
  id: 'c1',
  version: 3,
  updatedAt: '2025-06-01T00:00:00Z',
  consent: { email: 'opted_in', sms: 'unknown' },
  fields: {
    email: 'john@example.com',
    first_name: 'John',
    last_name: 'Doe',
    company: 'Acme Inc',
    tags: ['customer'],
    lead_score: 40,
  },
  custom: { industry: 'SaaS' },
  ...over,
});

/** The same person in a new file: some values changed, one blank, one new custom field. */
const row = (): ContactDraft => ({
  fields: {
    email: 'john@example.com',
    first_name: 'Johnny',
    last_name: null,
    company: 'Acme Corporation',
    tags: ['vip', 'Customer'],
    lead_score: 75,
    last_activity_at: '2026-01-01T00:00:00Z',
  },
  custom: { industry: 'Technology', plan: 'pro' },
});

const d = (field: string, before: FieldDiff['before'], after: FieldDiff['after']): FieldDiff => ({
  field,
  before,
  after,
});

const diffOf = (c: Change): FieldDiff[] => (c.kind === 'update' ? c.diff : []);

describe('planChange: duplicate strategies on the spec example', () => {
  const cases: { name: string; opts: MergeOptions; kind: Change['kind']; diff?: FieldDiff[] }[] = [
    { name: 'skip keeps the contact', opts: { strategy: 'skip' }, kind: 'skip' },
    { name: 'create always creates', opts: { strategy: 'create' }, kind: 'create' },
    {
      name: 'update overwrites with non-blank values, tags appended',
      opts: { strategy: 'update' },
      kind: 'update',
      diff: [
        d('first_name', 'John', 'Johnny'),
        d('company', 'Acme Inc', 'Acme Corporation'),
        d('tags', ['customer'], ['customer', 'vip']),
        d('lead_score', 40, 75),
        d('last_activity_at', null, '2026-01-01T00:00:00Z'),
        d('custom:industry', 'SaaS', 'Technology'),
        d('custom:plan', null, 'pro'),
      ],
    },
    {
      name: 'update with clearBlanks clears the blank last name',
      opts: { strategy: 'update', clearBlanks: true },
      kind: 'update',
      diff: [
        d('first_name', 'John', 'Johnny'),
        d('last_name', 'Doe', null),
        d('company', 'Acme Inc', 'Acme Corporation'),
        d('tags', ['customer'], ['customer', 'vip']),
        d('lead_score', 40, 75),
        d('last_activity_at', null, '2026-01-01T00:00:00Z'),
        d('custom:industry', 'SaaS', 'Technology'),
        d('custom:plan', null, 'pro'),
      ],
    },
    {
      name: 'merge fills blanks only',
      opts: { strategy: 'merge' },
      kind: 'update',
      diff: [
        d('tags', ['customer'], ['customer', 'vip']),
        d('last_activity_at', null, '2026-01-01T00:00:00Z'),
        d('custom:plan', null, 'pro'),
      ],
    },
    {
      name: 'merge with clearBlanks still clears nothing (it never overwrites)',
      opts: { strategy: 'merge', clearBlanks: true },
      kind: 'update',
      diff: [
        d('tags', ['customer'], ['customer', 'vip']),
        d('last_activity_at', null, '2026-01-01T00:00:00Z'),
        d('custom:plan', null, 'pro'),
      ],
    },
    {
      name: 'spec "Per-Field Strategy" screen',
      opts: {
        strategy: 'update',
        fields: {
          email: 'keep_existing',
          first_name: 'update_if_blank',
          last_name: 'update_if_blank',
          company: 'always_update',
          tags: 'append',
          'custom:*': 'update_if_blank',
          lead_score: 'keep_existing',
          last_activity_at: 'keep_existing',
        },
      },
      kind: 'update',
      diff: [
        d('company', 'Acme Inc', 'Acme Corporation'),
        d('tags', ['customer'], ['customer', 'vip']),
        d('custom:plan', null, 'pro'),
      ],
    },
    {
      name: 'spec "Conflict Resolution" (custom fields if newer, lead score higher)',
      opts: {
        strategy: 'update',
        fields: {
          email: 'keep_existing',
          first_name: 'update_if_blank',
          last_name: 'update_if_blank',
          tags: 'append',
          'custom:*': 'update_if_newer',
          lead_score: 'keep_higher',
        },
        newer: { rowField: 'last_activity_at' },
      },
      kind: 'update',
      diff: [
        d('company', 'Acme Inc', 'Acme Corporation'),
        d('tags', ['customer'], ['customer', 'vip']),
        d('lead_score', 40, 75),
        d('last_activity_at', null, '2026-01-01T00:00:00Z'),
        d('custom:industry', 'SaaS', 'Technology'),
        d('custom:plan', null, 'pro'),
      ],
    },
  ];

  it.each(cases)('$name', ({ opts, kind, diff }) => {
    const change = planChange(row(), stored(), opts, 5);
    expect(change.kind).toBe(kind);
    if (diff !== undefined) expect(diffOf(change)).toEqual(diff);
  });

  it.each(['skip', 'update', 'merge', 'create'] as const)(
    'a row without a matching contact is created (%s)',
    (strategy) => {
      const change = planChange(row(), null, { strategy });
      expect(change).toEqual({
        kind: 'create',
        values: {
          fields: {
            email: 'john@example.com',
            first_name: 'Johnny',
            company: 'Acme Corporation',
            tags: ['vip', 'Customer'],
            lead_score: 75,
            last_activity_at: '2026-01-01T00:00:00Z',
          },
          custom: { industry: 'Technology', plan: 'pro' },
        },
        consent: {},
        issues: [],
      });
    },
  );

  it('skip names its reason', () => {
    expect(planChange(row(), stored(), { strategy: 'skip' })).toEqual({
      kind: 'skip',
      reason: 'duplicate_exists',
      issues: [],
    });
  });
});

describe('planChange: absent, blank and unchanged', () => {
  it('never touches fields the file did not map', () => {
    const change = planChange({ fields: { company: 'New Co' }, custom: {} }, stored(), {
      strategy: 'update',
      clearBlanks: true,
    });
    expect(diffOf(change)).toEqual([d('company', 'Acme Inc', 'New Co')]);
  });

  it('a blank never clears without clearBlanks, for every strategy', () => {
    const blank: ContactDraft = {
      fields: { first_name: null, tags: [], lead_score: null, company: '  ' },
      custom: { industry: null },
    };
    for (const strategy of ['update', 'merge'] as const) {
      expect(planChange(blank, stored(), { strategy }).kind).toBe('unchanged');
    }
  });

  it('is unchanged when values equal: lists as sets, numbers by value, strings exactly', () => {
    const same: ContactDraft = {
      fields: { email: 'john@example.com', tags: ['customer', 'customer'], lead_score: 40.0 },
      custom: { industry: 'SaaS' },
    };
    expect(planChange(same, stored(), { strategy: 'update' })).toEqual({
      kind: 'unchanged',
      issues: [],
    });
    const multi = stored({
      fields: { ...stored().fields, email_additional: ['a@x.co', 'b@x.co'] },
    });
    const reordered: ContactDraft = {
      fields: { email_additional: ['b@x.co', 'a@x.co'] },
      custom: {},
    };
    expect(planChange(reordered, multi, { strategy: 'update' }).kind).toBe('unchanged');
    const recased: ContactDraft = { fields: { company: 'ACME INC' }, custom: {} };
    expect(planChange(recased, stored(), { strategy: 'update' }).kind).toBe('update');
  });

  it('reports a field an import may not write instead of dropping it silently', () => {
    const draft: ContactDraft = { fields: { emails_sent: 12, company: 'Acme Inc' }, custom: {} };
    const change = planChange(draft, stored(), { strategy: 'update' }, 9);
    expect(change.kind).toBe('unchanged');
    expect(change.issues).toMatchObject([
      { row: 9, field: 'emails_sent', value: '12', code: 'field_not_importable' },
    ]);
    const created = planChange(draft, null, { strategy: 'update' }, 9);
    expect(created.kind === 'create' && created.values.fields).toEqual({ company: 'Acme Inc' });
    expect(created.issues).toHaveLength(1);
  });
});

describe('planChange: update_if_newer', () => {
  const opts = (rowField: string, existingField?: string): MergeOptions => ({
    strategy: 'update',
    fields: { 'custom:industry': 'update_if_newer' },
    newer: existingField === undefined ? { rowField } : { rowField, existingField },
  });
  const draft = (at: string | null): ContactDraft => ({
    fields: { last_activity_at: at },
    custom: { industry: 'Technology' },
  });

  it('updates when the row is newer than updatedAt, keeps when older', () => {
    const newer = planChange(draft('2026-01-01T00:00:00Z'), stored(), opts('last_activity_at'));
    expect(diffOf(newer)).toContainEqual(d('custom:industry', 'SaaS', 'Technology'));
    const older = planChange(draft('2024-01-01T00:00:00Z'), stored(), opts('last_activity_at'));
    expect(diffOf(older).map((x) => x.field)).toEqual(['last_activity_at']);
  });

  it('compares with a named field of the contact', () => {
    const contact = stored({
      fields: { ...stored().fields, last_activity_at: '2026-06-01T00:00:00Z' },
    });
    const c = planChange(draft('2026-01-01T00:00:00Z'), contact, {
      ...opts('last_activity_at', 'last_activity_at'),
      fields: { 'custom:industry': 'update_if_newer', last_activity_at: 'keep_existing' },
    });
    expect(c.kind).toBe('unchanged');
  });

  it('keeps the value and reports merge_newer_unknown when the row has no timestamp', () => {
    const c = planChange(draft(null), stored(), opts('last_activity_at'), 4);
    expect(c.kind).toBe('unchanged');
    expect(c.issues).toMatchObject([
      { row: 4, field: 'custom:industry', value: 'Technology', code: 'merge_newer_unknown' },
    ]);
  });

  it('clears a blank with clearBlanks only when the row is newer', () => {
    const blank: ContactDraft = {
      fields: { last_activity_at: '2026-01-01T00:00:00Z' },
      custom: { industry: null },
    };
    const c = planChange(blank, stored(), { ...opts('last_activity_at'), clearBlanks: true });
    expect(diffOf(c)).toContainEqual(d('custom:industry', 'SaaS', null));
  });
});

describe('planChange: consent', () => {
  const withConsent = (email: ConsentStatus, sms: ConsentStatus = 'unknown') =>
    stored({ consent: { email, sms } });
  const optIn = (email: boolean | null, sms?: boolean): ContactDraft => ({
    fields: sms === undefined ? { email_opt_in: email } : { email_opt_in: email, sms_opt_in: sms },
    custom: {},
  });
  const on: MergeOptions = { strategy: 'update', importConsent: true };

  it('ignores opt-in columns unless the import says so', () => {
    expect(planChange(optIn(false), withConsent('opted_in'), { strategy: 'update' }).kind).toBe(
      'unchanged',
    );
    const created = planChange(optIn(true, true), null, { strategy: 'update' });
    expect(created.kind === 'create' && created.consent).toEqual({});
  });

  it('never turns opted_out into opted_in, and says so', () => {
    const c = planChange(optIn(true), withConsent('opted_out'), on, 3);
    expect(c.kind).toBe('unchanged');
    expect(c.issues).toMatchObject([
      { row: 3, field: 'email_opt_in', code: 'consent_not_upgraded', severity: 'warning' },
    ]);
  });

  it('applies a withdrawal and a first opt-in', () => {
    const c = planChange(optIn(false, true), withConsent('opted_in', 'unknown'), on);
    expect(diffOf(c)).toEqual([
      d('email_consent', 'opted_in', 'opted_out'),
      d('sms_consent', 'unknown', 'opted_in'),
    ]);
  });

  it('a blank opt-in cell never clears consent, even with clearBlanks', () => {
    const c = planChange(optIn(null), withConsent('opted_in'), { ...on, clearBlanks: true });
    expect(c.kind).toBe('unchanged');
  });

  it('keep_existing on the opt-in field keeps consent', () => {
    const c = planChange(optIn(false), withConsent('opted_in'), {
      ...on,
      fields: { email_opt_in: 'keep_existing' },
    });
    expect(c.kind).toBe('unchanged');
  });

  it('a created contact carries the imported consent', () => {
    const c = planChange(optIn(true, false), null, on);
    expect(c.kind === 'create' && c.consent).toEqual({ email: 'opted_in', sms: 'opted_out' });
    expect(c.kind === 'create' && c.values.fields).toEqual({});
  });

  it('property: an opted_out channel is never planned opted_in', () => {
    const status = fc.constantFrom<ConsentStatus>('unknown', 'opted_in', 'opted_out');
    const optInValue = fc.option(fc.boolean(), { nil: null });
    const strategy = fc.constantFrom('skip', 'update', 'merge', 'create') as fc.Arbitrary<
      MergeOptions['strategy']
    >;
    const fieldStrategy = fc.constantFrom(
      'keep_existing',
      'update_if_blank',
      'always_update',
      'append',
      'update_if_newer',
      'keep_higher',
    ) as fc.Arbitrary<NonNullable<MergeOptions['fields']>[string]>;
    fc.assert(
      fc.property(
        fc.record({ email: status, sms: status }),
        fc.record({ email_opt_in: optInValue, sms_opt_in: optInValue }, { requiredKeys: [] }),
        strategy,
        fc.record({ email_opt_in: fieldStrategy, sms_opt_in: fieldStrategy }, { requiredKeys: [] }),
        fc.boolean(),
        fc.boolean(),
        (consent, optIns, strat, fields, importConsent, clearBlanks) => {
          const contact = stored({ consent });
          const draft: ContactDraft = { fields: { company: 'X', ...optIns }, custom: {} };
          const c = planChange(draft, contact, {
            strategy: strat,
            fields,
            importConsent,
            clearBlanks,
          });
          if (c.kind !== 'update') return;
          for (const channel of ['email', 'sms'] as const) {
            if (consent[channel] !== 'opted_out') continue;
            const change = c.diff.find((x) => x.field === `${channel}_consent`);
            expect(change?.after).not.toBe('opted_in');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('planChange: properties', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.constantFrom('', 'Acme', 'acme', 'Doe'),
    fc.integer({ min: 0, max: 100 }),
    fc.array(fc.constantFrom('vip', 'VIP', 'lead'), { maxLength: 3 }),
  );
  const draftArb = fc.record({
    fields: fc.dictionary(fc.constantFrom('company', 'first_name', 'tags', 'lead_score'), value),
    custom: fc.dictionary(fc.constantFrom('industry', 'plan'), value),
  });
  const optsArb = fc.record({
    strategy: fc.constantFrom('update', 'merge') as fc.Arbitrary<MergeOptions['strategy']>,
    fields: fc.dictionary(
      fc.constantFrom('company', 'tags', 'lead_score', 'custom:*'),
      fc.constantFrom(
        'keep_existing',
        'update_if_blank',
        'always_update',
        'append',
        'update_if_newer',
        'keep_higher',
      ) as fc.Arbitrary<NonNullable<MergeOptions['fields']>[string]>,
    ),
    newer: fc.constant({ rowField: 'last_activity_at' }),
  });

  it('touches only fields in the row, and without clearBlanks never blanks a value', () => {
    fc.assert(
      fc.property(draftArb, optsArb, (draft, opts) => {
        const c = planChange(draft, stored(), opts);
        const present = new Set([
          ...Object.keys(draft.fields),
          ...Object.keys(draft.custom).map((k) => `custom:${k}`),
        ]);
        for (const x of diffOf(c)) {
          expect(present.has(x.field)).toBe(true);
          expect(x.after === null || (Array.isArray(x.after) && x.after.length === 0)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('planning the result again is unchanged (a second import of the same row does nothing)', () => {
    fc.assert(
      fc.property(draftArb, optsArb, (draft, opts) => {
        const first = planChange(draft, stored(), opts);
        if (first.kind !== 'update') return;
        const after = stored();
        for (const x of first.diff) {
          if (x.field.startsWith('custom:')) after.custom[x.field.slice(7)] = x.after;
          else after.fields[x.field] = x.after;
        }
        expect(planChange(draft, after, opts).kind).toBe('unchanged');
      }),
      { numRuns: 1000 },
    );
  });
});
