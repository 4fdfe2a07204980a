import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import { STANDARD_FIELDS, type CustomFieldDef } from '../model/fields.ts';
import type { Cell } from '../model/record.ts';
import { buildTransformPlan } from './transform-plan.ts';
import { transformRow } from './transform-row.ts';
import type { TransformColumn, TransformOptions } from './types.ts';

const CUSTOM: CustomFieldDef[] = [
  { key: 'seats', label: 'Seats', type: 'number', min: 1, max: 500 },
  { key: 'renewal', label: 'Renewal', type: 'date' },
  { key: 'trial', label: 'Trial', type: 'boolean' },
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'] },
  {
    key: 'channels',
    label: 'Channels',
    type: 'multi_select',
    options: ['Email', 'SMS', 'WhatsApp'],
  },
  { key: 'nickname', label: 'Nickname', type: 'text', maxLength: 5 },
];

/** Transforms a single cell mapped to `field` and returns the draft and the issue codes. */
function one(field: string, cell: Cell, options: TransformOptions = {}, header = 'Col') {
  const plan = buildTransformPlan([{ index: 0, header, field }], options, CUSTOM);
  const { draft, issues } = transformRow({ rowNumber: 7, cells: [cell] }, plan);
  const bag = field.startsWith('custom:') ? draft.custom : draft.fields;
  const key = field.startsWith('custom:') ? field.slice(7) : field;
  return { has: key in bag, value: bag[key], codes: issues.map((i) => i.code), issues, draft };
}

describe('transformRow: one value per field type', () => {
  it.each<[string, Cell, TransformOptions, unknown]>([
    ['email', '  ana@example.com ', {}, 'ana@example.com'],
    ['first_name', 'Jose\u0301', {}, 'José'],
    ['company', 'acme widgets', {}, 'acme widgets'],
    ['company', 'acme widgets', { titleCase: true }, 'Acme Widgets'],
    ['job_title', 'head of sales', { titleCase: true }, 'head of sales'],
    ['phone', '(415) 555-2671', { defaultCountry: 'US' }, '+14155552671'],
    ['phone', "'+14155552671", {}, '+14155552671'],
    ['phone', '020 7946 0958', { defaultCountry: 'gb' }, '+442079460958'],
    [
      'phone_additional',
      '+44 20 7946 0958 | (415) 555-2671',
      { defaultCountry: 'US' },
      ['+442079460958', '+14155552671'],
    ],
    ['tags', 'VIP|partner, vip;Webinar', {}, ['VIP', 'partner', 'Webinar']],
    ['tags', 'VIP|partner, vip;Webinar', { lowercase: true }, ['vip', 'partner', 'webinar']],
    ['tags', 'a/b', { listDelimiters: ['/'] }, ['a', 'b']],
    ['tags', ['x, y', 'z'], {}, ['x, y', 'z']],
    ['lead_score', '1,234', {}, 1234],
    ['lead_score', '1.234', { decimalSeparator: ',' }, 1234],
    ['birthday', '04/05/1990', { dateFormat: 'MM/DD/YYYY' }, '1990-04-05'],
    ['birthday', '04/05/1990', { dateFormat: 'DD/MM/YYYY' }, '1990-05-04'],
    ['birthday', '32874', { dateFormat: 'excel' }, '1990-01-01'],
    [
      'created_at',
      '2025-03-10 09:30',
      { timeZone: 'America/New_York' },
      '2025-03-10T13:30:00.000Z',
    ],
    ['email_opt_in', 'Opted In', {}, true],
    ['sms_opt_in', 'unsubscribed', {}, false],
    ['custom:seats', '12', {}, 12],
    ['custom:seats', '1.5', {}, 1.5],
    ['custom:renewal', '15-01-2026', { dateFormat: 'DD-MM-YYYY' }, '2026-01-15'],
    ['custom:trial', 'yes', {}, true],
    ['custom:plan', 'pro', {}, 'Pro'],
    ['custom:plan', ' ENTERPRISE ', {}, 'Enterprise'],
    ['custom:channels', 'email; sms', {}, ['Email', 'SMS']],
    ['custom:nickname', 'Bo', {}, 'Bo'],
    ['custom:unknown_new', ' free text ', {}, 'free text'],
  ])('%s <- %j (%j) = %j', (field, cell, options, want) => {
    const r = one(field, cell, options);
    expect(r.codes).toEqual([]);
    expect(r.value).toEqual(want);
  });
});

