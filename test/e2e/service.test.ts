/**
 * End to end on PostgreSQL: the real `roster serve` (ROSTER_WORKERS=0, so it runs no jobs) and a
 * separate `roster worker` process share a fresh database, the signing secret and the local file
 * folder. Over HTTP only: sign in, create an API key, upload a file, inspect it, start the import,
 * follow its SSE progress to the end, download the error report, export CSV and XLSX through the
 * worker and a signed link, roll the import back, and stop both processes gracefully.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/backends.ts';
import { CONTACT_FIELDS, contactFile, importCounters } from './contact-file.ts';
import { readSse, type SseEvent } from './read-sse.ts';
import type { RosterProcess } from './roster-process.ts';
import {
  ADMIN,
  callApi,
  startService,
  uploadCsv,
  type Json,
  type Service,
} from './start-service.ts';

/** Data rows of the imported file: enough for the worker to need a few seconds. */
const ROWS = 6000;
/** Rows per batch: the import commits (and shows progress) 30 times. */
const BATCH_SIZE = 200;

const suite = TEST_DATABASE_URL ? describe : describe.skip;
const title = TEST_DATABASE_URL
  ? 'e2e: roster serve + roster worker on PostgreSQL'
  : 'e2e: roster serve + roster worker on PostgreSQL (TEST_DATABASE_URL not set: it needs a PostgreSQL server)';

