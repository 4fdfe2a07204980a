/**
 * Import helpers for route tests: a JobStarter that runs imports in this process (no pg-boss),
 * contact files, and multipart uploads through `app.inject`.
 */
import type { Kysely } from 'kysely';
import type { JobStarter } from '../../src/api/app.ts';
import type { ObjectStore } from '../../src/files/object-store.ts';
import { getImport } from '../../src/store/imports.ts';
import { runImport } from '../../src/jobs/run-import.ts';
import type { Database } from '../../src/store/schema.ts';
import { tenantLimits } from '../../src/store/tenant-settings.ts';
import type { TestApi } from './api-support.ts';

export interface InlineJobs extends JobStarter {
  /** Set once the API (and with it the object store) exists. */
  files: ObjectStore | null;
  /** Waits for every import started so far to end (and rethrows the first failure). */
  settle(): Promise<void>;
}

/**
 * Runs each started import in the background, `delayMs` after it was started (so a test can
 * connect to its progress stream while it is still queued).
 *
 * @example
 * const jobs = inlineJobs(db);
 * const api = await testApi(db, jobs);
 * jobs.files = api.files;
 */
export function inlineJobs(db: Kysely<Database>, delayMs = 0): InlineJobs {
  const runs: Promise<unknown>[] = [];
  const jobs: InlineJobs = {
    files: null,
    startImport: async (tenantId, importId) => {
      const run = (async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const files = jobs.files;
        if (!files) throw new Error('inlineJobs: set .files to the API object store');
        const job = await getImport(db, tenantId, importId);
        const source = await files.source(job.storage_key, job.file_name);
        // As the import job does: the tenant's row limit, checked before anything is written.
        const { maxRowsPerImport } = await tenantLimits(db, tenantId);
        return runImport({ db, tenantId, source, maxRows: maxRowsPerImport }, importId);
      })();
      runs.push(run);
      // Failures are seen through settle(); unhandled here they would end the test process.
      run.catch(() => undefined);
    },
    startExport: async () => undefined,
    settle: async () => {
      await Promise.all(runs);
    },
  };
  return jobs;
}

/**
 * A CSV of `n` contacts: every 10th row has a broken email (rejected), every 25th repeats the
 * row before it (a duplicate in the file).
 *
 * @example
 * const csv = contactsCsv(100);
 */
export function contactsCsv(n: number, domain = 'example.com'): string {
  const lines = ['Email Address,First Name,Last Name,Company'];
  for (let i = 1; i <= n; i++) {
    const email = i % 10 === 0 ? `broken-${i}-at-${domain}` : `person${i}@${domain}`;
    lines.push(
      i % 25 === 0 && lines.length > 1
        ? lines[lines.length - 1]!
        : `${email},First${i},Last${i},Company ${i % 7}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A multipart/form-data body with one file field. */
export function multipartBody(
  fileName: string,
  content: string | Buffer,
  contentType = 'text/csv',
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----roster${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    payload: Buffer.concat([head, body, tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/**
 * Uploads a file as `key`; returns the response.
 *
 * @example
 * const res = await upload(api, t.memberKey, 'leads.csv', contactsCsv(10));
 */
export function upload(
  api: TestApi,
  key: string | null,
  fileName: string,
  content: string | Buffer,
): ReturnType<TestApi['call']> {
  const { payload, headers } = multipartBody(fileName, content);
  return api.call(key, { method: 'POST', url: '/api/uploads', payload, headers });
}

/** Parses an SSE payload into its events. */
export function sseEvents(payload: string): { event: string; data: unknown }[] {
  return payload
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice('data: '.length))
        .join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}
