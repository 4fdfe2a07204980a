import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../../test/support/memory-sink.ts';
import type { CustomFieldDef } from '../model/fields.ts';
import { createJsonWriter, createNdjsonWriter } from './json-writer.ts';
import { selectColumns } from './select-columns.ts';
import type { ByteSink, ExportContact, ExportLayout, ExportWriter } from './types.ts';

const CUSTOM: CustomFieldDef[] = [
  { key: 'company_size', label: 'Company Size', type: 'select', options: ['1-10', '51-200'] },
  { key: 'channels', label: 'Channels', type: 'multi_select', options: ['Email', 'SMS'] },
  { key: 'seats', label: 'Seats', type: 'number' },
];

function contact(n: number): ExportContact {
  return {
    id: `id-${n}`,
    fields: {
      email: `john${n}@example.com`,
      first_name: '=John',
      last_name: 'Doe',
      phone: '+15551234567',
      lead_score: 87,
      tags: ['customer', 'vip'],
      birthday: null,
      created_at: '2025-10-15T14:30:00.000Z',
      last_activity_at: '2025-11-24T10:15:00.000Z',
      bounced: false,
    },
    custom: { company_size: '51-200', channels: ['Email'], seats: 12.5 },
    consent: {
      email: { status: 'opted_in', at: '2025-10-15T14:30:00.000Z', source: 'form' },
      sms: { status: 'unknown', at: null, source: null },
    },
    segments: ['Enterprise Tier', 'Hot Leads'],
  };
}

const layoutOf = (spec: string[] | undefined): ExportLayout => ({
  columns: selectColumns(spec, CUSTOM),
  customFields: CUSTOM,
  segments: [],
});

async function run(
  make: (sink: ByteSink, layout: ExportLayout) => ExportWriter,
  pages: ExportContact[][],
  spec?: string[],
  sink = new MemorySink(),
) {
  const writer = make(sink, layoutOf(spec));
  for (const page of pages) await writer.writePage(page);
  const { bytes } = await writer.finish();
  expect(bytes).toBe(sink.size);
  return sink.text;
}

const SPEC = [
  'email',
  'first_name',
  'last_name',
  'phone',
  'lead_score',
  'tags',
  'birthday',
  'custom',
  'segments',
  'consent',
  'created_at',
  'last_activity_at',
  'bounced',
];

const EXPECTED = {
  email: 'john1@example.com',
  firstName: '=John',
  lastName: 'Doe',
  phone: '+15551234567',
  leadScore: 87,
  tags: ['customer', 'vip'],
  birthday: null,
  customFields: { companySize: '51-200', channels: ['Email'], seats: 12.5 },
  segments: ['Enterprise Tier', 'Hot Leads'],
  emailOptIn: true,
  consent: {
    email: { status: 'opted_in', at: '2025-10-15T14:30:00.000Z', source: 'form' },
    sms: { status: 'unknown', at: null, source: null },
  },
  smsOptIn: null,
  createdAt: '2025-10-15T14:30:00.000Z',
  lastActivityAt: '2025-11-24T10:15:00.000Z',
  bounced: false,
};

describe('createJsonWriter', () => {
  it("writes an array of objects in the spec's shape, typed and unguarded", async () => {
    const text = await run(createJsonWriter, [[contact(1)], [contact(2), contact(3)]], SPEC);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toStrictEqual(EXPECTED);
    expect(Object.keys(parsed[0]!)).toEqual(Object.keys(EXPECTED));
    expect(parsed[2]?.['email']).toBe('john3@example.com');
  });

  it('holds only the selected columns', async () => {
    const text = await run(createJsonWriter, [[contact(1)]], ['email', 'sms_opt_in']);
    expect(JSON.parse(text)).toStrictEqual([
      {
        email: 'john1@example.com',
        smsOptIn: null,
        consent: { sms: { status: 'unknown', at: null, source: null } },
      },
    ]);
  });

  it('writes [] for an export without contacts', async () => {
    expect(JSON.parse(await run(createJsonWriter, [[], []], SPEC))).toEqual([]);
  });

  it('waits for drain when the sink asks it to', async () => {
    const pages = Array.from({ length: 5 }, (_, p) => [contact(p), contact(p + 10)]);
    const text = await run(createJsonWriter, pages, SPEC, new MemorySink(true));
    expect(JSON.parse(text)).toHaveLength(10);
  });

  it('writes page by page: the output grows with every page', async () => {
    const sink = new MemorySink();
    const writer = createJsonWriter(sink, layoutOf(undefined));
    const page = Array.from({ length: 100 }, (_, i) => contact(i % 10));
    const sizes: number[] = [];
    for (let p = 0; p < 50; p++) {
      await writer.writePage(page);
      sizes.push(sink.size);
    }
    await writer.finish();
    const perPage = sizes[2]! - sizes[1]!;
    expect(perPage).toBeGreaterThan(0);
    for (let p = 2; p < sizes.length; p++) expect(sizes[p]! - sizes[p - 1]!).toBe(perPage);
    expect(JSON.parse(sink.text)).toHaveLength(5000);
  });
});

describe('createNdjsonWriter', () => {
  it('writes one object per line, the same shape as JSON', async () => {
    const text = await run(createNdjsonWriter, [[contact(1)], [], [contact(2)]], SPEC);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toStrictEqual(EXPECTED);
    expect((JSON.parse(lines[1]!) as { email: string }).email).toBe('john2@example.com');
  });

  it('writes nothing for no contacts and respects backpressure', async () => {
    expect(await run(createNdjsonWriter, [[]], SPEC)).toBe('');
    const pages = Array.from({ length: 4 }, (_, p) => [contact(p), contact(p + 10)]);
    const text = await run(createNdjsonWriter, pages, SPEC, new MemorySink(true));
    expect(text.trim().split('\n')).toHaveLength(8);
  });
});