describe('transformRow: rejected values are reported and left out', () => {
  it.each<[string, Cell, TransformOptions, string]>([
    ['phone', '555-12', { defaultCountry: 'US' }, 'invalid_phone'],
    ['phone', '(415) 555-2671', {}, 'invalid_phone'],
    ['phone_additional', 'abc|12', { defaultCountry: 'US' }, 'invalid_phone'],
    ['birthday', '04/05/1990', {}, 'invalid_date'],
    ['birthday', '02/30/1990', { dateFormat: 'MM/DD/YYYY' }, 'invalid_date'],
    ['created_at', 'soon', {}, 'invalid_date'],
    ['lead_score', '12.5', {}, 'invalid_number'],
    ['lead_score', '1.234,5', {}, 'invalid_number'],
    ['email_opt_in', 'maybe', {}, 'invalid_boolean'],
    ['custom:seats', '0', {}, 'out_of_range'],
    ['custom:seats', '501', {}, 'out_of_range'],
    ['custom:seats', 'many', {}, 'invalid_number'],
    ['custom:renewal', '2026-02-30', {}, 'invalid_date'],
    ['custom:trial', 'perhaps', {}, 'invalid_boolean'],
    ['custom:plan', 'Gold', {}, 'invalid_option'],
    ['custom:channels', 'Fax|Pigeon', {}, 'invalid_option'],
    ['custom:nickname', 'Bartholomew', {}, 'too_long'],
    ['postal_code', '1'.repeat(33), {}, 'too_long'],
    ['tags', 'x'.repeat(101), {}, 'too_long'],
  ])('%s <- %j (%j): %s', (field, cell, options, code) => {
    const r = one(field, cell, options);
    expect(r.has).toBe(false);
    expect(new Set(r.codes)).toEqual(new Set([code]));
    for (const i of r.issues) expect(i.severity).toBe('warning');
  });

  it('an issue names the row, column, field and the original value', () => {
    const r = one('phone', '  555-12 ', { defaultCountry: 'US' }, 'Mobile');
    expect(r.issues).toEqual([
      {
        row: 7,
        column: 'Mobile',
        columnIndex: 1,
        field: 'phone',
        value: '  555-12 ',
        code: 'invalid_phone',
        severity: 'warning',
        message: expect.stringContaining('US'),
      },
    ]);
  });

  it('a phone extension is reported, the number imported', () => {
    const r = one('phone', '(415) 555-2671 x12', { defaultCountry: 'US' });
    expect(r.value).toBe('+14155552671');
    expect(r.codes).toEqual(['phone_extension_dropped']);
  });

  it('a list keeps its good parts and reports each bad one', () => {
    const r = one('custom:channels', 'Email|Fax|sms|Pigeon', {});
    expect(r.value).toEqual(['Email', 'SMS']);
    expect(r.issues.map((i) => i.value)).toEqual(['Fax', 'Pigeon']);
    const p = one('phone_additional', '+14155552671;12', { defaultCountry: 'US' });
    expect(p.value).toEqual(['+14155552671']);
    expect(p.codes).toEqual(['invalid_phone']);
  });
});

