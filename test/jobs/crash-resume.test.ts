/**
 * A process killed at any moment of an import, then resumed, ends in exactly the state of an
 * uninterrupted import: same contacts, same journal, same issues, same counters.
 *
 * The import runs in a child process that is killed with SIGKILL after its k-th committed batch
 * plus a random few milliseconds (so the kill lands anywhere: between batches, inside a
 * transaction, while reading). The parent then resumes the job in-process and compares.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/model/byte-source.ts';
import { fileSource } from '../../src/files/file-source.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import type { ImportRequest } from '../../src/jobs/plan-import.ts';
import { runImport } from '../../src/jobs/run-import.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTenant } from '../../src/store/tenants.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/backends.ts';

const ROWS = 1500;
const BATCH = 100;
const KILL_AFTER = [0, 3, 11];

const dir = mkdtempSync(join(tmpdir(), 'roster-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Existing contacts: every third row of the file updates one of them. */
function seedCsv(): string {
  const lines = ['Email,First Name,Company,Tags'];
  for (let i = 0; i < ROWS; i += 3) lines.push(`p${i}@example.com,Old${i},,old`);
  return `${lines.join('\n')}\n`;
}

function fileCsv(): string {
  const lines = ['Email,First Name,Company,Phone,Tags,custom_plan'];
  for (let i = 0; i < ROWS; i++) {
    const email = i % 50 === 7 ? `broken${i}` : `p${i}@example.com`;
    lines.push(
      `${email},First${i},Co ${i % 13},+1 415 555 ${String(1000 + i)},t${i % 5},plan${i % 3}`,
    );
    if (i % 97 === 0) lines.push(`P${i}@example.com,Again${i},,,,`);
  }
  return `${lines.join('\n')}\n`;
}

const REQUEST: ImportRequest = {
  merge: { strategy: 'update' },
  tags: ['crash-test'],
  segment: 'Crash Test',
  batchSize: BATCH,
};

interface Target {
  /** What the child opens: a postgres URL or a PGlite data dir. */
  location: string;
  /** PGlite: the parent must close its handle while the child runs. */
  exclusive: boolean;
}

async function open(target: Target): Promise<OpenDatabase> {
  return target.location.startsWith('postgres')
    ? openDatabase({ databaseUrl: target.location })
    : openDatabase({ dataDir: target.location });
}

/** Runs the child until it has committed `batches` batches (plus a little), then SIGKILLs it. */
function runAndKill(
  target: Target,
  tenantId: string,
  jobId: string,
  file: string,
  batches: number,
) {
  return new Promise<{ killed: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/jobs/crash-child.ts'], {
      env: {
        ...process.env,
        ROSTER_TEST_DB: target.location,
        ROSTER_TEST_TENANT: tenantId,
        ROSTER_TEST_JOB: jobId,
        ROSTER_TEST_FILE: file,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = 0;
    let stderr = '';
    const kill = () => setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 15));
    if (batches === 0) kill();
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('committed') && ++seen === batches) kill();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true });
      else if (code === 0) resolve({ killed: false });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

