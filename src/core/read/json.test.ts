import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../model/byte-source.ts';
import type { ByteSource } from '../model/byte-source.ts';
import type { RawRecord } from '../model/record.ts';
import { jsonReader, ndjsonReader } from './json.ts';
import type { TableInfo } from './types.ts';
import { expectCode, readWith } from './reader-test-support.ts';
const read = readWith;

const text = (name: string, body: string, chunkSize = 16): ByteSource =>
  bytesSource(name, Buffer.from(body), chunkSize);

/** Rows as objects keyed by the header row, for readable expectations. */
function asObjects(rows: RawRecord[]): Array<Record<string, unknown>> {
  const [header, ...data] = rows;
  return data.map((r) =>
    Object.fromEntries(header!.cells.map((h, i) => [h as string, r.cells[i]])),
  );
}

describe('jsonReader', () => {
  it("reads Roster's own JSON export (the spec's example)", async () => {
    const bytes = readFileSync(new URL('../../../examples/contacts.json', import.meta.url));
    const { info, rows } = await read(jsonReader, bytesSource('contacts.json', bytes, 100));
    expect(info).toMatchObject({ format: 'json', encoding: 'utf-8', bom: false });
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    expect(rows[0]!.cells).toEqual([
      'email',
      'firstName',
      'lastName',
      'company',
      'phone',
      'leadScore',
      'tags',
      'customFields.industry',
      'customFields.companySize',
      'segments',
      'createdAt',
      'lastActivityAt',
    ]);
    expect(asObjects(rows)[0]).toMatchObject({
      email: 'john@example.com',
      leadScore: '87',
      tags: ['customer', 'vip'],
      'customFields.industry': 'SaaS',
      segments: ['Hot Leads', 'Enterprise Tier'],
    });
    expect(asObjects(rows)[1]).toMatchObject({ segments: [], lastActivityAt: '' });
  });

  it('collects the union of keys in first-seen order; missing keys are empty', async () => {
    const { rows } = await read(
      jsonReader,
      text(
        'c.json',
        JSON.stringify([
          { email: 'a@b.co', firstName: 'Ann' },
          {
            email: 'c@d.co',
            consent: { email: { status: 'opted_in', source: 'form' } },
            vip: true,
          },
          { phone: 447700900123, firstName: null, vip: false },
        ]),
      ),
    );
    expect(rows).toEqual([
      {
        rowNumber: 1,
        cells: [
          'email',
          'firstName',
          'consent.email.status',
          'consent.email.source',
          'vip',
          'phone',
        ],
      },
      { rowNumber: 2, cells: ['a@b.co', 'Ann', '', '', '', ''] },
      { rowNumber: 3, cells: ['c@d.co', '', 'opted_in', 'form', 'true', ''] },
      { rowNumber: 4, cells: ['', '', '', '', 'false', '447700900123'] },
    ]);
  });

  it('keeps numbers as written', async () => {
    const { rows } = await read(
      jsonReader,
      text('n.json', '[{"id": 12345678901234567890, "price": 1.50, "n": -0, "e": 1e5}]'),
    );
    expect(rows[1]!.cells).toEqual(['12345678901234567890', '1.50', '-0', '1e5']);
  });

  it('accepts contacts and data wrappers, skipping the other keys', async () => {
    const wrapped = {
      meta: { exportedAt: '2025-11-20', counts: [1, 2], nested: [{ a: [] }] },
      total: 2,
      Contacts: [{ email: 'a@b.co' }, { email: 'c@d.co' }],
      links: { next: null },
    };
    const { rows } = await read(jsonReader, text('w.json', JSON.stringify(wrapped, null, 2)));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['email'] },
      { rowNumber: 2, cells: ['a@b.co'] },
      { rowNumber: 3, cells: ['c@d.co'] },
    ]);
    const data = await read(jsonReader, text('d.json', '{"data": [{"email": "x@y.co"}]}'));
    expect(data.rows[1]!.cells).toEqual(['x@y.co']);
  });

  it('reads the list after empty ones, and refuses a second list of contacts instead of dropping it', async () => {
    const later = await read(
      jsonReader,
      text('e.json', '{"data": [], "contacts": [{"email": "b@x.co"}, {"email": "c@x.co"}]}'),
    );
    expect(later.rows.map((r) => r.cells)).toEqual([['email'], ['b@x.co'], ['c@x.co']]);

    const two = '{"contacts": [{"email": "a@x.co"}], "users": [{"email": "b@x.co"}]}';
    const err = await expectCode(read(jsonReader, text('two.json', two)), 'JSON_SHAPE');
    expect(err.message).toMatch(/more than one contact list \("contacts" and "users"\)/);
  });

  it('keeps lists of objects as JSON text and says so once per column', async () => {
    const { rows, issues } = await read(
      jsonReader,
      text(
        'l.json',
        JSON.stringify([
          { email: 'a@b.co', phones: [{ type: 'work', number: '+44 20' }] },
          { email: 'c@d.co', phones: [{ type: 'home', number: '+1 555' }] },
        ]),
      ),
    );
    expect(rows[1]!.cells[1]).toBe('[{"type":"work","number":"+44 20"}]');
    expect(issues).toEqual([
      expect.objectContaining({ code: 'json_nested_list', row: 2, column: 'phones' }),
    ]);
  });

  it('reports duplicate keys and elements that are not objects', async () => {
    const { rows, issues } = await read(
      jsonReader,
      text('x.json', '[{"email":"a","email":"b"}, 42, {"email":"c"}]'),
    );
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['email'] },
      { rowNumber: 2, cells: ['b'] },
      { rowNumber: 4, cells: ['c'] },
    ]);
    expect(issues.map((i) => [i.code, i.row, i.severity])).toEqual([
      ['json_duplicate_key', 2, 'warning'],
      ['json_not_object', 3, 'error'],
    ]);
  });

  it('names the line and column of a syntax error', async () => {
    const err = await expectCode(
      read(
        jsonReader,
        text('bad.json', '[\n  {"email": "a@b.co"},\n  {"email": "c@d.co" "name": "C"}\n]'),
      ),
      'JSON_MALFORMED',
    );
    expect(err.message).toMatch(/line 3, column 22/);
    expect(err.details).toEqual({ line: 3, position: 22 });
    await expectCode(
      read(jsonReader, text('cut.json', '[{"email": "a@b.co"}, {"ema')),
      'JSON_MALFORMED',
    );
    await expectCode(read(jsonReader, text('trailing.json', '[{"a":1},]')), 'JSON_MALFORMED');
  });

  it('refuses JSON that is not a list of objects', async () => {
    for (const body of [
      '42',
      '"contacts"',
      '[1, 2]',
      '[["email"], ["a@b.co"]]',
      '{"email": "a@b.co"}',
      '{"contacts": 5}',
    ]) {
      await expectCode(read(jsonReader, text('s.json', body)), 'JSON_SHAPE');
    }
    const deep = `[${'{"a":'.repeat(100)}1${'}'.repeat(100)}]`;
    await expectCode(read(jsonReader, text('deep.json', deep)), 'JSON_SHAPE');
  });

  it('gives no rows for an empty list', async () => {
    expect((await read(jsonReader, text('e.json', '[]'))).rows).toEqual([]);
    expect((await read(jsonReader, text('e.json', '{"contacts": []}'))).rows).toEqual([]);
  });

  it('reads UTF-16 and UTF-8 with a BOM, and reports bytes that are not UTF-8', async () => {
    const body = '[{"name": "Zoë Müller", "city": "Zürich"}]';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]);
    const utf16 = await read(jsonReader, bytesSource('u.json', le, 5));
    expect(utf16.info).toMatchObject({ encoding: 'utf-16le', bom: true });
    expect(utf16.rows[1]!.cells).toEqual(['Zoë Müller', 'Zürich']);
    const bom = await read(jsonReader, bytesSource('b.json', Buffer.from(`\uFEFF${body}`)));
    expect(bom.rows[1]!.cells).toEqual(['Zoë Müller', 'Zürich']);
    const broken = Buffer.concat([
      Buffer.from('[{"name": "Zo'),
      Buffer.from([0xeb]),
      Buffer.from('ë"}]'),
    ]);
    const bad = await read(jsonReader, bytesSource('x.json', broken), { encoding: 'utf-8' });
    expect(bad.rows[1]!.cells).toEqual(['Zo\uFFFDë']);
    expect(bad.issues).toEqual([expect.objectContaining({ code: 'invalid_encoding', row: null })]);
  });

  it('streams: batches of the requested size, the source read once per pass', async () => {
    const items = Array.from({ length: 1234 }, (_, i) => ({ email: `u${i}@example.com`, n: i }));
    const inner = bytesSource('big.json', Buffer.from(JSON.stringify(items)), 1000);
    let streams = 0;
    const src: ByteSource = { name: inner.name, stream: () => (streams++, inner.stream()) };
    const info = await jsonReader.sniff(src, {});
    streams = 0;
    const sizes: number[] = [];
    let last: RawRecord | undefined;
    for await (const batch of jsonReader.rows(src, info as TableInfo, { batchSize: 500 })) {
      sizes.push(batch.length);
      last = batch[batch.length - 1];
    }
    expect(sizes).toEqual([500, 500, 235]);
    expect(last).toEqual({ rowNumber: 1235, cells: ['u1233@example.com', '1233'] });
    expect(streams).toBe(2);
  });
});