describe('transformRow: blanks, missing cells, unmapped columns', () => {
  it.each(['', '   ', ' \t ', []] as Cell[])(
    'blank %j gives null for every kind of field',
    (cell) => {
      for (const field of [
        'email',
        'phone',
        'tags',
        'lead_score',
        'birthday',
        'email_opt_in',
        'custom:plan',
        'custom:channels',
      ]) {
        const r = one(field, cell);
        expect(r.has, field).toBe(true);
        expect(r.value, field).toBeNull();
        expect(r.codes).toEqual([]);
      }
    },
  );

  it('a short row reads missing cells as blank; unmapped columns never appear', () => {
    const plan = buildTransformPlan(
      [
        { index: 0, header: 'Email', field: 'email' },
        { index: 1, header: 'Notes?', field: null },
        { index: 2, header: 'City', field: 'city' },
      ],
      {},
    );
    const { draft } = transformRow({ rowNumber: 2, cells: ['a@b.co', 'ignored'] }, plan);
    expect(draft).toEqual({ fields: { email: 'a@b.co', city: null }, custom: {} });
  });

  it('two columns on one list field are unioned; on a single field the first non-blank wins', () => {
    const plan = buildTransformPlan(
      [
        { index: 0, header: 'Tags', field: 'tags' },
        { index: 1, header: 'More tags', field: 'tags' },
        { index: 2, header: 'Phone 1', field: 'phone' },
        { index: 3, header: 'Phone 2', field: 'phone' },
      ],
      { defaultCountry: 'US' },
    );
    const { draft } = transformRow(
      { rowNumber: 2, cells: ['a|b', 'B|c', '', '(415) 555-2671'] },
      plan,
    );
    expect(draft.fields).toEqual({ tags: ['a', 'b', 'c'], phone: '+14155552671' });
  });
});

describe('transformRow: import tags', () => {
  const cols: TransformColumn[] = [{ index: 0, header: 'Tags', field: 'tags' }];
  it.each<[Cell, TransformOptions, string[]]>([
    ['vip|Partner', { importTags: ['webinar', 'partner'] }, ['vip', 'Partner', 'webinar']],
    ['', { importTags: ['webinar'] }, ['webinar']],
    ['VIP', { importTags: [' Webinar ', 'webinar'], lowercase: true }, ['vip', 'webinar']],
  ])('%j with %j -> %j', (cell, options, want) => {
    const plan = buildTransformPlan(cols, options);
    expect(transformRow({ rowNumber: 2, cells: [cell] }, plan).draft.fields['tags']).toEqual(want);
  });

  it('apply to every row even without a tags column', () => {
    const plan = buildTransformPlan([{ index: 0, header: 'Email', field: 'email' }], {
      importTags: ['fair-2026'],
    });
    expect(transformRow({ rowNumber: 2, cells: ['a@b.co'] }, plan).draft.fields).toEqual({
      email: 'a@b.co',
      tags: ['fair-2026'],
    });
  });
});

describe('transformRow: full name', () => {
  it.each<[TransformColumn[], Cell[], Record<string, unknown>]>([
    [
      [{ index: 0, header: 'Name', field: 'full_name' }],
      ['Smith, Jane'],
      { first_name: 'Jane', last_name: 'Smith' },
    ],
    [
      [{ index: 0, header: 'Name', field: 'full_name' }],
      ['Dr. Jane Smith Jr.'],
      { first_name: 'Jane', last_name: 'Smith Jr.' },
    ],
    [
      [{ index: 0, header: 'Name', field: 'full_name' }],
      [''],
      { first_name: null, last_name: null },
    ],
    [
      [
        { index: 0, header: 'Name', field: 'full_name' },
        { index: 1, header: 'First', field: 'first_name' },
      ],
      ['Jane Smith', 'Janey'],
      { first_name: 'Janey', last_name: 'Smith' },
    ],
    [
      [
        { index: 0, header: 'First', field: 'first_name' },
        { index: 1, header: 'Last', field: 'last_name' },
        { index: 2, header: 'Name', field: 'full_name' },
      ],
      ['Janey', '', 'Jane Smith'],
      { first_name: 'Janey', last_name: null },
    ],
  ])('%j', (columns, cells, want) => {
    const plan = buildTransformPlan(columns, {});
    expect(transformRow({ rowNumber: 2, cells }, plan).draft.fields).toEqual(want);
  });
});