/** Everything an import leaves behind, without ids, timestamps and the import's own id. */
async function snapshot(db: Kysely<Database>, tenantId: string, importId: string) {
  const normal = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v ?? null)
        .replaceAll(importId, '<import>')
        .replace(/import:[0-9a-f-]{36}/g, 'import:<seed>')
        .replace(/"(\w+_at)":"[^"]*"/g, '"$1":"<t>"'),
    );
  const contacts = await db
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('email')
    .orderBy('first_name')
    .execute();
  const ids = new Map(contacts.map((c) => [c.id, c.email]));
  const events = await db
    .selectFrom('import_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .orderBy('seq')
    .execute();
  const issues = await db
    .selectFrom('import_issues')
    .select(['row_number', 'column_name', 'field', 'value', 'code', 'severity', 'message'])
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .orderBy('row_number')
    .orderBy('code')
    .orderBy('field')
    .execute();
  const job = await db
    .selectFrom('imports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', importId)
    .executeTakeFirstOrThrow();
  const members = await db
    .selectFrom('segment_members')
    .select('contact_id')
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .execute();
  return {
    contacts: contacts.map(({ tenant_id: _t, id: _i, created_at: _c, updated_at: _u, ...rest }) =>
      normal(rest),
    ),
    events: events.map((e) => ({
      seq: e.seq,
      row: e.row_number,
      kind: e.kind,
      contact: ids.get(e.contact_id),
      before: normal(e.before),
      after: normal(e.after),
      version: e.contact_version,
    })),
    issues,
    counters: {
      status: job.status,
      total: job.rows_total,
      processed: job.rows_processed,
      created: job.rows_created,
      updated: job.rows_updated,
      unchanged: job.rows_unchanged,
      skipped: job.rows_skipped,
      rejected: job.rows_rejected,
      duplicates: job.rows_duplicate_in_file,
      warnings: job.warnings,
      issues: job.issue_counts,
    },
    segment: members.map((m) => ids.get(m.contact_id)).sort(),
  };
}

function crashSuite(
  name: string,
  makeTarget: () => Promise<{ target: Target; drop: () => Promise<void> }>,
) {
  describe(name, () => {
    let target: Target;
    let drop: () => Promise<void> = async () => undefined;
    const file = join(dir, `${name.replace(/\W/g, '')}.csv`);
    beforeAll(async () => {
      ({ target, drop } = await makeTarget());
      writeFileSync(file, fileCsv());
    });
    afterAll(async () => drop());

    it('resumes a killed import to exactly the uninterrupted result', async () => {
      let handle = await open(target);
      await migrateToLatest(handle.db);
      const prepare = async (label: string) => {
        const tenantId = (await createTenant(handle.db, label)).id;
        const seed = bytesSource('seed.csv', Buffer.from(seedCsv()));
        const { job: seedJob } = await createImportJob(
          handle.db,
          tenantId,
          seed,
          'memory:seed',
          {},
          't',
        );
        await runImport({ db: handle.db, tenantId, source: seed }, seedJob.id);
        const { job } = await createImportJob(
          handle.db,
          tenantId,
          fileSource(file),
          `file:${file}`,
          REQUEST,
          't',
        );
        return { tenantId, jobId: job.id };
      };
      const ref = await prepare('reference');
      await runImport(
        { db: handle.db, tenantId: ref.tenantId, source: fileSource(file) },
        ref.jobId,
      );
      const expected = await snapshot(handle.db, ref.tenantId, ref.jobId);
      expect(expected.counters).toMatchObject({ status: 'completed', updated: 490 });

      let killedMidway = 0;
      for (const k of KILL_AFTER) {
        const run = await prepare(`crash-${k}`);
        if (target.exclusive) await handle.close();
        const { killed } = await runAndKill(target, run.tenantId, run.jobId, file, k);
        if (killed) killedMidway++;
        if (target.exclusive) handle = await open(target);
        await runImport(
          { db: handle.db, tenantId: run.tenantId, source: fileSource(file) },
          run.jobId,
        );
        expect(await snapshot(handle.db, run.tenantId, run.jobId)).toEqual(expected);
      }
      // The kills must really have interrupted the imports, or the test proves nothing.
      expect(killedMidway).toBe(KILL_AFTER.length);
      await handle.close();
    }, 180_000);
  });
}

crashSuite('crash and resume [pglite]', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-crash-db-'));
  return {
    target: { location: dataDir, exclusive: true },
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

if (TEST_DATABASE_URL) {
  crashSuite('crash and resume [postgres]', async () => {
    const tdb: TestDatabase = await createTestDatabase();
    return { target: { location: tdb.url, exclusive: false }, drop: () => tdb.drop() };
  });
} else {
  describe.skip('crash and resume [postgres] (TEST_DATABASE_URL not set)', () => {
    it('resumes a killed import to exactly the uninterrupted result', () => undefined);
  });
}