suite(title, () => {
  const file = contactFile(ROWS);
  let service: Service | undefined;
  let serve: RosterProcess | undefined;
  let worker: RosterProcess | undefined;
  let base = '';
  let apiKey = '';
  let importId = '';

  beforeAll(async () => {
    service = await startService('roster-e2e-');
    serve = service.serve;
    base = service.base;
    // Only then the worker, so its log shows only the jobs (starting together is tested in
    // concurrent-start.test.ts).
    worker = service.startWorker('worker', { ROSTER_WORKERS: '2' });
    await worker.waitFor(/"msg":"worker started"/, 60_000);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
  }, 60_000);

  beforeEach((ctx) => {
    // The processes' own words are what explains a failure here.
    ctx.onTestFailed(() => {
      process.stderr.write(`${serve?.output() ?? ''}\n${worker?.output() ?? ''}\n`);
    });
  });

  /** An API call with the test's key; JSON in and out. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const { status, body: json } = await callApi(base, apiKey, method, path, body);
    return { status, body: json };
  }

  it('signs in as the first admin and creates an API key with the session', async () => {
    expect(serve?.output()).toContain(`as ${ADMIN.email} (tenant "default")`);
    const wrong = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({
      user: { email: ADMIN.email, role: 'admin' },
      tenant: 'default',
    });
    const cookie = /^(roster_session=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeDefined();

    const created = await fetch(`${base}/api/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie ?? '' },
      body: JSON.stringify({ name: 'e2e', role: 'member' }),
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { key: string; role: string };
    expect(key.role).toBe('member');
    apiKey = key.key;

    const me = await call('GET', '/api/auth/me');
    expect(me).toMatchObject({ status: 200, body: { role: 'member', via: 'api_key' } });
    expect((await fetch(`${base}/api/imports`)).status).toBe(401);
  });

  it('uploads, inspects and imports a file on the worker, followed over SSE to the end', async () => {
    const up = await uploadCsv(base, apiKey, file.csv, 'leads.csv');
    expect(up.status).toBe(201);
    const upload = (await up.json()) as { id: string; size: number; sha256: string };
    expect(upload.size).toBe(Buffer.byteLength(file.csv));
    expect(upload.sha256).toBe(createHash('sha256').update(file.csv).digest('hex'));

    const inspect = await call('POST', `/api/uploads/${upload.id}/inspect`, {});
    expect(inspect.status).toBe(200);
    expect(inspect.body).toMatchObject({ format: 'csv', delimiter: ',', rowCount: ROWS });
    const columns = inspect.body['columns'] as { header: string; field: string | null }[];
    expect(Object.fromEntries(columns.map((c) => [c.header, c.field]))).toEqual(
      Object.fromEntries(CONTACT_FIELDS.map((f) => [f, f])),
    );

    const started = await call('POST', '/api/imports', {
      uploadId: upload.id,
      options: { batchSize: BATCH_SIZE, fuzzy: false },
    });
    expect(started.status).toBe(202);
    // The job counts the rows (rowsTotal) as its first step, not the request.
    expect(started.body).toMatchObject({ status: 'queued', rowsTotal: null });
    importId = started.body['id'] as string;

    const res = await fetch(`${base}/api/imports/${importId}/progress`, {
      headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: SseEvent[] = [];
    for await (const event of readSse(res.body ?? new ReadableStream())) {
      events.push(event);
      if (event.event !== 'progress') break;
    }
    const progress = events.slice(0, -1).map((e) => e.data as Progress);
    const done = events[events.length - 1];
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    expect(done?.event).toBe('done');
    expect(progress.length).toBeGreaterThan(0);

    // Monotonic: rows only grow, the status only moves forward, the percentage follows the rows.
    const order = ['uploaded', 'queued', 'running'];
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1]!, progress[i]!];
      expect(b.rowsProcessed).toBeGreaterThanOrEqual(a.rowsProcessed);
      expect(order.indexOf(b.status)).toBeGreaterThanOrEqual(order.indexOf(a.status));
      expect(b.counters.created).toBeGreaterThanOrEqual(a.counters.created);
    }
    // rowsTotal is null until the job has counted the rows, then stays.
    const counted = progress.findIndex((p) => p.rowsTotal !== null);
    expect(counted).toBeGreaterThanOrEqual(0);
    for (const [i, p] of progress.entries()) {
      expect(p).toMatchObject({ id: importId, rowsTotal: i < counted ? null : ROWS });
      expect(p.rowsProcessed).toBeLessThanOrEqual(ROWS);
      expect(p.percent).toBe(i < counted ? null : Math.round((p.rowsProcessed / ROWS) * 1000) / 10);
      // Counters are written with each batch: processed rows come in whole batches until the end.
      if (p.rowsProcessed < ROWS) expect(p.rowsProcessed % BATCH_SIZE).toBe(0);
    }

    const expected = importCounters(file);
    const issueCounts: Record<string, number> = {};
    for (const codes of file.reported.values()) {
      for (const code of codes) issueCounts[code] = (issueCounts[code] ?? 0) + 1;
    }
    const final = done?.data as Json;
    expect(final).toMatchObject({ id: importId, status: 'completed', rowsTotal: ROWS });
    expect(final['summary']).toMatchObject({ ...expected, issueCounts });
    expect(final['counters']).toEqual(final['summary']);

    const detail = await call('GET', `/api/imports/${importId}`);
    expect(detail.body).toMatchObject({
      status: 'completed',
      counters: final['summary'] as Json,
      file: { name: 'leads.csv', sha256: upload.sha256 },
    });
    expect(detail.body['finishedAt']).not.toBeNull();
    // The worker process ran it; the server (ROSTER_WORKERS=0) only queued it.
    await worker?.waitFor(new RegExp(`"importId":"${importId}".*"msg":"import completed"`), 10_000);
    expect(serve?.output()).not.toContain('import completed');
    // The progress stream of a finished import ends at once with `done`.
    const again = await fetch(`${base}/api/imports/${importId}/progress`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const replay: SseEvent[] = [];
    for await (const event of readSse(again.body ?? new ReadableStream())) replay.push(event);
    expect(replay.map((e) => e.event)).toEqual(['done']);
  }, 60_000);

  it('serves the error report: every rejected and warned row, with its codes', async () => {
    const res = await fetch(`${base}/api/imports/${importId}/error-report`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const records = parse(Buffer.from(await res.arrayBuffer()), {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    const byRow = new Map(records.map((r) => [Number(r['row']), r]));
    expect(byRow.size).toBe(records.length);
    expect(new Map([...byRow].map(([row, r]) => [row, (r['code'] ?? '').split('; ')]))).toEqual(
      file.reported,
    );
    const lines = file.csv.split('\r\n');
    for (const [row, r] of byRow) {
      // The original cells come back as they were, so the file can be fixed and imported again.
      expect(CONTACT_FIELDS.map((f) => r[f]).join(',')).toBe(lines[row - 1]);
      expect(r['message']).not.toBe('');
    }
    expect(byRow.get(21)).toMatchObject({ email: 'not-an-email-20', code: 'invalid_email' });
    expect(byRow.get(8)).toMatchObject({ email: '', code: 'missing_identity' });
  });

  it('exports CSV and XLSX on the worker and serves them through signed links', async () => {
    const fields = [...CONTACT_FIELDS];
    const where = 'lead_score >= 50';
    const csvStart = await call('POST', '/api/exports', { format: 'csv', fields });
    const xlsxStart = await call('POST', '/api/exports', { format: 'xlsx', fields, where });
    expect(csvStart.status).toBe(202);
    expect(xlsxStart.status).toBe(202);
    const csvExport = await completedExport((csvStart.body['export'] as Json)['id'] as string);
    const xlsxExport = await completedExport((xlsxStart.body['export'] as Json)['id'] as string);
    for (const exported of [csvExport, xlsxExport]) {
      const id = exported['id'] as string;
      await worker?.waitFor(new RegExp(`"exportId":"${id}".*"msg":"export completed"`), 10_000);
    }
    expect(serve?.output()).not.toContain('export completed');

    const all = [...file.contacts.values()];
    const hot = all.filter((c) => c.lead_score !== '' && Number(c.lead_score) >= 50);
    expect(csvExport).toMatchObject({ format: 'csv', rows: all.length, fields });
    expect(xlsxExport).toMatchObject({ format: 'xlsx', rows: hot.length, filter: where });

    const csvBytes = await download(csvExport, 'text/csv; charset=utf-8');
    const csvRows = parse(csvBytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(byEmail(csvRows)).toEqual(byEmail(all));

    const xlsxBytes = await download(
      xlsxExport,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    // exceljs declares its own Buffer type, which a Node Buffer does not match by name.
    await workbook.xlsx.load(xlsxBytes as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('Contacts');
    expect(sheet).toBeDefined();
    const table: string[][] = [];
    sheet?.eachRow((row) => {
      table.push(fields.map((_, i) => cellString(row.getCell(i + 1).value)));
    });
    expect(table[0]).toEqual(fields);
    const xlsxRows = table
      .slice(1)
      .map((cells) => Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? ''])));
    expect(byEmail(xlsxRows)).toEqual(byEmail(hot));
  }, 60_000);

  it('rolls the import back: its contacts are gone and it shows rolled back', async () => {
    const preview = await call('GET', `/api/imports/${importId}/rollback`);
    expect(preview.body).toMatchObject({
      importId,
      toDelete: file.counters.created,
      toRestore: 0,
      conflicts: 0,
    });
    const before = await call('GET', '/api/contacts?count=true&limit=1');
    expect(before.body['total']).toBe(file.counters.created);

    const rolled = await call('POST', `/api/imports/${importId}/rollback`, {});
    expect(rolled).toMatchObject({
      status: 200,
      body: { importId, status: 'rolled_back', changed: true },
    });
    const after = await call('GET', '/api/contacts?count=true&limit=1');
    expect(after.body).toMatchObject({ contacts: [], total: 0 });
    const detail = await call('GET', `/api/imports/${importId}`);
    expect(detail.body).toMatchObject({ status: 'rolled_back' });
    expect(detail.body['rolledBackAt']).not.toBeNull();
  });

  it('both processes stop gracefully on SIGTERM', async () => {
    const [a, b] = await Promise.all([stopped(serve), stopped(worker)]);
    expect(a).toEqual({ code: 0, signal: null });
    expect(b).toEqual({ code: 0, signal: null });
    expect(serve?.output()).toContain('"msg":"stopped"');
    expect(worker?.output()).toContain('"msg":"stopped"');
  }, 40_000);

  /** Polls an export until the worker has written it; fails on a failed export. */
  async function completedExport(id: string): Promise<Json> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { status, body } = await call('GET', `/api/exports/${id}`);
      expect(status).toBe(200);
      if (body['status'] === 'completed') return body;
      if (body['status'] === 'failed' || Date.now() > deadline) {
        throw new Error(`export ${id} did not complete: ${JSON.stringify(body)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** /download redirects to a signed /api/files link, which needs no credentials. */
  async function download(exported: Json, contentType: string): Promise<Buffer> {
    const redirect = await fetch(`${base}/api/exports/${exported['id'] as string}/download`, {
      headers: { authorization: `Bearer ${apiKey}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/files\//);
    const res = await fetch(`${base}${location}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(contentType);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(exported['bytes']);
    return bytes;
  }
});

interface Progress {
  id: string;
  status: string;
  rowsProcessed: number;
  rowsTotal: number | null;
  percent: number | null;
  counters: { created: number };
}

async function stopped(
  p: RosterProcess | undefined,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (!p) return undefined;
  await p.stop(20_000);
  return p.exited;
}

/** Rows as comparable records of the contact fields, in email order. */
function byEmail(rows: readonly Record<string, string>[]): Record<string, string>[] {
  return rows
    .map((r) => Object.fromEntries(CONTACT_FIELDS.map((f) => [f, r[f] ?? ''])))
    .sort((a, b) => (a['email'] ?? '').localeCompare(b['email'] ?? ''));
}

function cellString(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'richText' in value) {
    return value.richText.map((r) => r.text).join('');
  }
  return String(value);
}
