/**
 * `roster import`, `roster history` and `roster show` as a person or a script runs them: the
 * real command in a child process, on an embedded database in a temporary folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportJson } from '../../src/cli/import-json.ts';
import { cliOnTempDatabase } from '../support/cli.ts';

const { dataDir, roster } = cliOnTempDatabase('roster-cli-import-');

async function json<T>(args: string[]): Promise<T> {
  const r = await roster([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

function file(name: string, text: string): string {
  const path = join(dataDir, name);
  writeFileSync(path, text);
  return path;
}

/** The documented keys of `roster import --json` (README), in their order. */
const IMPORT_KEYS = [
  'jobId',
  'status',
  'totalRows',
  'valid',
  'rejected',
  'warnings',
  'duplicatesInFile',
  'created',
  'updated',
  'unchanged',
  'skipped',
  'possibleDuplicates',
  'issues',
  'errors',
  'errorsNotListed',
];
const ERROR_KEYS = ['row', 'column', 'field', 'value', 'code', 'severity', 'message'];
const HISTORY_KEYS = [
  'jobId',
  'createdAt',
  'user',
  'fileName',
  'status',
  'totalRows',
  'imported',
  'created',
  'updated',
  'unchanged',
  'skipped',
  'rejected',
  'duplicatesInFile',
];
const SHOW_KEYS = [
  'jobId',
  'fileName',
  'fileSize',
  'format',
  'status',
  'user',
  'createdAt',
  'startedAt',
  'finishedAt',
  'rolledBackAt',
  'summary',
  'onDuplicate',
  'mapping',
  'tags',
  'segment',
  'rollback',
  'error',
];

interface HistoryJson {
  imports: (Record<string, unknown> & { jobId: string; status: string })[];
}
interface ShowJson {
  jobId: string;
  status: string;
  summary: ImportJson;
  onDuplicate: string;
  mapping: { header: string; field: string | null }[];
  tags: string[];
  segment: { id: string; name: string; contacts: number } | null;
  errorReport?: { path: string; rows: number };
}

const FIRST = [
  'Email,First Name,Company,Phone,Tags',
  'ann@example.com,Ann,Acme,+1 415 555 2671,vip',
  'not-an-email,Bob,Beta,,',
  'ANN@example.com,Ann again,,,',
  'cy@example.com,Cy,Corp,12,lead',
  '',
].join('\n');

const SECOND = [
  'Email,First Name,Company,Phone,Tags',
  'ann@example.com,Ann,Acme Corp,,partner',
  'cy@example.com,Cy,Corp,,lead',
  'dee@example.com,Dee,Delta,,',
  '',
].join('\n');

