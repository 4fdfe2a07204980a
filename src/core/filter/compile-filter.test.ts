import { describe, expect, it } from 'vitest';
import type { CustomFieldDef } from '../model/fields.ts';
import { checkFilter } from './check-filter.ts';
import { compileFilter } from './compile-filter.ts';
import { parseFilter } from './parse-filter.ts';

const customFields: CustomFieldDef[] = [
  { key: 'company_size', label: 'Size', type: 'select', options: ['1-10', '11-50', '51-200'] },
  { key: 'interests', label: 'Interests', type: 'multi_select', options: ['ai', 'cloud'] },
  { key: 'plan', label: 'Plan', type: 'text' },
  { key: 'seats', label: 'Seats', type: 'number' },
  { key: 'renewal', label: 'Renewal', type: 'date' },
  { key: 'trial', label: 'Trial', type: 'boolean' },
];

const compile = (text: string, paramOffset = 0) =>
  compileFilter(checkFilter(parseFilter(text), { customFields }), { paramOffset });

const SEGMENT_JOIN =
  'exists (select 1 from segment_members sm join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id';

describe('compileFilter', () => {
  it('compiles comparisons with typed placeholders after the offset', () => {
    expect(compile('lead_score > 50', 1)).toEqual({
      sql: 'coalesce(c.lead_score > $2::numeric, false)',
      params: [50],
    });
    for (const op of ['=', '<', '<=', '>=']) {
      expect(compile(`lead_score ${op} 7`).sql).toBe(
        `coalesce(c.lead_score ${op} $1::numeric, false)`,
      );
    }
    expect(compile('country != "France"')).toEqual({
      sql: 'coalesce(not coalesce(c.country = $1::text, false), false)',
      params: ['France'],
    });
    expect(compile('birthday = 1990-04-01').sql).toBe('coalesce(c.birthday = $1::date, false)');
    expect(compile('updated_at > 2025-10-01T09:30:00Z')).toEqual({
      sql: 'coalesce(c.updated_at > $1::timestamptz, false)',
      params: ['2025-10-01T09:30:00Z'],
    });
  });

  it('treats a bare date against a timestamp as the whole day', () => {
    expect(compile('created_at = 2025-10-01').sql).toBe(
      'coalesce((c.created_at >= $1::date and c.created_at < $1::date + 1), false)',
    );
    expect(compile('created_at <= 2025-10-01').sql).toBe(
      'coalesce(c.created_at < $1::date + 1, false)',
    );
    expect(compile('created_at > 2025-10-01').sql).toBe(
      'coalesce(c.created_at >= $1::date + 1, false)',
    );
    expect(compile('created_at between 2025-10-01 and 2025-10-31')).toEqual({
      sql: 'coalesce((c.created_at >= $1::date and c.created_at < $2::date + 1), false)',
      params: ['2025-10-01', '2025-10-31'],
    });
  });

  it('compiles and, or, not with parentheses that keep precedence', () => {
    expect(compile('not lead_score = 1 and (country = "A" or country = "B")')).toEqual({
      sql:
        '((not coalesce(c.lead_score = $1::numeric, false)) and ' +
        '(coalesce(c.country = $2::text, false) or coalesce(c.country = $3::text, false)))',
      params: [1, 'A', 'B'],
    });
  });

  it('compiles contains for text, tags and multi-select', () => {
    expect(compile('notes contains "50%"')).toEqual({
      sql: 'coalesce(strpos(lower(c.notes), lower($1::text)) > 0, false)',
      params: ['50%'],
    });
    expect(compile('tags contains "vip"').sql).toBe('coalesce($1::text = any(c.tags), false)');
    expect(compile('interests contains "ai"').sql).toBe(
      "coalesce((c.custom->'interests') @> jsonb_build_array($1::text), false)",
    );
  });

  it('compiles in, is empty, is not empty and within', () => {
    expect(compile('lead_score in (1, 2)')).toEqual({
      sql: 'coalesce(c.lead_score = any($1::numeric[]), false)',
      params: [[1, 2]],
    });
    expect(compile('phone is empty').sql).toBe(
      "coalesce((c.phone is null or c.phone = ''), false)",
    );
    expect(compile('lead_score is not empty').sql).toBe(
      'coalesce(not c.lead_score is null, false)',
    );
    expect(compile('tags is empty').sql).toBe('coalesce(cardinality(c.tags) = 0, false)');
    expect(compile('last_activity_at within 30 days')).toEqual({
      sql: "coalesce(c.last_activity_at >= now() - $1::integer * interval '1 day', false)",
      params: [30],
    });
  });

  it('compiles consent flags to the consent status', () => {
    expect(compile('email_opt_in = true')).toEqual({
      sql: "coalesce(c.email_consent_status = 'opted_in', false)",
      params: [],
    });
    expect(compile('sms_opt_in = false').sql).toBe(
      "coalesce(not (c.sms_consent_status = 'opted_in'), false)",
    );
    expect(compile('bounced = false').sql).toBe('coalesce(c.bounced = $1::boolean, false)');
  });

  it('compiles segment membership by name', () => {
    const { sql, params } = compile('segment = "Hot Leads"', 1);
    expect(sql).toBe(
      `coalesce(${SEGMENT_JOIN} where s.name = $2::text and sm.contact_id = c.id and sm.tenant_id = c.tenant_id), false)`,
    );
    expect(params).toEqual(['Hot Leads']);
    expect(compile('segment in ("A", "B")').sql).toContain('s.name = any($1::text[])');
  });

  it('compares select options by their order', () => {
    expect(compile('company_size >= "11-50"', 1)).toEqual({
      sql: "coalesce(array_position($2::text[], (c.custom->>'company_size')) >= $3::integer, false)",
      params: [['1-10', '11-50', '51-200'], 2],
    });
    expect(compile('company_size = "11-50"').sql).toBe(
      "coalesce((c.custom->>'company_size') = $1::text, false)",
    );
    expect(compile('company_size between "1-10" and "11-50"').params).toEqual([
      ['1-10', '11-50', '51-200'],
      1,
      2,
    ]);
  });

  it('reads typed custom values defensively', () => {
    expect(compile('seats > 3').sql).toBe(
      "coalesce((case when jsonb_typeof(c.custom->'seats') = 'number' then (c.custom->>'seats')::numeric end) > $1::numeric, false)",
    );
    expect(compile('trial = true').sql).toContain("jsonb_typeof(c.custom->'trial') = 'boolean'");
    expect(compile('renewal < 2026-01-01').sql).toContain("(c.custom->>'renewal')::date");
  });
});
