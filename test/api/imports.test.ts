import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEventsOf } from '../../src/store/audit.ts';
import { getImport } from '../../src/store/imports.ts';
import { updateTenantSettings } from '../../src/store/tenant-settings.ts';
import { describeEachBackend } from '../support/backends.ts';
import { useTestApi } from './api-support.ts';
import { contactsCsv, inlineJobs, sseEvents, upload, type InlineJobs } from './import-support.ts';

describeEachBackend('API: uploads and imports', (getDb) => {
  let jobs: InlineJobs;
  const { api, t, other } = useTestApi(getDb, { jobs: () => (jobs = inlineJobs(getDb(), 700)) });

  const json = async (
    key: string | null,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }> => {
    const res = await api.call(key, { method, url, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  };

  it('walks the wizard: upload, inspect, dry run, import, progress, issues, report, rollback', async () => {
    const up = await upload(api, t.memberKey, 'leads.csv', contactsCsv(3000));
    expect(up.statusCode).toBe(201);
    const uploaded = up.json() as { id: string; size: number; sha256: string; fileName: string };
    expect(uploaded).toMatchObject({ fileName: 'leads.csv', contentType: 'text/csv' });
    expect(uploaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await json(t.memberKey, 'GET', `/api/uploads/${uploaded.id}`)).body).toEqual(up.json());

    const inspect = await json(t.memberKey, 'POST', `/api/uploads/${uploaded.id}/inspect`, {});
    expect(inspect.status).toBe(200);
    expect(inspect.body).toMatchObject({ format: 'csv', delimiter: ',', rowCount: 3000 });
    const columns = inspect.body['columns'] as { header: string; field: string | null }[];
    expect(columns.find((c) => c.header === 'Email Address')?.field).toBe('email');
    expect(columns.find((c) => c.header === 'Company')?.field).toBe('company');

    const options = { tags: ['webinar'], segmentName: 'Webinar leads', batchSize: 500 };
    const dry = await json(t.memberKey, 'POST', '/api/imports/dry-run', {
      uploadId: uploaded.id,
      options,
    });
    expect(dry.status).toBe(200);
    const dryCounters = dry.body['counters'] as Record<string, number>;
    expect(dryCounters).toMatchObject({ totalRows: 3000, rejected: 240, duplicatesInFile: 120 });
    expect(dryCounters['duplicatesInFile']).toBeGreaterThan(0);
    expect((dry.body['issues'] as unknown[]).length).toBe(100);

    const started = await json(t.memberKey, 'POST', '/api/imports', {
      uploadId: uploaded.id,
      options,
    });
    expect(started.status).toBe(202);
    const id = started.body['id'] as string;
    // The rows are counted by the job, not in the request.
    expect(started.body).toMatchObject({
      status: 'queued',
      uploadId: uploaded.id,
      rowsTotal: null,
    });

    const progress = await api.call(t.memberKey, {
      method: 'GET',
      url: `/api/imports/${id}/progress`,
    });
    expect(progress.statusCode).toBe(200);
    expect(progress.headers['content-type']).toContain('text/event-stream');
    expect(progress.headers['cache-control']).toBe('no-cache');
    expect(progress.headers['x-accel-buffering']).toBe('no');
    const events = sseEvents(progress.payload);
    expect(events[0]).toMatchObject({ event: 'progress', data: { status: 'queued' } });
    const done = events[events.length - 1]!;
    expect(done).toMatchObject({ event: 'done', data: { status: 'completed' } });
    expect(events.filter((e) => e.event === 'done')).toHaveLength(1);
    await jobs.settle();

    const detail = await json(t.memberKey, 'GET', `/api/imports/${id}`);
    expect(detail.body).toMatchObject({
      status: 'completed',
      rowsTotal: 3000,
      counters: { totalRows: 3000, created: dryCounters['created'], rejected: 240 },
      file: { name: 'leads.csv', sha256: uploaded.sha256 },
    });
    expect(detail.body['finishedAt']).not.toBeNull();
    expect(done.data).toMatchObject({ summary: detail.body['counters'] });

    // Issues, two pages of 200 then the rest; the same list as one big page.
    const all = await json(t.memberKey, 'GET', `/api/imports/${id}/issues?limit=1000`);
    const allIssues = all.body['issues'] as { id: number; code: string; severity: string }[];
    expect(allIssues.length).toBeGreaterThanOrEqual(240);
    const paged: { id: number }[] = [];
    let next: string | null = null;
    do {
      const q: string = next ? `&after=${next}` : '';
      const page = await json(t.memberKey, 'GET', `/api/imports/${id}/issues?limit=200${q}`);
      paged.push(...(page.body['issues'] as { id: number }[]));
      next = page.body['next'] as string | null;
    } while (next);
    expect(paged.map((i) => i.id)).toEqual(allIssues.map((i) => i.id));
    const code = allIssues.find((i) => i.severity === 'error')!.code;
    const filtered = await json(
      t.memberKey,
      'GET',
      `/api/imports/${id}/issues?code=${code}&limit=50`,
    );
    const filteredIssues = filtered.body['issues'] as { code: string }[];
    expect(filteredIssues).toHaveLength(50);
    expect(filteredIssues.every((i) => i.code === code)).toBe(true);

    const report = await api.call(t.memberKey, {
      method: 'GET',
      url: `/api/imports/${id}/error-report`,
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-disposition']).toContain('attachment');
    expect(report.headers['content-disposition']).toContain('leads-errors.csv');
    const rows = parse(report.payload, { bom: true, columns: true }) as Record<string, string>[];
    // Rejected rows and duplicates in the file (a warning).
    expect(rows).toHaveLength(240 + 120);
    expect(rows[0]).toMatchObject({ 'Email Address': 'broken-10-at-example.com', row: '11' });

    const preview = await json(t.memberKey, 'GET', `/api/imports/${id}/rollback`);
    expect(preview.body).toMatchObject({
      importId: id,
      toDelete: dryCounters['created'],
      conflicts: 0,
      tags: ['webinar'],
      nothingToDo: false,
    });
    const rolled = await json(t.memberKey, 'POST', `/api/imports/${id}/rollback`, {});
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      status: 'rolled_back',
      changed: true,
      summary: { deleted: dryCounters['created'] },
    });
    expect((await getImport(getDb(), t.id, id)).status).toBe('rolled_back');
    const trail = await auditEventsOf(getDb(), t.id, { type: 'import', id });
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['import.create', 'import.rollback']),
    );
    const again = await json(t.memberKey, 'POST', `/api/imports/${id}/rollback`, {});
    expect(again.body).toMatchObject({ changed: false });

    // A finished import's progress stream ends at once with `done`.
    const finished = await api.call(t.memberKey, {
      method: 'GET',
      url: `/api/imports/${id}/progress`,
    });
    expect(sseEvents(finished.payload)).toEqual([
      { event: 'done', data: expect.objectContaining({ status: 'rolled_back' }) },
    ]);

    // History: newest first, paged, filtered by status.
    const history = await json(t.memberKey, 'GET', '/api/imports?limit=1');
    expect((history.body['imports'] as { id: string }[])[0]!.id).toBe(id);
    const completed = await json(t.memberKey, 'GET', '/api/imports?status=completed');
    expect(completed.body['imports']).toEqual([]);
  });

  it('refuses a file over the tenant limit with 413 and stores nothing', async () => {
    const small = await api.newTenant();
    await updateTenantSettings(getDb(), small.id, { maxUploadBytes: 1000 });
    const res = await upload(api, small.adminKey, 'big.csv', contactsCsv(200));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'FILE_TOO_LARGE', details: { maxBytes: 1000 } });
    const count = await getDb()
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', small.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    const dir = join(api.files.root, 'tenants', small.id, 'uploads');
    let stored: string[] = [];
    try {
      stored = readdirSync(dir);
    } catch {
      // No folder at all: nothing stored.
    }
    expect(stored).toEqual([]);
    // Under the limit it is accepted.
    expect((await upload(api, small.adminKey, 'ok.csv', contactsCsv(5))).statusCode).toBe(201);
  });

  it('keeps every id route to its own tenant: 404 and nothing changed', async () => {
    const up = (await upload(api, t.adminKey, 'mine.csv', contactsCsv(20))).json() as {
      id: string;
    };
    const started = await json(t.adminKey, 'POST', '/api/imports', { uploadId: up.id });
    expect(started.status).toBe(202);
    const id = started.body['id'] as string;
    await jobs.settle();
    const before = await getImport(getDb(), t.id, id);
    expect(before.status).toBe('completed');

    const attempts: [string, 'GET' | 'POST', object?][] = [
      [`/api/uploads/${up.id}`, 'GET'],
      [`/api/uploads/${up.id}/inspect`, 'POST', {}],
      ['/api/imports/dry-run', 'POST', { uploadId: up.id }],
      ['/api/imports', 'POST', { uploadId: up.id }],
      [`/api/imports/${id}`, 'GET'],
      [`/api/imports/${id}/issues`, 'GET'],
      [`/api/imports/${id}/error-report`, 'GET'],
      [`/api/imports/${id}/rollback`, 'GET'],
      [`/api/imports/${id}/rollback`, 'POST', { force: true }],
      [`/api/imports/${id}/cancel`, 'POST'],
      [`/api/imports/${id}/progress`, 'GET'],
    ];
    for (const [url, method, payload] of attempts) {
      const res = await json(other.adminKey, method, url, payload);
      expect([url, res.status, res.body.error?.code]).toEqual([url, 404, 'NOT_FOUND']);
      const anonymous = await api.call(null, { method, url, ...(payload ? { payload } : {}) });
      expect([url, anonymous.statusCode]).toEqual([url, 401]);
    }
    for (const url of ['/api/imports/not-a-uuid', '/api/uploads/not-a-uuid']) {
      expect((await json(t.adminKey, 'GET', url)).status).toBe(404);
    }
    const after = await getImport(getDb(), t.id, id);
    expect(after.status).toBe('completed');
    expect(after.updated_at).toEqual(before.updated_at);
    expect(await api.call(null, { method: 'GET', url: '/api/imports' })).toMatchObject({
      statusCode: 401,
    });
    const theirs = await json(other.adminKey, 'GET', '/api/imports');
    expect(theirs.body['imports']).toEqual([]);
  });

  it('names what is wrong with the options', async () => {
    const up = (await upload(api, t.adminKey, 'x.csv', contactsCsv(5))).json() as { id: string };
    const bad = await json(t.adminKey, 'POST', '/api/imports/dry-run', {
      uploadId: up.id,
      options: { duplicateStrategy: 'overwrite' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('REQUEST_INVALID');
    const unmapped = await json(t.adminKey, 'POST', '/api/imports/dry-run', {
      uploadId: up.id,
      options: { map: { 'Email Address': null } },
    });
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.error?.code).toBe('OPTION_INVALID');
  });
});

