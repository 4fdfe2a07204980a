import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../model/contact.ts';
import { decideField, fieldStrategyFor, type FieldContext } from './field-strategy.ts';
import type { FieldStrategy } from './types.ts';

const ctx = (over: Partial<FieldContext> = {}): FieldContext => ({
  ref: 'company',
  clearBlanks: false,
  rowIsNewer: null,
  ...over,
});

describe('decideField', () => {
  const cases: {
    strategy: FieldStrategy;
    incoming: FieldValue;
    stored: FieldValue | undefined;
    ctx?: Partial<FieldContext>;
    want: FieldValue | 'keep';
  }[] = [
    { strategy: 'keep_existing', incoming: 'New', stored: null, want: 'keep' },
    {
      strategy: 'keep_existing',
      incoming: null,
      stored: 'Old',
      ctx: { clearBlanks: true },
      want: 'keep',
    },
    { strategy: 'update_if_blank', incoming: 'New', stored: null, want: 'New' },
    { strategy: 'update_if_blank', incoming: 'New', stored: undefined, want: 'New' },
    { strategy: 'update_if_blank', incoming: 'New', stored: ' ', want: 'New' },
    { strategy: 'update_if_blank', incoming: 'New', stored: 'Old', want: 'keep' },
    { strategy: 'always_update', incoming: 'New', stored: 'Old', want: 'New' },
    { strategy: 'always_update', incoming: null, stored: 'Old', want: 'keep' },
    {
      strategy: 'always_update',
      incoming: '',
      stored: 'Old',
      ctx: { clearBlanks: true },
      want: null,
    },
    {
      strategy: 'always_update',
      incoming: null,
      stored: null,
      ctx: { clearBlanks: true },
      want: 'keep',
    },
    {
      strategy: 'append',
      incoming: ['VIP', 'new', 'vip'],
      stored: ['vip', 'lead'],
      ctx: { ref: 'tags' },
      want: ['vip', 'lead', 'new'],
    },
    {
      strategy: 'append',
      incoming: ['B@x.co', 'c@x.co'],
      stored: ['b@x.co'],
      ctx: { ref: 'email_additional' },
      want: ['b@x.co', 'B@x.co', 'c@x.co'],
    },
    {
      strategy: 'append',
      incoming: ['a'],
      stored: null,
      ctx: { ref: 'custom:langs' },
      want: ['a'],
    },
    { strategy: 'append', incoming: 'New', stored: 'Old', want: 'keep' },
    { strategy: 'append', incoming: 'New', stored: null, want: 'New' },
    {
      strategy: 'append',
      incoming: [],
      stored: ['a'],
      ctx: { ref: 'tags', clearBlanks: true },
      want: 'keep',
    },
    {
      strategy: 'update_if_newer',
      incoming: 'New',
      stored: 'Old',
      ctx: { rowIsNewer: true },
      want: 'New',
    },
    {
      strategy: 'update_if_newer',
      incoming: 'New',
      stored: 'Old',
      ctx: { rowIsNewer: false },
      want: 'keep',
    },
    { strategy: 'update_if_newer', incoming: 'New', stored: 'Old', want: 'keep' },
    {
      strategy: 'update_if_newer',
      incoming: null,
      stored: 'Old',
      ctx: { rowIsNewer: true, clearBlanks: true },
      want: null,
    },
    {
      strategy: 'update_if_newer',
      incoming: null,
      stored: 'Old',
      ctx: { rowIsNewer: false, clearBlanks: true },
      want: 'keep',
    },
    { strategy: 'keep_higher', incoming: 75, stored: 40, want: 75 },
    { strategy: 'keep_higher', incoming: 40, stored: 75, want: 'keep' },
    { strategy: 'keep_higher', incoming: 40, stored: 40, want: 'keep' },
    { strategy: 'keep_higher', incoming: 40, stored: null, want: 40 },
    { strategy: 'keep_higher', incoming: '9', stored: 40, want: 'keep' },
    {
      strategy: 'keep_higher',
      incoming: null,
      stored: 40,
      ctx: { clearBlanks: true },
      want: 'keep',
    },
  ];

  it.each(cases)(
    '$strategy: $incoming over $stored',
    ({ strategy, incoming, stored, want, ...c }) => {
      const decision = decideField(strategy, incoming, stored, ctx(c.ctx));
      expect('set' in decision ? decision.set : 'keep').toEqual(want);
    },
  );

  it('update_if_newer that cannot tell says why', () => {
    expect(decideField('update_if_newer', 'x', 'y', ctx())).toEqual({
      keep: true,
      reason: 'newer_unknown',
    });
  });
});

describe('fieldStrategyFor', () => {
  it('own override, then custom:*, then tags append, then the duplicate strategy', () => {
    const fields = {
      company: 'keep_existing',
      'custom:*': 'update_if_newer',
      'custom:plan': 'append',
    } as const;
    expect(fieldStrategyFor('company', { strategy: 'update', fields })).toBe('keep_existing');
    expect(fieldStrategyFor('custom:industry', { strategy: 'update', fields })).toBe(
      'update_if_newer',
    );
    expect(fieldStrategyFor('custom:plan', { strategy: 'update', fields })).toBe('append');
    expect(fieldStrategyFor('tags', { strategy: 'update' })).toBe('append');
    expect(fieldStrategyFor('tags', { strategy: 'merge' })).toBe('append');
    expect(
      fieldStrategyFor('tags', { strategy: 'update', fields: { tags: 'always_update' } }),
    ).toBe('always_update');
    expect(fieldStrategyFor('first_name', { strategy: 'update' })).toBe('always_update');
    expect(fieldStrategyFor('first_name', { strategy: 'merge' })).toBe('update_if_blank');
  });
});