describe('ndjsonReader', () => {
  it('reads one object per line, reporting bad lines with their row and line', async () => {
    const body = [
      '{"email":"a@b.co","tags":["x"]}',
      '',
      'not json',
      '[1, 2]',
      '{"email":"c@d.co","phone":447700900123}\r',
      '{"email":"e@f.co", "email": "g@h.co"}',
      '{"email":"cut',
    ].join('\n');
    const { info, rows, issues } = await read(ndjsonReader, text('c.ndjson', body, 7));
    expect(info).toMatchObject({ format: 'ndjson' });
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['email', 'tags', 'phone'] },
      { rowNumber: 2, cells: ['a@b.co', ['x'], ''] },
      { rowNumber: 6, cells: ['c@d.co', '', '447700900123'] },
      { rowNumber: 7, cells: ['g@h.co', '', ''] },
    ]);
    expect(issues.map((i) => [i.code, i.row, i.severity])).toEqual([
      ['json_malformed_line', 4, 'error'],
      ['json_not_object', 5, 'error'],
      ['json_duplicate_key', 7, 'warning'],
      ['json_malformed_line', 8, 'error'],
    ]);
    expect(issues[0]!.message).toMatch(/^Line 3 is not valid JSON/);
    expect(issues[0]!.value).toBe('not json');
  });

  it('reports the line of bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"n":"a"}\n{"n":"b'),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    const { rows, issues } = await read(ndjsonReader, bytesSource('x.ndjson', bytes), {
      encoding: 'utf-8',
    });
    expect(rows[2]).toEqual({ rowNumber: 3, cells: ['b\uFFFD'] });
    expect(issues).toEqual([expect.objectContaining({ code: 'invalid_encoding', row: 3 })]);
  });

  it('reports every bad line even when no line holds an object', async () => {
    const { rows, issues } = await read(ndjsonReader, text('x.ndjson', 'oops\n[1]\n'));
    expect(rows).toEqual([]);
    expect(issues.map((i) => i.code)).toEqual(['json_malformed_line', 'json_not_object']);
  });
});
