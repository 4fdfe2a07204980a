/**
 * The spreadsheet and JSON readers through openTable: format detection, header detection and
 * the generic row shaping on top of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRosterError } from '../errors.ts';
import type { RowIssue } from '../model/issue.ts';
import { collectRecords } from '../model/record.ts';
import { source, writeXls, writeXlsx } from '../../../test/fixtures/sheets/build.ts';
import { openTable } from './open-table.ts';
import type { ReadOptions } from './types.ts';

async function open(name: string, bytes: Uint8Array, options: ReadOptions = {}) {
  const issues: RowIssue[] = [];
  const table = await openTable(source(name, bytes), {
    ...options,
    onIssue: (i) => issues.push(i),
  });
  const records = await collectRecords(table.records);
  return { table, records, issues };
}

describe('openTable with spreadsheets', () => {
  it('reads the example workbook: notes above the header, dates, phone numbers', async () => {
    const bytes = readFileSync(new URL('../../../examples/leads.xlsx', import.meta.url));
    const { table, records, issues } = await open('leads.xlsx', bytes);
    expect(table.info).toMatchObject({
      format: 'xlsx',
      sheet: 'Leads',
      headerRow: 3,
      hasHeader: true,
    });
    expect(table.header).toEqual([
      'Full Name',
      'Email Address',
      'Organization',
      'Mobile Phone',
      'Lead Score',
      'Signup Date',
      'cf_plan',
    ]);
    expect(records.map((r) => r.rowNumber)).toEqual([4, 5, 6]);
    expect(records[0]!.cells).toContain('2025-10-15');
    expect(issues.map((i) => i.code)).toEqual(['row_above_header']);
  });

  it('does not call rows with empty trailing cells ragged, and names columns in issues', async () => {
    const bytes = await writeXlsx((wb) => {
      const ws = wb.addWorksheet('Contacts');
      ws.addRow(['Email', 'Score', 'Notes']);
      ws.addRow(['a@b.co', { formula: '1+1', result: 2 }]);
      ws.addRow(['c@d.co', { error: '#N/A' }, 'late payer']);
    });
    const { records, issues } = await open('c.xlsx', bytes);
    expect(records.map((r) => r.cells)).toEqual([
      ['a@b.co', '2', ''],
      ['c@d.co', '', 'late payer'],
    ]);
    expect(issues.map((i) => [i.code, i.row, i.column])).toEqual([
      ['formula_value', 2, 'Score'],
      ['cell_error', 3, 'Score'],
    ]);
  });

  it('reads a legacy .xls and a chosen sheet', async () => {
    const bytes = writeXls({
      Notes: [['nothing here']],
      Leads: [
        ['Email', 'Name'],
        ['a@b.co', 'Ann'],
      ],
    });
    const { table, records } = await open('old.xls', bytes, { sheet: 'Leads' });
    expect(table.info).toMatchObject({ format: 'xls', sheet: 'Leads', sheets: ['Notes', 'Leads'] });
    expect(table.header).toEqual(['Email', 'Name']);
    expect(records).toEqual([{ rowNumber: 2, cells: ['a@b.co', 'Ann'] }]);
    const err = await open('old.xls', bytes, { sheet: 'Customers' }).catch((e: unknown) => e);
    expect(isRosterError(err, 'SHEET_NOT_FOUND')).toBe(true);
  });
});

describe('openTable with JSON', () => {
  it("reads Roster's JSON export with its keys as the header", async () => {
    const bytes = readFileSync(new URL('../../../examples/contacts.json', import.meta.url));
    const { table, records, issues } = await open('contacts.json', bytes);
    expect(table.info).toMatchObject({ format: 'json', headerRow: 1, hasHeader: true });
    expect(table.header).toContain('customFields.industry');
    expect(records).toHaveLength(2);
    expect(records[0]!.rowNumber).toBe(2);
    expect(records[0]!.cells[table.header.indexOf('tags')]).toEqual(['customer', 'vip']);
    expect(issues).toEqual([]);
  });

  it('reads NDJSON and reports a bad line by its row', async () => {
    const body = '{"email":"a@b.co","name":"Ann"}\n{oops}\n{"email":"c@d.co","name":"Cy"}\n';
    const { table, records, issues } = await open('c.jsonl', Buffer.from(body));
    expect(table.info.format).toBe('ndjson');
    expect(table.header).toEqual(['email', 'name']);
    expect(records.map((r) => [r.rowNumber, r.cells])).toEqual([
      [2, ['a@b.co', 'Ann']],
      [4, ['c@d.co', 'Cy']],
    ]);
    expect(issues).toEqual([expect.objectContaining({ code: 'json_malformed_line', row: 3 })]);
  });

  it('refuses files that are no table', async () => {
    const err = await open('contacts.csv', Buffer.from('%PDF-1.7\n')).catch((e: unknown) => e);
    expect(isRosterError(err, 'FORMAT_UNSUPPORTED')).toBe(true);
  });
});
