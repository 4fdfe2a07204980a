/**
 * End to end on PostgreSQL: a worker that dies mid-import (SIGKILL: no graceful stop, no lease
 * given back, its pg-boss job left `active`) leaves an import that another worker takes over
 * once the lease runs out, resuming from the checkpoint. `roster serve` (ROSTER_WORKERS=0) only
 * queues; worker A runs the import until it is killed, worker B finishes it. The outcome must be
 * the one an uninterrupted import reaches: exact counters, each contact once, each issue once.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/backends.ts';
import { contactFile, importCounters } from './contact-file.ts';
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

/** Data rows: with small batches the import takes seconds, so it can be caught half done. */
const ROWS = 30_000;
const BATCH_SIZE = 500;
/** The shortest lease and reap interval the service accepts: the takeover comes seconds later. */
const LEASE_SECONDS = 5;
const REAP_INTERVAL_SECONDS = 1;
/** Longest wait for the import to end after worker A is killed (lease + reap + poll + the rest). */
const TAKEOVER_BUDGET_MS = 45_000;

interface Progress {
  status: string;
  rowsProcessed: number;
  rowsTotal: number | null;
}

const suite = TEST_DATABASE_URL ? describe : describe.skip;
const title = TEST_DATABASE_URL
  ? 'e2e: a worker dies mid-import and another takes it over (PostgreSQL)'
  : 'e2e: a worker dies mid-import and another takes it over (TEST_DATABASE_URL not set: it needs a PostgreSQL server)';

