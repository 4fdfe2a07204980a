import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { standardField, type CustomFieldDef } from '../model/fields.ts';
import type { RawRecord } from '../model/record.ts';
import { profileColumns } from './profile-columns.ts';
import { suggestMapping, toPresetMapping } from './suggest-mapping.ts';
import type { ColumnSuggestion, MappingContext } from './types.ts';

const table = (
  header: string[],
  ...rows: string[][]
): { header: string[]; records: RawRecord[] } => ({
  header,
  records: rows.map((cells, i) => ({ rowNumber: i + 2, cells })),
});

function suggest(
  header: string[],
  rows: string[][],
  ctx: Partial<MappingContext> = {},
): ColumnSuggestion[] {
  const t = table(header, ...rows);
  return suggestMapping(profileColumns(t.header, t.records), {
    customFields: [],
    hasHeader: true,
    ...ctx,
  });
}

const fields = (s: ColumnSuggestion[]): Array<string | null> => s.map((x) => x.field);
const byHeader = (s: ColumnSuggestion[], header: string): ColumnSuggestion =>
  s.find((x) => x.header === header)!;

describe('suggestMapping: methods', () => {
  it('exact and synonym', () => {
    const s = suggest(['first_name', 'E-mail Address'], [['Ana', 'ana@x.io']]);
    expect(s[0]).toMatchObject({ field: 'first_name', method: 'exact', confidence: 1 });
    expect(s[1]).toMatchObject({ field: 'email', method: 'synonym', inferredType: 'email' });
    expect(s[1]!.confidence).toBeGreaterThan(0.8);
    expect(s[1]!.samples).toEqual(['ana@x.io']);
  });

  it('fuzzy, with the similarity as confidence', () => {
    const [s] = suggest(['emial'], [['ana@x.io']]);
    expect(s).toMatchObject({ field: 'email', method: 'fuzzy', confidence: 0.8 });
  });

  it('pattern: values decide when the header says nothing, or says something else', () => {
    const s = suggest(
      ['Column 3', 'Contact', 'Kontaktdaten', 'Link', 'Web'],
      [
        ['ana@x.io', 'bo@y.io', '+49 30 1234567', 'https://www.linkedin.com/in/ana', 'acme.io'],
        ['cy@z.io', 'di@w.io', '+49 30 7654321', 'https://www.linkedin.com/in/cy', 'globex.com'],
      ],
    );
    expect(s[0]).toMatchObject({ field: 'email', method: 'pattern' });
    expect(s[1]).toMatchObject({ field: 'email_additional', method: 'pattern' });
    expect(s[2]).toMatchObject({ field: 'phone', method: 'pattern' });
    expect(s[3]).toMatchObject({ field: 'linkedin_url', method: 'pattern' });
    expect(s[4]).toMatchObject({ field: 'website', method: 'synonym' });
  });

  it('pattern overrides a header guess that the values contradict', () => {
    const s = suggest(
      ['Name', 'Email'],
      [
        ['ana@x.io', 'Ana'],
        ['bo@y.io', 'Bo'],
      ],
    );
    expect(s[0]).toMatchObject({ field: 'email', method: 'pattern' });
    expect(s[1]!.field).toBeNull();
  });

  it('keeps owner columns that hold users’ email addresses', () => {
    const s = suggest(['Email', 'Contact Owner'], [['ana@x.io', 'sam@us.io']]);
    expect(fields(s)).toEqual(['email', 'owner']);
  });

  it('LinkedIn profile addresses under a URL header become linkedin_url', () => {
    const [s] = suggest(['URL'], [['https://www.linkedin.com/in/ada']]);
    expect(s).toMatchObject({ field: 'linkedin_url', method: 'pattern' });
  });

  it('dates map by value only in headerless or meaningless columns, and only to birthday', () => {
    expect(suggest(['Column 1'], [['1984-02-03'], ['1990-12-01']])[0]).toMatchObject({
      field: 'birthday',
      method: 'pattern',
    });
    expect(suggest(['Column 1'], [['2024-02-03']])[0]!.field).toBeNull();
    expect(suggest(['Connected On'], [['12 Mar 1984']])[0]!.field).toBeNull();
  });

  it('custom_prefix creates a custom field with a key, label and inferred type', () => {
    const [s] = suggest(['custom_field_industry'], [['SaaS'], ['Retail'], ['SaaS']]);
    expect(s).toMatchObject({
      field: 'custom:industry',
      method: 'custom_prefix',
      inferredType: 'select',
      newCustomField: {
        key: 'industry',
        label: 'Industry',
        type: 'select',
        options: ['SaaS', 'Retail'],
      },
    });
  });

  it('custom_existing by prefix or by the field’s key or label', () => {
    const customFields: CustomFieldDef[] = [
      { key: 'company_size', label: 'Company Size', type: 'select', options: ['1-10', '11-50'] },
      { key: 'ltv', label: 'Lifetime Value', type: 'number' },
    ];
    const s = suggest(['cf_company_size', 'Lifetime Value'], [['1-10', '300']], { customFields });
    expect(s[0]).toMatchObject({
      field: 'custom:company_size',
      method: 'custom_existing',
      inferredType: 'select',
    });
    expect(s[0]!.newCustomField).toBeUndefined();
    expect(s[1]).toMatchObject({
      field: 'custom:ltv',
      method: 'custom_existing',
      inferredType: 'number',
    });
  });

  it('custom prefixes create nothing when new custom fields are not allowed', () => {
    const [s] = suggest(['custom_tier'], [['Pro']], { allowNewCustomFields: false });
    expect(s).toMatchObject({ field: null, method: 'none', confidence: 0 });
    expect(s!.newCustomField).toBeUndefined();
  });

  it('none for columns nothing recognises, with the type the values suggest', () => {
    const [s] = suggest(['Shoe Size'], [['42'], ['38']]);
    expect(s).toMatchObject({ field: null, method: 'none', confidence: 0, inferredType: 'number' });
  });
});

