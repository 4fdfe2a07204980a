import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPreview } from '../../src/cli/rollback.ts';
import { openDatabase } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { previewRollback } from '../../src/store/rollback-preview.ts';
import type { Database } from '../../src/store/schema.ts';
import { findTenantByName } from '../../src/store/tenants.ts';
import { importCsv } from '../jobs/import-support.ts';
import { cliOnTempDatabase } from '../support/cli.ts';

const { dataDir, roster } = cliOnTempDatabase('roster-cli-rollback-');

/** Opens the CLI's embedded database (one process at a time: closed before roster runs). */
async function withDb<T>(fn: (db: Kysely<Database>, tenantId: string) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ dataDir });
  try {
    await migrateToLatest(handle.db);
    const tenant = await findTenantByName(handle.db, 'default');
    if (!tenant) throw new Error('no default tenant');
    return await fn(handle.db, tenant.id);
  } finally {
    await handle.close();
  }
}

async function emails(): Promise<string[]> {
  return withDb(async (db, tenantId) =>
    (
      await db
        .selectFrom('contacts')
        .select('email')
        .where('tenant_id', '=', tenantId)
        .orderBy('email')
        .execute()
    ).map((r) => r.email ?? ''),
  );
}

describe('roster rollback', () => {
  let jobId = '';
  let preview = '';

  beforeAll(async () => {
    await withDb(async (db, tenantId) => {
      await importCsv(db, tenantId, 'Email,Company\nann@example.com,Acme\n');
      const second = await importCsv(
        db,
        tenantId,
        'Email,Company\nann@example.com,Acme Corp\ncy@example.com,Corp\n',
        { merge: { strategy: 'update' }, tags: ['webinar'], segment: 'Webinar' },
        'webinar.csv',
      );
      jobId = second.jobId!;
      preview = renderPreview(await previewRollback(db, tenantId, jobId), false);
    });
  });

  it('shows the spec rollback screen before asking', () => {
    expect(preview).toContain('Rollback Import: webinar.csv');
    expect(preview).toContain('  - Delete 1 contact created by this import');
    expect(preview).toContain('  - Restore 1 contact to their previous state');
    expect(preview).toContain('  - Remove tags: webinar');
    expect(preview).toContain('  - Delete segment: "Webinar"');
    expect(preview).toContain('This action CANNOT be undone.');
  });

  it('refuses to run unconfirmed when not on a terminal', async () => {
    const r = await roster(['rollback', jobId, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^roster: OPTION_INVALID: .*--yes/);
    expect(await emails()).toEqual(['ann@example.com', 'cy@example.com']);
  });

  it('rolls back with --yes --json, and a second time does nothing', async () => {
    const r = await roster(['rollback', jobId, '--yes', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual([
      'jobId',
      'status',
      'changed',
      'rolledBackAt',
      'deleted',
      'restored',
      'conflicts',
      'gone',
      'conflictContactIds',
      'tagsRemoved',
      'segment',
      'segmentDeleted',
      'forced',
    ]);
    expect(out).toMatchObject({
      jobId,
      status: 'rolled_back',
      changed: true,
      deleted: 1,
      restored: 1,
      conflicts: 0,
      gone: 0,
      conflictContactIds: [],
      tagsRemoved: ['webinar'],
      segment: { name: 'Webinar', createdByImport: true, deleted: true, remainingMembers: 0 },
      segmentDeleted: true,
      forced: false,
    });
    expect(await emails()).toEqual(['ann@example.com']);
    const ann = await withDb((db, tenantId) =>
      db
        .selectFrom('contacts')
        .select(['company', 'tags'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow(),
    );
    expect(ann).toEqual({ company: 'Acme', tags: [] });

    const again = await roster(['rollback', jobId, '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ ...out, changed: false });

    const text = await roster(['rollback', jobId, '--yes']);
    expect(text.stdout).toMatch(/already rolled back: nothing to do/);
  });

  it('fails with NOT_FOUND for an unknown job or another tenant', async () => {
    const r = await roster(['rollback', '00000000-0000-4000-8000-000000000000', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^roster: NOT_FOUND: /);
    const other = await roster(['rollback', jobId, '--yes', '--tenant', 'nobody']);
    expect(other.stderr).toMatch(/NOT_FOUND: No tenant named "nobody"/);
  });
});
