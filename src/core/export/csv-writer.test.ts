import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../../test/support/memory-sink.ts';
import { bytesSource } from '../model/byte-source.ts';
import type { CustomFieldDef } from '../model/fields.ts';
import { collectRecords } from '../model/record.ts';
import { openTable } from '../read/open-table.ts';
import { buildTransformPlan, transformRow } from '../transform/index.ts';
import { createCsvWriter } from './csv-writer.ts';
import { selectColumns } from './select-columns.ts';
import type { ExportContact, ExportLayout } from './types.ts';

const CUSTOM: CustomFieldDef[] = [
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro'] },
  { key: 'channels', label: 'Channels', type: 'multi_select', options: ['Email', 'SMS'] },
  { key: 'seats', label: 'Seats', type: 'number' },
  { key: 'renewal', label: 'Renewal', type: 'date' },
  { key: 'trial', label: 'Trial', type: 'boolean' },
];

function contact(n: number, over: Partial<ExportContact['fields']> = {}): ExportContact {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    fields: {
      email: `ann${n}@example.com`,
      first_name: 'Ann',
      last_name: 'O\'Brien, "Jr"',
      company: 'Acme; Inc',
      phone: '+15551234567',
      phone_additional: ['+442079460958', '+14155552671'],
      tags: ['vip', 'partner'],
      lead_score: 87,
      birthday: '1990-04-05',
      notes: 'line one\nline two',
      created_at: '2025-10-15T14:30:00.000Z',
      last_activity_at: '2025-11-24T10:15:00.000Z',
      source: 'import',
      owner: null,
      emails_opened: 3,
      bounced: false,
      ...over,
    },
    custom: {
      plan: 'Pro',
      channels: ['Email', 'SMS'],
      seats: 12.5,
      renewal: '2026-01-31',
      trial: true,
    },
    consent: {
      email: { status: 'opted_in', at: '2025-10-15T14:30:00.000Z', source: 'import' },
      sms: { status: 'opted_out', at: null, source: null },
    },
    segments: ['Enterprise Tier', 'Hot Leads'],
  };
}

function layoutOf(spec: string[] | undefined): ExportLayout {
  return { columns: selectColumns(spec, CUSTOM), customFields: CUSTOM, segments: [] };
}

async function exportCsv(contacts: ExportContact[], spec?: string[], bom = false) {
  const sink = new MemorySink();
  const writer = createCsvWriter(sink, layoutOf(spec), { bom });
  await writer.writePage(contacts);
  const { bytes } = await writer.finish();
  return { sink, bytes };
}

