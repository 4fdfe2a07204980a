import { expect, it } from 'vitest';
import { createExport, failExport, finishExport, listExports } from '../../src/store/exports.ts';
import { describeEachBackend } from '../support/backends.ts';
import { freshTenant } from '../jobs/import-support.ts';

describeEachBackend('export jobs', (getDb) => {
  it('are recorded running, then completed with rows, file and expiry, or failed; by tenant', async () => {
    const db = getDb();
    const tenantId = await freshTenant(db);
    const other = await freshTenant(db);
    const job = await createExport(db, tenantId, {
      format: 'csv',
      filter: 'lead_score > 50',
      segmentId: null,
      fields: ['email', 'first_name'],
      options: { bom: true },
      createdBy: null,
    });
    expect(job).toMatchObject({ status: 'running', format: 'csv', filter: 'lead_score > 50' });
    expect(job.fields).toEqual(['email', 'first_name']);
    const done = await finishExport(db, tenantId, job.id, {
      rows: 3,
      fileName: 'contacts.csv',
      bytes: 120,
      storageKey: 'file:/tmp/contacts.csv',
    });
    expect(done).toMatchObject({ status: 'completed', row_count: 3, file_size: 120 });
    const days = (done.expires_at!.getTime() - done.finished_at!.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 5);

    const failed = await createExport(db, tenantId, {
      format: 'json',
      filter: 'bad',
      segmentId: null,
      fields: [],
      options: {},
      createdBy: null,
    });
    await failExport(db, tenantId, failed.id, { code: 'FILTER_INVALID', message: 'bad' });
    const listed = await listExports(db, tenantId);
    expect(listed.map((e) => [e.id, e.status])).toEqual([
      [failed.id, 'failed'],
      [job.id, 'completed'],
    ]);
    expect(listed[0]!.error).toEqual({ code: 'FILTER_INVALID', message: 'bad' });
    expect(await listExports(db, other)).toEqual([]);
  });
});