describe('buildTransformPlan: per-column rules', () => {
  const columns: TransformColumn[] = [
    { index: 0, header: 'Signup', field: 'created_at' },
    { index: 1, header: 'Birthday', field: 'birthday' },
    { index: 2, header: 'Org', field: 'company' },
    { index: 3, header: 'Labels', field: 'tags' },
  ];

  it('a column rule overrides the import rule for that column only', () => {
    const plan = buildTransformPlan(columns, {
      dateFormat: 'MM/DD/YYYY',
      timeZone: 'Europe/Berlin',
      columns: {
        Signup: { dateFormat: 'DD-MM-YYYY', timeZone: 'UTC' },
        Org: { titleCase: true },
        tags: { lowercase: true },
      },
    });
    const { draft, issues } = transformRow(
      { rowNumber: 2, cells: ['10-03-2025 09:00', '03/10/1990', 'acme inc', 'A|B'] },
      plan,
    );
    expect(issues).toEqual([]);
    expect(draft.fields).toEqual({
      created_at: '2025-03-10T09:00:00.000Z',
      birthday: '1990-03-10',
      company: 'Acme Inc',
      tags: ['a', 'b'],
    });
  });

  it.each<[TransformOptions, TransformColumn[]]>([
    [{ timeZone: 'Mars/Olympus' }, columns],
    [{ defaultCountry: 'XX' }, columns],
    [{ dateFormat: 'YYYY/DD/MM' as never }, columns],
    [{ decimalSeparator: ' ' as never }, columns],
    [{ listDelimiters: [''] }, columns],
    [{ columns: { Signup: { timeZone: 'Nowhere' } } }, columns],
    [{ columns: { Signup: { dateFromat: 'DD-MM-YYYY' } as never } }, columns],
    [{ columns: { Labels: { lowercase: 'yes' as never } } }, columns],
    [{ listDelimiters: '|' as never }, columns],
    [{ importTags: 'vip' as never }, columns],
    [{}, [{ index: 0, header: 'X', field: 'no_such_field' }]],
  ])('rejects %j with OPTION_INVALID', (options, cols) => {
    let caught: unknown;
    try {
      buildTransformPlan(cols, options);
    } catch (err) {
      caught = err;
    }
    expect(isRosterError(caught, 'OPTION_INVALID')).toBe(true);
  });
});

describe('transformRow: properties', () => {
  const importable = STANDARD_FIELDS.filter((f) => f.importable).map((f) => f.key);
  const all = [...importable, ...CUSTOM.map((c) => `custom:${c.key}`)];
  const columns: TransformColumn[] = all.map((field, index) => ({
    index,
    header: `C${index}`,
    field,
  }));
  const plans = [
    buildTransformPlan(columns, { defaultCountry: 'US', importTags: ['t'] }, CUSTOM),
    buildTransformPlan(
      columns,
      { dateFormat: 'excel', decimalSeparator: ',', lowercase: true, titleCase: true },
      CUSTOM,
    ),
  ];
  const cell = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.constantFrom("'+1", "'=", '45000', '13/13/2025', '+99', '1,2,3', 'x|y;z', 'Mr', ','),
    fc.array(fc.string(), { maxLength: 3 }),
  );

  it('never throws on random cells, and every issue is a warning naming its row', () => {
    fc.assert(
      fc.property(
        fc.array(cell, { maxLength: all.length + 2 }),
        fc.integer({ min: 0, max: 1 }),
        (cells, p) => {
          const { draft, issues } = transformRow({ rowNumber: 5, cells }, plans[p]!);
          for (const i of issues) {
            expect(i.row).toBe(5);
            expect(i.severity).toBe('warning');
          }
          // Every mapped field is present unless a value was rejected (then an issue says so).
          const present = Object.keys(draft.fields).length + Object.keys(draft.custom).length;
          expect(present + issues.length).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  // Apostrophes are left out: undoing the export guard is meant to happen once.
  it('cleaning is idempotent for text fields', () => {
    const plan = buildTransformPlan([{ index: 0, header: 'City', field: 'city' }], {});
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes("'")),
        (s) => {
          const once = transformRow({ rowNumber: 2, cells: [s] }, plan).draft.fields['city'];
          if (typeof once !== 'string') return;
          expect(transformRow({ rowNumber: 2, cells: [once] }, plan).draft.fields['city']).toBe(
            once,
          );
        },
      ),
    );
  });
});