suite(title, () => {
  const file = contactFile(ROWS, 'takeover.example.com');
  let service: Service | undefined;
  let serve: RosterProcess | undefined;
  let workerA: RosterProcess | undefined;
  let workerB: RosterProcess | undefined;
  let base = '';
  let apiKey = '';

  beforeAll(async () => {
    service = await startService('roster-e2e-takeover-');
    serve = service.serve;
    base = service.base;
    workerA = startWorker('worker A');
    await workerA.waitFor(/"msg":"worker started"/, 60_000);
    apiKey = await createApiKey(base);
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
  }, 60_000);

  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      const outputs = [serve, workerA, workerB].map((p) => p?.output() ?? '');
      process.stderr.write(`${outputs.join('\n')}\n`);
    });
  });

  function startWorker(name: string): RosterProcess {
    return service!.startWorker(name, {
      ROSTER_WORKERS: '1',
      ROSTER_LEASE_SECONDS: String(LEASE_SECONDS),
      ROSTER_REAP_INTERVAL_SECONDS: String(REAP_INTERVAL_SECONDS),
    });
  }

  async function call(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await callApi(base, apiKey, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** pg-boss's jobs for an import (what a stuck import is waiting on). */
  async function queueJobs(importId: string): Promise<Json[]> {
    const client = new pg.Client({ connectionString: service?.database.url });
    await client.connect();
    try {
      const jobs = await client.query<Json>(
        `select id, state, retry_count, started_on, created_on from pgboss.job
         where name = 'import' and singleton_key = $1 order by created_on`,
        [importId],
      );
      return jobs.rows;
    } finally {
      await client.end();
    }
  }

  /**
   * The import's SSE events until `done`, connecting again whenever a stream ends without it
   * (a server may close a long stream; the client's EventSource would reconnect too).
   */
  async function* progressUntilDone(importId: string): AsyncGenerator<SseEvent> {
    for (;;) {
      const res = await fetch(`${base}/api/imports/${importId}/progress`, {
        headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
      });
      expect(res.status).toBe(200);
      for await (const event of readSse(res.body ?? new ReadableStream())) {
        yield event;
        if (event.event === 'done') return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('a worker killed mid-import (SIGKILL) leaves a job that another worker resumes from its checkpoint', async () => {
    const up = await uploadCsv(base, apiKey, file.csv, 'big-leads.csv');
    expect(up.status).toBe(201);
    const upload = (await up.json()) as { id: string };
    const started = await call('POST', '/api/imports', {
      uploadId: upload.id,
      options: { batchSize: BATCH_SIZE, fuzzy: false },
    });
    expect(started).toMatchObject({ status: 'queued', rowsTotal: null });
    const importId = started['id'] as string;

    const events: SseEvent[] = [];
    let killedAt: Progress | undefined;
    let killedTime = 0;
    let deadline = Date.now() + 60_000;
    // Progress events come twice a second while the import waits or runs, so this loop wakes up
    // often enough to notice a deadline.
    for await (const event of progressUntilDone(importId)) {
      events.push(event);
      if (Date.now() > deadline) {
        const when = killedAt ? `${TAKEOVER_BUDGET_MS} ms after worker A was killed` : 'in time';
        throw new Error(
          `the import did not end ${when}; last event: ${JSON.stringify(event.data)}; ` +
            `its jobs in the queue: ${JSON.stringify(await queueJobs(importId))}`,
        );
      }
      if (event.event !== 'progress' || killedAt) continue;
      const p = event.data as Progress;
      if (p.rowsProcessed > 0 && p.rowsProcessed < ROWS) {
        // Part way through: kill worker A outright and start worker B in its place.
        workerA?.child.kill('SIGKILL');
        expect(await workerA?.exited).toEqual({ code: null, signal: 'SIGKILL' });
        killedAt = p;
        killedTime = Date.now();
        deadline = killedTime + TAKEOVER_BUDGET_MS;
        workerB = startWorker('worker B');
      }
    }
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    // Caught mid-way: otherwise the test proves nothing about a takeover.
    expect(killedAt, 'the import ended before it was seen half done').toBeDefined();
    const last = (events.filter((e) => e.event === 'progress').at(-1)?.data ?? {}) as Progress;
    process.stdout.write(
      `worker A killed at ${killedAt?.rowsProcessed ?? '?'} of ${ROWS} rows; ` +
        `import done ${Date.now() - killedTime} ms later (last progress ${last.rowsProcessed})\n`,
    );

    // Counters of an uninterrupted import of this file, worked out from the file itself.
    const expected = importCounters(file);
    const final = done?.data as Json;
    expect(final).toMatchObject({ id: importId, status: 'completed', rowsTotal: ROWS });
    expect(final['summary']).toMatchObject(expected);
    const detail = await call('GET', `/api/imports/${importId}`);
    expect(detail).toMatchObject({ status: 'completed', counters: expected });

    // Each contact once: the batch in flight when A died was not half written, and B did not
    // write again what A had committed.
    const listed = await call('GET', '/api/contacts?count=true&limit=1');
    expect(listed['total']).toBe(file.counters.created);
    const client = new pg.Client({ connectionString: service?.database.url });
    await client.connect();
    try {
      const contacts = await client.query<{ n: string; emails: string }>(
        'select count(*) as n, count(distinct lower(email)) as emails from contacts',
      );
      expect(contacts.rows[0]).toEqual({
        n: String(file.counters.created),
        emails: String(file.counters.created),
      });
      const stored = await client.query<{ email: string }>('select email from contacts');
      expect(new Set(stored.rows.map((r) => r.email))).toEqual(new Set(file.contacts.keys()));
      // The journal and the error report hold each row once too.
      const journal = await client.query<{ n: string; rows: string }>(
        `select count(*) as n, count(distinct row_number) as rows from import_events
         where import_id = $1 and kind = 'created'`,
        [importId],
      );
      expect(journal.rows[0]).toEqual({
        n: String(file.counters.created),
        rows: String(file.counters.created),
      });
      const issues = await client.query<{ row_number: number; code: string }>(
        'select row_number, code from import_issues where import_id = $1 order by row_number, id',
        [importId],
      );
      const reported = new Map<number, string[]>();
      for (const i of issues.rows) {
        reported.set(i.row_number, [...(reported.get(i.row_number) ?? []), i.code]);
      }
      expect(reported).toEqual(file.reported);
      // The finished import was reported by worker B (the audit names the worker).
      const audit = await client.query<{ actor_id: string }>(
        `select actor_id from audit_events where action = 'import.completed' and target_id = $1`,
        [importId],
      );
      expect(audit.rows.map((r) => r.actor_id)).toEqual([
        expect.stringMatching(new RegExp(`:${String(workerB?.child.pid)}$`)),
      ]);
    } finally {
      await client.end();
    }

    // Worker B ran it to the end; worker A started it and never finished it.
    const ran = new RegExp(`"importId":"${importId}".*"msg":"import completed"`);
    await workerB?.waitFor(ran, 10_000);
    expect(workerA?.output()).not.toMatch(ran);
    expect(serve?.output()).not.toContain('import completed');
  }, 120_000);
});

/** Signs in as the first admin and creates a member API key with the session. */
async function createApiKey(base: string): Promise<string> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(login.status).toBe(200);
  const cookie = /^(roster_session=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  const created = await fetch(`${base}/api/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookie ?? '' },
    body: JSON.stringify({ name: 'e2e-takeover', role: 'member' }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { key: string }).key;
}