describe('createCsvWriter', () => {
  it('writes a header and one row per contact that csv-parse reads back field by field', async () => {
    const spec = ['standard', 'custom', 'consent', 'engagement', 'audit', 'segments'];
    const { sink, bytes } = await exportCsv([contact(1), contact(2, { email: null })], spec);
    expect(bytes).toBe(sink.size);
    expect(sink.ended).toBe(true);
    const rows = parse(sink.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    const row = rows[0]!;
    expect(Object.keys(row)).toEqual(layoutOf(spec).columns.map((c) => c.header));
    expect(row).toMatchObject({
      email: 'ann1@example.com',
      last_name: 'O\'Brien, "Jr"',
      company: 'Acme; Inc',
      phone: "'+15551234567",
      phone_additional: "'+442079460958|+14155552671",
      tags: 'vip|partner',
      lead_score: '87',
      birthday: '1990-04-05',
      notes: 'line one\nline two',
      custom_plan: 'Pro',
      custom_channels: 'Email|SMS',
      custom_seats: '12.5',
      custom_renewal: '2026-01-31',
      custom_trial: 'true',
      email_opt_in: 'true',
      sms_opt_in: 'false',
      emails_opened: '3',
      bounced: 'false',
      created_at: '2025-10-15T14:30:00.000Z',
      owner: '',
      segments: 'Enterprise Tier|Hot Leads',
      middle_name: '',
    });
    expect(rows[1]?.email).toBe('');
    expect(sink.text).toContain('\r\n');
    // A line break inside a cell is quoted, so no reader can take it for the end of the row.
    expect(sink.text).toContain('"line one\nline two"');
  });

  it('leaves consent blank when unknown and writes only the header for no contacts', async () => {
    const c = contact(1);
    c.consent.sms.status = 'unknown';
    const { sink } = await exportCsv([c], ['email', 'consent']);
    expect(parse(sink.text)).toEqual([
      ['email', 'email_opt_in', 'sms_opt_in'],
      ['ann1@example.com', 'true', ''],
    ]);
    expect((await exportCsv([], ['email', 'consent'])).sink.text).toBe(
      'email,email_opt_in,sms_opt_in\r\n',
    );
  });

  it('starts with a BOM only when asked', async () => {
    expect((await exportCsv([], ['email'], true)).sink.text).toBe('\ufeffemail\r\n');
    expect((await exportCsv([], ['email'])).sink.text).toBe('email\r\n');
  });

  it.each(['=', '+', '-', '@', '\t', '\r', '\uff1d', '\uff0b', '\uff0d', '\uff20'])(
    'guards a cell starting with %j in every text column',
    async (prefix) => {
      const bad = `${prefix}HYPERLINK("http://evil")`;
      const c = contact(1, { first_name: bad, tags: [bad, 'x'] });
      c.custom['plan'] = bad;
      c.segments = [bad];
      const { sink } = await exportCsv([c], ['first_name', 'tags', 'custom:plan', 'segments']);
      const [, row] = parse(sink.text, { relax_quotes: true }) as string[][];
      expect(row).toEqual([`'${bad}`, `'${bad}|x`, `'${bad}`, `'${bad}`]);
    },
  );

  it('waits for drain when the sink asks it to', async () => {
    const sink = new MemorySink(true);
    const writer = createCsvWriter(sink, layoutOf(['email', 'tags']));
    for (let p = 0; p < 5; p++) await writer.writePage([contact(p * 2), contact(p * 2 + 1)]);
    await writer.finish();
    expect(parse(sink.text)).toHaveLength(11);
  });

  it('writes page by page: the output grows with every page, not at the end', async () => {
    const sink = new MemorySink();
    const writer = createCsvWriter(sink, layoutOf(undefined));
    const page = Array.from({ length: 100 }, (_, i) => contact(i));
    const sizes: number[] = [];
    for (let p = 0; p < 50; p++) {
      await writer.writePage(page);
      sizes.push(sink.size);
    }
    await writer.finish();
    const perPage = sizes[1]! - sizes[0]!;
    expect(perPage).toBeGreaterThan(0);
    for (let p = 1; p < sizes.length; p++) expect(sizes[p]! - sizes[p - 1]!).toBe(perPage);
  });

  it("re-imports through Roster's own reader and transform to the same values", async () => {
    const c = contact(1, {
      first_name: '-Dash',
      job_title: '=SUM(A1)',
      tags: ['@mention', 'vip'],
      // A real number: libphonenumber rejects the fictional 555-01xx range on import.
      phone: '+14155552671',
    });
    const spec = ['standard', 'custom', 'consent', 'audit'];
    const layout = layoutOf(spec);
    const { sink } = await exportCsv([c], spec);
    const table = await openTable(bytesSource('export.csv', Buffer.from(sink.text)));
    expect(table.header).toEqual(layout.columns.map((col) => col.header));
    const plan = buildTransformPlan(
      table.header.map((header, index) => ({
        index,
        header,
        field: header.startsWith('custom_') ? `custom:${header.slice(7)}` : header,
      })),
      {},
      CUSTOM,
    );
    const [record] = await collectRecords(table.records);
    const { draft, issues } = transformRow(record!, plan);
    expect(issues).toEqual([]);
    for (const col of layout.columns) {
      if (col.kind === 'custom') expect(draft.custom[col.key]).toEqual(c.custom[col.key]);
      else if (col.kind === 'field')
        expect(draft.fields[col.key], col.key).toEqual(c.fields[col.key] ?? null);
    }
    expect(draft.fields['email_opt_in']).toBe(true);
    expect(draft.fields['sms_opt_in']).toBe(false);
    expect(draft.fields['phone']).toBe('+14155552671');
  });

  it('quotes exactly as csv-stringify did (RFC 4180, CRLF, lone CR or LF quoted)', async () => {
    const nasty = [
      'plain',
      'comma, inside',
      'say "hi"',
      'lone\nLF',
      'lone\rCR',
      'crlf\r\nend',
      '  leading and trailing  ',
      '"',
      ',',
      'semi;colon',
      "O'Brien",
      'tab\there',
      'José 🚀',
    ];
    const contacts = nasty.map((notes, i) => contact(i, { notes, first_name: notes }));
    const { sink } = await exportCsv(contacts, ['email', 'first_name', 'notes', 'tags']);
    const expected = stringify(
      [
        ['email', 'first_name', 'notes', 'tags'],
        ...contacts.map((c) => [
          String(c.fields.email),
          String(c.fields.first_name),
          String(c.fields.notes),
          'vip|partner',
        ]),
      ],
      { record_delimiter: 'windows', quoted_match: /[\r\n]/ },
    );
    expect(sink.text).toBe(expected);
    const rows = parse(sink.text) as string[][];
    expect(rows.slice(1).map((r) => r[2])).toEqual(nasty);
  });
});
