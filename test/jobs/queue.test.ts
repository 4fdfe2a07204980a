/**
 * Background jobs on pg-boss, on both backends: imports and exports run by a worker with
 * notifications and audit events, leases keep a job to one worker, the reaper hands a dead
 * worker's import to another which resumes it from its checkpoint, cleanup expires exports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/files/local-folder-store.ts';
import { runCleanup } from '../../src/jobs/cleanup-job.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import { exportKey } from '../../src/jobs/export-job.ts';
import type { ImportRequest } from '../../src/jobs/plan-import.ts';
import { QUEUES } from '../../src/jobs/queue.ts';
import { runImport } from '../../src/jobs/run-import.ts';
import {
  createQueuedExport,
  enqueueExport,
  enqueueImport,
  startWorkers,
  type Workers,
} from '../../src/jobs/start-workers.ts';
import { auditEventsOf } from '../../src/store/audit.ts';
import { getImport } from '../../src/store/imports.ts';
import { claimLease } from '../../src/store/job-leases.ts';
import { listNotifications } from '../../src/store/notifications.ts';
import { describeEachBackend } from '../support/backends.ts';
import { freshTenant } from './import-support.ts';

const SECRET = 'test-signing-secret-0123456789abcdef';

function csvOf(rows: number): string {
  const lines = ['Email,First Name,Company'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${i % 40 === 9 ? `broken${i}` : `u${i}@example.com`},Name${i},Co ${i % 7}`);
  }
  return `${lines.join('\n')}\n`;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeEachBackend('background jobs', (getDb, backend) => {
  let root: string;
  let files: LocalFolderStore;
  let workers: Workers;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'roster-jobs-'));
    files = new LocalFolderStore(root, SECRET);
    workers = await startWorkers({
      open: backend.handle(),
      files,
      workerId: 'worker-a',
      concurrency: 1,
      leaseSeconds: 5,
      heartbeatMs: 500,
      reapIntervalMs: 0,
      queuedGraceSeconds: 0,
      exportTtlDays: 3,
      queue: { pollingIntervalSeconds: 0.5, schedule: false, supervise: false },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  });
  afterAll(async () => {
    await workers?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Stores the CSV as an upload and records an import of it, queued. */
  async function queuedImport(tenantId: string, csv: string, request: ImportRequest = {}) {
    const key = `tenants/${tenantId}/uploads/${Math.random().toString(36).slice(2)}`;
    await files.put(key, Readable.from([Buffer.from(csv)]));
    const source = await files.source(key, 'contacts.csv');
    const { job } = await createImportJob(getDb(), tenantId, source, key, request, 'tester');
    return { job, key };
  }

  async function finished(tenantId: string, importId: string) {
    return until(`import ${importId}`, async () => {
      const job = await getImport(getDb(), tenantId, importId);
      // The worker reports, then gives the lease back: done once both happened.
      const ended = job.status === 'completed' || job.status === 'failed';
      return ended && job.lease_owner === null ? job : undefined;
    });
  }

  it('runs an enqueued import to completion and tells the tenant', async () => {
    const tenantId = await freshTenant(getDb());
    const { job } = await queuedImport(tenantId, csvOf(50));
    expect(await enqueueImport(workers.queue, tenantId, job.id)).not.toBeNull();
    const done = await finished(tenantId, job.id);
    expect(done).toMatchObject({
      status: 'completed',
      rows_processed: 50,
      rows_created: 48,
      rows_rejected: 2,
      lease_owner: null,
    });
    const notes = await listNotifications(getDb(), tenantId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      kind: 'import.completed',
      level: 'warning',
      target_type: 'import',
      target_id: job.id,
      body: '50 rows: 48 created, 2 rejected',
    });
    const audit = await auditEventsOf(getDb(), tenantId, { type: 'import', id: job.id });
    expect(audit.map((a) => [a.action, a.actor_type, a.actor_id])).toEqual([
      ['import.completed', 'system', 'worker-a'],
    ]);
    expect(audit[0]?.details).toMatchObject({ created: 48, rejected: 2 });
  });

  it('fails an import whose file is missing, with an error notification', async () => {
    const tenantId = await freshTenant(getDb());
    const { job, key } = await queuedImport(tenantId, csvOf(5));
    await files.delete(key);
    await enqueueImport(workers.queue, tenantId, job.id);
    const done = await finished(tenantId, job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'FILE_UNREADABLE' });
    const notes = await listNotifications(getDb(), tenantId);
    expect(notes.map((n) => [n.kind, n.level])).toEqual([['import.failed', 'error']]);
    expect(notes[0]?.body).toContain('cannot be read');
    const audit = await auditEventsOf(getDb(), tenantId, { type: 'import', id: job.id });
    expect(audit.map((a) => a.action)).toEqual(['import.failed']);
  });

  it('does not run an import whose lease another worker holds', async () => {
    const tenantId = await freshTenant(getDb());
    const { job } = await queuedImport(tenantId, csvOf(5));
    expect(await claimLease(getDb(), 'imports', tenantId, job.id, 'worker-b', 60)).toBe(true);
    const jobId = await enqueueImport(workers.queue, tenantId, job.id);
    expect(jobId).not.toBeNull();
    const delivered = await until('the job to be handled', async () => {
      const j = await workers.queue.getJobById(QUEUES.import, jobId ?? '');
      return j?.state === 'completed' ? j : undefined;
    });
    expect(delivered.output).toEqual({ outcomes: ['skipped'] });
    expect(await getImport(getDb(), tenantId, job.id)).toMatchObject({
      status: 'queued',
      rows_processed: 0,
      lease_owner: 'worker-b',
    });
    expect(await listNotifications(getDb(), tenantId)).toEqual([]);
  });

  it("resumes a dead worker's import from its checkpoint to the uninterrupted result", async () => {
    const csv = csvOf(1000);
    const request: ImportRequest = { batchSize: 100, tags: ['resume'] };
    // Reference: the same file imported without interruption.
    const refTenant = await freshTenant(getDb());
    const ref = await queuedImport(refTenant, csv, request);
    await runImport(
      { db: getDb(), tenantId: refTenant, source: await files.source(ref.key, 'contacts.csv') },
      ref.job.id,
    );
    const expected = await getImport(getDb(), refTenant, ref.job.id);

    // A worker that took the import, committed some batches and died: running, a checkpoint,
    // and a lease that ran out.
    const tenantId = await freshTenant(getDb());
    const { job, key } = await queuedImport(tenantId, csv, request);
    await claimLease(getDb(), 'imports', tenantId, job.id, 'dead-worker', 60);
    const stop = new AbortController();
    const partial = await runImport(
      {
        db: getDb(),
        tenantId,
        source: await files.source(key, 'contacts.csv'),
        signal: stop.signal,
        onProgress: (p) => {
          if (p.rowsProcessed >= 300) stop.abort();
        },
      },
      job.id,
    );
    expect(partial.status).toBe('running');
    expect(partial.counters.rowsProcessed).toBeGreaterThanOrEqual(300);
    expect(partial.counters.rowsProcessed).toBeLessThan(1000);
    await getDb()
      .updateTable('imports')
      .set({ lease_expires_at: sql<Date>`now() - interval '1 second'` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', job.id)
      .execute();

    expect(await workers.reap()).toBeGreaterThanOrEqual(1);
    const done = await finished(tenantId, job.id);
    const counters = (row: typeof done) => ({
      status: row.status,
      processed: row.rows_processed,
      created: row.rows_created,
      rejected: row.rows_rejected,
      issues: row.issue_counts,
    });
    expect(counters(done)).toEqual(counters(expected));
    expect(done.lease_owner).toBeNull();
    const contacts = await getDb()
      .selectFrom('contacts')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(contacts.n).toBe(expected.rows_created);
  });

  it('writes an export file from a queued export, and cleanup expires it', async () => {
    const tenantId = await freshTenant(getDb());
    const seed = await queuedImport(tenantId, csvOf(30));
    await enqueueImport(workers.queue, tenantId, seed.job.id);
    await finished(tenantId, seed.job.id);

    const request = { format: 'csv' as const, where: 'company = "Co 1"' };
    const queued = await createQueuedExport(getDb(), tenantId, request);
    expect(queued.status).toBe('queued');
    await enqueueExport(workers.queue, tenantId, queued.id, request);
    const done = await until('the export', async () => {
      const row = await getDb()
        .selectFrom('exports')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', queued.id)
        .executeTakeFirstOrThrow();
      const ended = row.status === 'completed' || row.status === 'failed';
      return ended && row.lease_owner === null ? row : undefined;
    });
    const key = exportKey(tenantId, queued.id, 'csv');
    expect(done).toMatchObject({ status: 'completed', storage_key: key, lease_owner: null });
    // Rows 1, 8, 15, 22, 29 have company "Co 1"; row 9 is broken and was rejected.
    expect(done.row_count).toBe(5);
    // Kept for the worker's EXPORT_TTL_DAYS (3 here), not the default 7.
    const keptDays = (done.expires_at!.getTime() - done.finished_at!.getTime()) / 86_400_000;
    expect(keptDays).toBeCloseTo(3, 2);
    const text = await readAll(await files.source(key, 'x.csv'));
    expect(text.trim().split('\n')).toHaveLength(6);
    expect(text).toContain('u8@example.com');
    expect(done.file_size).toBe(Buffer.byteLength(text));
    const notes = await listNotifications(getDb(), tenantId);
    expect(notes.map((n) => n.kind)).toContain('export.completed');

    await getDb()
      .updateTable('exports')
      .set({ expires_at: sql<Date>`now() - interval '1 minute'` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', queued.id)
      .execute();
    const cleaned = await runCleanup(getDb(), files);
    expect(cleaned.exportsExpired).toBeGreaterThanOrEqual(1);
    expect(await files.exists(key)).toBe(false);
    const after = await getDb()
      .selectFrom('exports')
      .select('status')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', queued.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('expired');
  });
});

async function readAll(source: { stream(): AsyncIterable<Uint8Array> }): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source.stream()) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

describeEachBackend('background jobs: graceful stop', (getDb, backend) => {
  let root: string;
  let files: LocalFolderStore;
  const options = (workerId: string) => ({
    open: backend.handle(),
    files,
    workerId,
    concurrency: 1,
    leaseSeconds: 5,
    heartbeatMs: 500,
    reapIntervalMs: 0,
    queue: { pollingIntervalSeconds: 0.5, schedule: false, supervise: false },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'roster-jobs-stop-'));
    files = new LocalFolderStore(root, SECRET);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stops after a batch, keeps the checkpoint, and the next worker finishes the import', async () => {
    const tenantId = await freshTenant(getDb());
    const key = `tenants/${tenantId}/uploads/big`;
    await files.put(key, Readable.from([Buffer.from(csvOf(1500))]));
    const source = await files.source(key, 'contacts.csv');
    const { job } = await createImportJob(getDb(), tenantId, source, key, { batchSize: 50 }, null);

    const first = await startWorkers(options('worker-1'));
    await enqueueImport(first.queue, tenantId, job.id);
    await until('the first batches', async () => {
      const row = await getImport(getDb(), tenantId, job.id);
      return row.rows_processed > 0 ? row : undefined;
    });
    await first.stop();
    const stopped = await getImport(getDb(), tenantId, job.id);
    expect(stopped.status).toBe('running');
    expect(stopped.lease_owner).toBeNull();
    expect(stopped.rows_processed).toBeGreaterThan(0);
    expect(stopped.rows_processed).toBeLessThan(1500);
    expect(stopped.checkpoint).toMatchObject({ row: stopped.rows_processed + 1 });

    // The stopped worker queued it again: the next worker picks it up without a reaper.
    const second = await startWorkers(options('worker-2'));
    try {
      const done = await until('the resumed import', async () => {
        const row = await getImport(getDb(), tenantId, job.id);
        return row.status === 'completed' && row.lease_owner === null ? row : undefined;
      });
      expect(done).toMatchObject({ rows_processed: 1500, rows_created: 1462, rows_rejected: 38 });
      const audit = await auditEventsOf(getDb(), tenantId, { type: 'import', id: job.id });
      expect(audit.map((a) => [a.action, a.actor_id])).toEqual([['import.completed', 'worker-2']]);
    } finally {
      await second.stop();
    }
  });
});
