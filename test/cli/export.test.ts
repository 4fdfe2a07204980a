import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { findTenantByName } from '../../src/store/tenants.ts';
import { importCsv } from '../jobs/import-support.ts';
import { cliOnTempDatabase } from '../support/cli.ts';

const { dataDir, roster } = cliOnTempDatabase('roster-cli-export-');

describe('roster export', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const handle = await openDatabase({ dataDir });
    try {
      await migrateToLatest(handle.db);
      const tenant = await findTenantByName(handle.db, 'default');
      await importCsv(
        handle.db,
        tenant!.id,
        'Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\ncy@example.com,Cy\n',
      );
      for (const c of await handle.db.selectFrom('contacts').select(['id', 'email']).execute()) {
        ids[c.email!] = c.id;
      }
    } finally {
      await handle.close();
    }
  });

  it('exports only the ids given, from the command line or a file', async () => {
    const out = join(dataDir, 'two.csv');
    const r = await roster([
      'export',
      '--ids',
      `${ids['ann@example.com']},${ids['cy@example.com']!.toUpperCase()}`,
      '--fields',
      'email',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'csv', rows: 2, file: out });
    const [header, ...rows] = parse(readFileSync(out)) as string[][];
    expect(header).toEqual(['email']);
    expect(rows.flat().sort()).toEqual(['ann@example.com', 'cy@example.com']);

    const list = join(dataDir, 'ids.txt');
    writeFileSync(list, `${ids['bob@example.com']}\n\n`);
    const fromFile = await roster([
      'export',
      '--ids',
      `@${list}`,
      '--fields',
      'email',
      '--out',
      '-',
    ]);
    expect(parse(fromFile.stdout)).toEqual([['email'], ['bob@example.com']]);
  });

  it('refuses an id that is not one, naming it and its place in the list', async () => {
    const r = await roster(['export', '--ids', `${ids['ann@example.com']},42`, '--out', '-']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OPTION_INVALID');
    expect(r.stderr).toContain('"42" (item 2)');
    expect(r.stdout).toBe('');
  });
});