describe('suggestMapping: custom type inference through custom_* columns', () => {
  const typeOf = (values: string[]) =>
    suggest(
      ['custom_x'],
      values.map((v) => [v]),
    )[0]!.newCustomField;
  it('number, date, boolean, select, multi_select, text', () => {
    expect(typeOf(['120000', '95000.50'])?.type).toBe('number');
    expect(typeOf(['2025-01-02', '2024-12-31'])?.type).toBe('date');
    expect(typeOf(['yes', 'no', 'yes'])?.type).toBe('boolean');
    expect(typeOf(['Free', 'Starter', 'Pro', 'Free', 'Pro', 'Enterprise'])).toEqual({
      key: 'x',
      label: 'X',
      type: 'select',
      options: ['Free', 'Starter', 'Pro', 'Enterprise'],
    });
    expect(typeOf(['seo|ads', 'ads', 'ads;email'])).toMatchObject({
      type: 'multi_select',
      options: ['seo', 'ads', 'email'],
    });
    expect(typeOf(['a long note', 'another one'])?.type).toBe('text');
  });
});

describe('suggestMapping: one column per single-valued field', () => {
  it('the best column wins, the others go unmapped', () => {
    const s = suggest(['Company', 'Organization Name', 'Account'], [['Acme', 'Acme Corp', 'A1']]);
    expect(fields(s)).toEqual(['company', null, null]);
    expect(byHeader(s, 'Account').method).toBe('none');
  });

  it('extra phone and email columns go to the additional fields', () => {
    const s = suggest(
      [
        'Business Phone',
        'Mobile Phone',
        'Home Phone',
        'E-mail Address',
        'E-mail 2 Address',
        'Other Email',
      ],
      [['+1 206 555 0100', '+1 206 555 0142', '+1 206 555 0175', 'a@x.io', 'b@x.io', 'c@x.io']],
    );
    expect(fields(s)).toEqual([
      'phone_additional',
      'phone',
      'phone_additional',
      'email',
      'email_additional',
      'email_additional',
    ]);
  });

  it('a plain Phone column is primary over a mobile one', () => {
    const s = suggest(['Mobile', 'Phone'], [['+1 512 757 9340', '+1 512 757 6000']]);
    expect(fields(s)).toEqual(['phone_additional', 'phone']);
  });

  it('an empty column does not take the field from a filled one', () => {
    const s = suggest(
      ['Primary Phone', 'Mobile Phone'],
      [
        ['', '+1 206 555 0142'],
        ['', '+1 206 555 0143'],
      ],
    );
    expect(fields(s)).toEqual(['phone_additional', 'phone']);
  });

  it('a "secondary" email becomes the primary when it is the only one', () => {
    expect(fields(suggest(['Secondary Email'], [['a@x.io']]))).toEqual(['email']);
  });

  it('multi-valued fields take several columns', () => {
    const s = suggest(['Tags', 'Labels', 'Categories'], [['a', 'b', 'c']]);
    expect(fields(s)).toEqual(['tags', 'tags', 'tags']);
  });

  it('also one column per custom field', () => {
    const s = suggest(['custom_industry', 'cf_industry'], [['SaaS', 'Retail']]);
    expect(fields(s)).toEqual(['custom:industry', null]);
  });

  it('never maps two columns onto one single-valued field (property)', () => {
    const headers = [
      'Email',
      'E-mail',
      'Phone',
      'Mobile',
      'Name',
      'First Name',
      'fname',
      'Last Name',
      'Company',
      'Organization',
      'Title',
      'Job Title',
      'City',
      'Town',
      'Zip',
      'Column 1',
      'custom_a',
      'cf_a',
      'Tags',
      'Website',
      'URL',
      'Notes',
      'Updated At',
      'Total Opens',
    ];
    const values = ['a@x.io', '+1 415 555 0101', 'Ana Lopez', 'Mr.', 'acme.io', '12', '', 'x|y'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...headers), { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(fc.constantFrom(...values), { minLength: 12, maxLength: 12 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        (header, rows, hasHeader) => {
          const s = suggest(header, rows, { hasHeader });
          const single = s
            .map((x) => x.field)
            .filter((f): f is string => f !== null)
            .filter((f) => !['tags', 'phone_additional', 'email_additional'].includes(f));
          expect(new Set(single).size).toBe(single.length);
          for (const x of s) {
            if (x.field && !x.field.startsWith('custom:')) {
              expect(standardField(x.field)?.importable, x.field).toBe(true);
            }
            expect(x.confidence).toBeGreaterThanOrEqual(0);
            expect(x.confidence).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('suggestMapping: names and titles', () => {
  it('a Name column holding full names maps to full_name when there are no name parts', () => {
    expect(suggest(['Name', 'Email'], [['Ana Lopez', 'ana@x.io']])[0]).toMatchObject({
      field: 'full_name',
      inferredType: 'text',
    });
    expect(fields(suggest(['Contact Name'], [['Ana Lopez']]))).toEqual(['full_name']);
  });

  it('with first and last name columns, the full name column is left out', () => {
    const s = suggest(['Name', 'Given Name', 'Family Name'], [['Ana Lopez', 'Ana', 'Lopez']]);
    expect(fields(s)).toEqual([null, 'first_name', 'last_name']);
  });

  it('Outlook’s Title holds salutations: not a job title; Salesforce’s Title is one', () => {
    expect(
      fields(
        suggest(
          ['Title', 'First Name'],
          [
            ['Mr.', 'Tom'],
            ['Ms.', 'Ann'],
            ['', 'Bo'],
          ],
        ),
      ),
    ).toEqual([null, 'first_name']);
    expect(fields(suggest(['Title'], [['VP Sales'], ['CFO']]))).toEqual(['job_title']);
  });

  it('"State" holding statuses is not a region', () => {
    expect(fields(suggest(['State'], [['active'], ['cancelled']]))).toEqual([null]);
    expect(fields(suggest(['State'], [['WA'], ['TX']]))).toEqual(['region']);
  });
});

describe('suggestMapping: headerless files', () => {
  it('map by values first, then by position in the order email, first, last, company, phone', () => {
    const s = suggest(
      ['Column 1', 'Column 2', 'Column 3', 'Column 4', 'Column 5', 'Column 6'],
      [
        ['Ana', 'Lopez', 'ana@x.io', 'Acme', '+34 600 111 222', ''],
        ['Bo', 'Berg', 'bo@y.io', 'Globex', '+46 70 111 22 33', ''],
      ],
      { hasHeader: false },
    );
    expect(fields(s)).toEqual(['first_name', 'last_name', 'email', 'company', 'phone', null]);
    expect(s.map((x) => x.method)).toEqual([
      'position',
      'position',
      'pattern',
      'position',
      'pattern',
      'none',
    ]);
    expect(s[0]!.confidence).toBeLessThan(0.5);
  });

  it('ignores the (made-up) header names of a headerless file', () => {
    const s = suggest(['Email', 'Phone'], [['Ana', 'Lopez']], { hasHeader: false });
    expect(fields(s)).toEqual(['email', 'first_name']);
    expect(s.every((x) => x.method === 'position')).toBe(true);
  });
});

describe('suggestMapping: presets', () => {
  it('a remembered mapping wins over everything, including "do not import"', () => {
    const s = suggest(['Email', 'Notes', 'Segment'], [['a@x.io', 'hi', 'gold']], {
      preset: { mapping: { Email: 'email_additional', Notes: null, Segment: 'tags' } },
    });
    expect(s.map((x) => [x.field, x.method, x.confidence])).toEqual([
      ['email_additional', 'preset', 1],
      [null, 'preset', 1],
      ['tags', 'preset', 1],
    ]);
  });

  it('matches preset headers after normalisation and leaves other columns to the rules', () => {
    const s = suggest(['E-Mail', 'first name'], [['a@x.io', 'Ana']], {
      preset: { mapping: { 'e-mail': 'email' } },
    });
    expect(s.map((x) => x.method)).toEqual(['preset', 'exact']);
  });

  it('ignores preset entries for fields an import may not write, or that are unknown', () => {
    const s = suggest(['Opens', 'Email'], [['12', 'a@x.io']], {
      preset: { mapping: { Opens: 'emails_opened', Email: 'no_such_field' } },
    });
    expect(s[0]).toMatchObject({ field: null, method: 'none' });
    expect(s[1]).toMatchObject({ field: 'email', method: 'exact' });
  });

  it('preset custom fields: existing ones keep their type; missing ones are created when allowed', () => {
    const customFields: CustomFieldDef[] = [
      { key: 'tier', label: 'Tier', type: 'select', options: ['A'] },
    ];
    const s = suggest(['Level', 'Spend'], [['A', '10']], {
      customFields,
      preset: { mapping: { Level: 'custom:tier', Spend: 'custom:spend' } },
    });
    expect(s[0]).toMatchObject({ field: 'custom:tier', method: 'preset', inferredType: 'select' });
    expect(s[1]).toMatchObject({ field: 'custom:spend', method: 'preset', inferredType: 'number' });
    expect(s[1]!.newCustomField).toEqual({ key: 'spend', label: 'Spend', type: 'number' });
    const denied = suggest(['Spend'], [['10']], {
      allowNewCustomFields: false,
      preset: { mapping: { Spend: 'custom:spend' } },
    });
    expect(denied[0]!.field).toBeNull();
  });

  it('toPresetMapping round-trips a confirmed mapping', () => {
    const first = suggest(['E-mail', 'Vorname', 'Shoe Size'], [['a@x.io', 'Ana', '38']]);
    const preset = toPresetMapping(first);
    expect(preset).toEqual({ 'E-mail': 'email', Vorname: 'first_name', 'Shoe Size': null });
    const again = suggest(['E-mail', 'Vorname', 'Shoe Size'], [['b@y.io', 'Bo', '41']], {
      preset: { mapping: preset },
    });
    expect(fields(again)).toEqual(fields(first));
    expect(again.every((x) => x.method === 'preset')).toBe(true);
  });
});

describe('suggestMapping: fields an import may not write', () => {
  it('are never suggested, whatever the header says', () => {
    const s = suggest(
      [
        'Updated At',
        'Total Opens',
        'Total Clicks',
        'Total Emails Sent',
        'Last Opened',
        'Email Bounced',
        'bounced',
      ],
      [['2024-01-01', '3', '1', '10', '2024-01-01', 'true', 'false']],
    );
    expect(fields(s)).toEqual([null, null, null, null, null, null, null]);
  });
});
