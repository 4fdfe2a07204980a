import { describe, expect, it } from 'vitest';
import { bytesSource } from '../model/byte-source.ts';
import { openTable } from '../read/open-table.ts';
import { createMxChecker } from '../validate/index.ts';
import { prepareRows } from './prepare-rows.ts';
import type { PrepareOptions, PreparedRow } from './prepare-rows.ts';

async function prepare(csv: string, options: Omit<PrepareOptions, 'columns'> = {}) {
  const table = await openTable(bytesSource('t.csv', Buffer.from(csv)));
  const columns = table.header.map((header, index) => ({ index, header, field: header }));
  const rows: PreparedRow[] = [];
  for await (const batch of prepareRows(table.records, { columns, ...options }))
    rows.push(...batch);
  return rows;
}

const CSV = [
  'email,first_name,phone,lead_score,tags',
  'john@example.com,John,(415) 555-0100,87,customer|vip',
  'not-an-email,Bad,,10,',
  'JOHN@example.com,Johnny,,90,lead',
  'jane@example.com,Jane,12,150,lead',
  ',NoEmail,+14155550101,,',
].join('\n');

describe('prepareRows', () => {
  it('gives every row exactly one outcome with its issues, in file order', async () => {
    const rows = await prepare(CSV, { transform: { defaultCountry: 'US' } });
    expect(rows.map((r) => [r.rowNumber, r.outcome])).toEqual([
      [2, 'ready'],
      [3, 'rejected'],
      [4, 'duplicate_in_file'],
      [5, 'ready'],
      [6, 'rejected'],
    ]);
    expect(rows[0]!.draft.fields).toMatchObject({
      email: 'john@example.com',
      phone: '+14155550100',
      lead_score: 87,
      tags: ['customer', 'vip'],
    });
    expect(rows[1]!.issues.map((i) => [i.code, i.severity])).toContainEqual([
      'invalid_email',
      'error',
    ]);
    expect(rows[2]!.duplicateOf).toBe(2);
    expect(rows[2]!.issues.map((i) => i.code)).toContain('duplicate_in_file');
    // Bad values are reported and left out; the row itself is kept.
    const jane = rows[3]!;
    expect(jane.issues.map((i) => i.code).sort()).toEqual(['invalid_phone', 'out_of_range']);
    expect(jane.issues.every((i) => i.severity === 'warning' && i.row === 5)).toBe(true);
    expect(jane.draft.fields).not.toHaveProperty('phone');
    expect(jane.draft.fields).not.toHaveProperty('lead_score');
    expect(rows[4]!.issues.map((i) => i.code)).toContain('missing_identity');
  });

  it('identifies rows by phone first when the tenant matches on phone then email', async () => {
    const rows = await prepare(CSV, {
      transform: { defaultCountry: 'US' },
      matchKeys: 'phone_then_email',
    });
    expect(rows.find((r) => r.rowNumber === 6)!.outcome).toBe('ready');
  });

  it('looks up MX records once per domain, before validating the batch', async () => {
    const asked: string[] = [];
    const mx = createMxChecker({
      resolver: {
        async resolveMx(domain) {
          asked.push(domain);
          if (domain === 'example.com') return [{ exchange: 'mx.example.com', priority: 10 }];
          throw Object.assign(new Error('queryMx ENOTFOUND'), { code: 'ENOTFOUND' });
        },
      },
    });
    const rows = await prepare('email\na@example.com\nb@example.com\nc@nomx.example\n', { mx });
    expect(asked.sort()).toEqual(['example.com', 'nomx.example']);
    expect(rows.map((r) => r.issues.map((i) => i.code))).toEqual([[], [], ['no_mx']]);
  });
});