describe('roster import, history and show', () => {
  let firstJob = '';
  let secondJob = '';

  it('imports a file and prints the documented --json summary', async () => {
    const path = file('first.csv', FIRST);
    const r = await json<ImportJson>(['import', path, '--tag', 'fair-2026', '--segment', 'Fair']);
    expect(Object.keys(r)).toEqual(IMPORT_KEYS);
    expect(r.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r).toMatchObject({
      status: 'completed',
      totalRows: 4,
      valid: 2,
      rejected: 1,
      warnings: 2,
      duplicatesInFile: 1,
      created: 2,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      possibleDuplicates: 0,
      errorsNotListed: 0,
    });
    expect(r.issues).toEqual({ invalid_email: 1, duplicate_in_file: 1, invalid_phone: 1 });
    expect(r.totalRows).toBe(r.valid + r.rejected + r.duplicatesInFile);
    expect(r.valid).toBe(r.created + r.updated + r.unchanged + r.skipped);
    expect(r.errors.map((e) => [e.row, e.code, e.severity])).toEqual([
      [3, 'invalid_email', 'error'],
      [4, 'duplicate_in_file', 'warning'],
      [5, 'invalid_phone', 'warning'],
    ]);
    for (const e of r.errors) expect(Object.keys(e)).toEqual(ERROR_KEYS);
    expect(r.errors[0]).toMatchObject({ column: 'Email', field: 'email', value: 'not-an-email' });
    firstJob = r.jobId!;
  });

  it('--dry-run --json gives the counts the import then has, and writes nothing', async () => {
    const path = file('second.csv', SECOND);
    const dry = await json<ImportJson>(['import', path, '--on-duplicate', 'update', '--dry-run']);
    expect(Object.keys(dry)).toEqual(IMPORT_KEYS);
    expect(dry).toMatchObject({ jobId: null, status: 'dry_run' });
    expect(dry).toMatchObject({ created: 1, updated: 1, unchanged: 1, rejected: 0 });
    const history = await json<HistoryJson>(['history']);
    expect(history.imports).toHaveLength(1);

    const real = await json<ImportJson>(['import', path, '--on-duplicate', 'update']);
    const { jobId: _dj, status: _ds, ...dryCounts } = dry;
    const { jobId, status, ...realCounts } = real;
    expect(status).toBe('completed');
    expect(realCounts).toEqual(dryCounts);
    secondJob = jobId!;
  });

  it('roster history --json lists the imports, newest first', async () => {
    const r = await json<HistoryJson>(['history']);
    expect(r.imports.map((i) => i.jobId)).toEqual([secondJob, firstJob]);
    for (const i of r.imports) expect(Object.keys(i)).toEqual(HISTORY_KEYS);
    expect(r.imports[1]).toMatchObject({
      fileName: 'first.csv',
      status: 'partial',
      totalRows: 4,
      imported: 2,
      created: 2,
      rejected: 1,
      duplicatesInFile: 1,
    });
    expect(r.imports[0]).toMatchObject({
      fileName: 'second.csv',
      status: 'success',
      totalRows: 3,
      imported: 3,
      created: 1,
      updated: 1,
      unchanged: 1,
    });
    const limited = await json<HistoryJson>(['history', '--limit', '1']);
    expect(limited.imports.map((i) => i.jobId)).toEqual([secondJob]);
  });

  it('roster show JOB --json has the summary, mapping, tags and segment', async () => {
    const r = await json<ShowJson>(['show', firstJob]);
    expect(Object.keys(r)).toEqual(SHOW_KEYS);
    expect(r).toMatchObject({ jobId: firstJob, status: 'partial', onDuplicate: 'skip' });
    expect(r.summary).toMatchObject({ jobId: firstJob, created: 2, rejected: 1 });
    expect(Object.keys(r.summary)).toEqual(IMPORT_KEYS);
    expect(r.summary.errors.map((e) => e.code)).toEqual([
      'invalid_email',
      'duplicate_in_file',
      'invalid_phone',
    ]);
    expect(r.mapping).toEqual([
      { header: 'Email', field: 'email' },
      { header: 'First Name', field: 'first_name' },
      { header: 'Company', field: 'company' },
      { header: 'Phone', field: 'phone' },
      { header: 'Tags', field: 'tags' },
    ]);
    expect(r.tags).toEqual(['fair-2026']);
    expect(r.segment).toMatchObject({ name: 'Fair', contacts: 2 });
  });

  it('roster show JOB --errors writes the error report', async () => {
    const report = join(dataDir, 'errors.csv');
    const r = await roster(['show', firstJob, '--errors', report]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Error report: 3 rows written to /);
    const lines = readFileSync(report, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split(/\r?\n/);
    expect(lines[0]).toBe('Email,First Name,Company,Phone,Tags,row,field,code,message');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 8))).toEqual([
      ['not-an-email', 'Bob', 'Beta', '', '', '3', 'email', 'invalid_email'],
      ['ANN@example.com', 'Ann again', '', '', '', '4', 'email', 'duplicate_in_file'],
      ['cy@example.com', 'Cy', 'Corp', '12', 'lead', '5', 'phone', 'invalid_phone'],
    ]);

    const again = join(dataDir, 'errors-again.csv');
    const withJson = await json<ShowJson>(['show', firstJob, '--errors', again]);
    expect(withJson.errorReport).toEqual({ path: again, rows: 3 });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(report, 'utf8'));
  });

  it('wrong options exit with status 2 and OPTION_INVALID', async () => {
    const path = file('options.csv', SECOND);
    // One case per place that checks options: the flags, the merge rules, the mapping.
    const cases = [
      ['import', path, '--on-duplicate', 'overwrite'],
      ['import', path, '--merge', 'company=newest'],
      ['import', path, '--merge', 'company=keep_higher'],
      ['import', path, '--batch-size', '0'],
      ['import', path, '--map', 'Email=-'],
      ['import'],
      ['history', '--limit', '0'],
    ];
    for (const args of cases) {
      const r = await roster(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^roster: OPTION_INVALID: /);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    // Nothing was imported by any of them.
    const history = await json<HistoryJson>(['history']);
    expect(history.imports).toHaveLength(2);
  }, 120_000);

  it('a file that does not exist fails with FILE_UNREADABLE; an unknown job with NOT_FOUND', async () => {
    const missing = await roster(['import', join(dataDir, 'nope.csv'), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^roster: FILE_UNREADABLE: /);
    expect(missing.stdout).toBe('');
    const dry = await roster(['import', join(dataDir, 'nope.csv'), '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(/^roster: FILE_UNREADABLE: /);

    const unknown = await roster(['show', '00000000-0000-4000-8000-000000000000', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^roster: NOT_FOUND: /);
    expect(existsSync(join(dataDir, 'nope.csv'))).toBe(false);
  });
});
