import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOnTempDatabase } from '../support/cli.ts';

const { dataDir, roster } = cliOnTempDatabase('roster-cli-');

interface JsonColumn {
  index: number;
  header: string;
  field: string | null;
  method: string;
  samples: string[];
}
interface JsonResult {
  format: string;
  encoding: string | null;
  delimiter: string | null;
  hasHeader: boolean;
  headerRow: number | null;
  rowCount: number;
  columns: JsonColumn[];
  issues: { row: number | null; code: string }[];
}

async function inspectJson(args: string[]): Promise<JsonResult> {
  const r = await roster(['inspect', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as JsonResult;
}

const fieldOf = (r: JsonResult, header: string): string | null | undefined =>
  r.columns.find((c) => c.header === header)?.field;

describe('roster inspect', () => {
  it('describes the example CSV and maps every column', async () => {
    const r = await inspectJson(['examples/contacts.csv', '--no-db']);
    expect(r).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',', hasHeader: true });
    expect(r.headerRow).toBe(1);
    expect(r.rowCount).toBe(6);
    expect(r.columns.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.columns.map((c) => c.field)).toEqual([
      'email',
      'first_name',
      'last_name',
      'company',
      'phone',
      'tags',
      'custom:industry',
      'lead_score',
    ]);
    expect(r.columns[3]!.samples).toContain('Green, Field & Co');
  });

  it('reads Excel files from Europe (Windows-1252, semicolons) and Excel "Unicode text"', async () => {
    const europe = await inspectJson(['examples/excel-europe-windows1252.csv', '--no-db']);
    expect(europe).toMatchObject({ encoding: 'windows-1252', delimiter: ';', rowCount: 3 });
    expect(europe.columns[0]!.samples).toEqual(['Jürgen', 'Chloé', 'René']);
    expect(fieldOf(europe, 'E-Mail-Adresse')).toBe('email');
    const outlook = await inspectJson(['examples/outlook-unicode-text.txt', '--no-db']);
    expect(outlook).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', rowCount: 2 });
    expect(fieldOf(outlook, 'Company')).toBe('company');
    expect(outlook.columns.find((c) => c.header === 'Company')!.samples[0]).toBe(
      '株式会社サンプル',
    );
  });

  it('finds the header below notes in a workbook and reports the note row', async () => {
    const r = await inspectJson(['examples/leads.xlsx', '--no-db']);
    expect(r).toMatchObject({ format: 'xlsx', headerRow: 3, rowCount: 3 });
    expect(fieldOf(r, 'Full Name')).toBe('full_name');
    expect(r.columns.find((c) => c.header === 'Signup Date')!.samples[0]).toBe('2025-10-15');
    expect(r.issues).toContainEqual(expect.objectContaining({ row: 1, code: 'row_above_header' }));
  });

  it('remembers a confirmed mapping for files with the same header row', async () => {
    const file = join(dataDir, 'crm.csv');
    writeFileSync(file, 'Mail,Ref,Notiz\nann@example.com,A-1,hello\nbob@example.com,B-2,\n');
    const before = await inspectJson([file]);
    expect(fieldOf(before, 'Ref')).not.toBe('external_id');

    const confirmed = await inspectJson([
      file,
      '--map',
      'Ref=external_id',
      '--map',
      'Notiz=-',
      '--remember',
    ]);
    expect(fieldOf(confirmed, 'Ref')).toBe('external_id');
    expect(fieldOf(confirmed, 'Notiz')).toBeNull();

    const other = join(dataDir, 'crm-next-month.csv');
    writeFileSync(other, 'Mail,Ref,Notiz\ncat@example.com,C-3,note\n');
    const next = await inspectJson([other]);
    const ref = next.columns.find((c) => c.header === 'Ref')!;
    expect(ref).toMatchObject({ field: 'external_id', method: 'preset' });
    expect(fieldOf(next, 'Notiz')).toBeNull();
    expect(fieldOf(next, 'Mail')).toBe('email');
  });

  it('fails with a code and exit status 2 on files and options it cannot use', async () => {
    const missing = await roster(['inspect', 'no/such/file.csv', '--no-db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^roster: FILE_UNREADABLE: /);

    const badMap = await roster([
      'inspect',
      'examples/contacts.csv',
      '--no-db',
      '--map',
      'Nope=email',
    ]);
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toMatch(/OPTION_INVALID: No column named "Nope"/);

    const badField = await roster([
      'inspect',
      'examples/contacts.csv',
      '--no-db',
      '--map',
      'phone=emial',
    ]);
    expect(badField.stderr).toMatch(/OPTION_INVALID: Unknown field "emial"/);

    const tenant = await roster(['inspect', 'examples/contacts.csv', '--tenant', 'nobody']);
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toMatch(/NOT_FOUND: No tenant named "nobody"/);

    const pdf = join(dataDir, 'scan.pdf');
    writeFileSync(pdf, '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n');
    const unsupported = await roster(['inspect', pdf, '--no-db']);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toMatch(/FORMAT_UNSUPPORTED/);
  });

  it('prints a readable table without --json', async () => {
    const r = await roster(['inspect', 'examples/contacts.csv', '--no-db']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CSV, utf-8, delimiter ",", header on row 1, 6 data rows, 8 columns/);
    expect(r.stdout).toMatch(/custom_field_industry\s+custom:industry/);
  });
});