describeEachBackend('API: the row limit', (getDb) => {
  let jobs: InlineJobs;
  const { api, t } = useTestApi(getDb, { jobs: () => (jobs = inlineJobs(getDb())) });

  it('fails an import with more rows than the tenant allows, before writing anything', async () => {
    await updateTenantSettings(getDb(), t.id, { maxRowsPerImport: 20 });
    const up = await upload(api, t.adminKey, 'l.csv', contactsCsv(30));
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/imports',
      payload: { uploadId: (up.json() as { id: string }).id },
    });
    // Counting is the job's first step: the request answers at once.
    expect(res.statusCode).toBe(202);
    await expect(jobs.settle()).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    const id = (res.json() as { id: string }).id;
    const detail = await api.call(t.memberKey, { method: 'GET', url: `/api/imports/${id}` });
    expect(detail.json()).toMatchObject({
      status: 'failed',
      rowsTotal: null,
      counters: { totalRows: 0, created: 0 },
      error: { code: 'LIMIT_EXCEEDED', limit: 20, setting: 'maxRowsPerImport' },
    });
    const contacts = await api.call(t.memberKey, { method: 'GET', url: '/api/contacts' });
    expect(contacts.json()).toMatchObject({ contacts: [] });
  });
});

describeEachBackend('API: import limits and cancel', (getDb) => {
  const { api, t } = useTestApi(getDb);
  let uploadId: string;

  beforeAll(async () => {
    uploadId = ((await upload(api, t.adminKey, 'l.csv', contactsCsv(30))).json() as { id: string })
      .id;
  });

  const start = () =>
    api.call(t.memberKey, { method: 'POST', url: '/api/imports', payload: { uploadId } });

  it('refuses a new import while the tenant has too many waiting or running', async () => {
    await updateTenantSettings(getDb(), t.id, { maxConcurrentImports: 1 });
    const first = await start();
    expect(first.statusCode).toBe(202);
    const second = await start();
    expect(second.statusCode).toBe(429);
    expect(second.json().error).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      details: { limit: 1, value: 1 },
    });
    // Cancelling the queued one frees the place.
    const id = first.json().id as string;
    const cancelled = await api.call(t.memberKey, {
      method: 'POST',
      url: `/api/imports/${id}/cancel`,
    });
    expect(cancelled.json()).toMatchObject({ id, status: 'cancelled' });
    const twice = await api.call(t.memberKey, { method: 'POST', url: `/api/imports/${id}/cancel` });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('JOB_STATE');
    expect((await start()).statusCode).toBe(202);
  });

  it('limits uploads per tenant, not per caller', async () => {
    const busy = await api.newTenant();
    const quiet = await api.newTenant();
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) {
      const key = i % 2 === 0 ? busy.adminKey : busy.memberKey;
      codes.push((await upload(api, key, `u${i}.csv`, contactsCsv(2))).statusCode);
    }
    expect(codes.slice(0, 30).every((c) => c === 201)).toBe(true);
    expect(codes[30]).toBe(429);
    expect((await upload(api, quiet.memberKey, 'q.csv', contactsCsv(2))).statusCode).toBe(201);
  });

  it('refuses to roll back an import that has not run (409)', async () => {
    const list = (
      await api.call(t.memberKey, { method: 'GET', url: '/api/imports?status=queued' })
    ).json() as { imports: { id: string }[] };
    const id = list.imports[0]!.id;
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: `/api/imports/${id}/rollback`,
      payload: {},
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('JOB_STATE');
  });
});

describe('import progress events', () => {
  it('measures the rate over recent samples and gives a time left', async () => {
    const { progressOf } = await import('../../src/api/routes/import-progress.ts');
    const row = (rows: number) =>
      ({
        id: 'x',
        status: 'running',
        rows_processed: rows,
        rows_total: 10_000,
        rows_created: 0,
        rows_updated: 0,
        rows_unchanged: 0,
        rows_skipped: 0,
        rows_rejected: 0,
        rows_duplicate_in_file: 0,
        possible_duplicates: 0,
        warnings: 0,
        issue_counts: {},
      }) as unknown as Parameters<typeof progressOf>[0];
    const samples: { at: number; rows: number }[] = [];
    expect(progressOf(row(0), samples, 0)).toMatchObject({ rate: 0, etaSeconds: null });
    expect(progressOf(row(1000), samples, 1000)).toMatchObject({
      rate: 1000,
      etaSeconds: 9,
      percent: 10,
    });
    // Ten seconds later at another speed: the old samples have left the window.
    for (let s = 2; s <= 12; s++) progressOf(row(1000 + (s - 1) * 200), samples, s * 1000);
    expect(progressOf(row(3400), samples, 13_000).rate).toBe(200);
  });
});
