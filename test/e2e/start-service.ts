/**
 * A Roster deployment for end-to-end tests: a fresh PostgreSQL database, a shared data folder
 * (local files, as a shared bucket would be), and `roster serve` without workers on a free port.
 * Workers are started by the test with `startWorker`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/backends.ts';
import { startRoster, type RosterProcess } from './roster-process.ts';

export const ADMIN = { email: 'e2e-admin@example.com', password: 'e2e-password-0123456789' };

export interface Service {
  database: TestDatabase;
  /** The environment every process of the deployment shares. */
  env: Record<string, string>;
  serve: RosterProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  startWorker(name: string, extra?: Record<string, string>): RosterProcess;
  /** Stops every process started, drops the database, removes the folder. */
  stop(): Promise<void>;
}

/**
 * @example
 * const service = await startService('roster-e2e-');
 * const worker = service.startWorker('worker', { ROSTER_WORKERS: '2' });
 */
export async function startService(prefix: string): Promise<Service> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    DATABASE_URL: database.url,
    ROSTER_SECRET: randomBytes(32).toString('hex'),
    ROSTER_DATA_DIR: dataDir,
    ROSTER_ADMIN_EMAIL: ADMIN.email,
    ROSTER_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
    S3_BUCKET: '',
  };
  const processes: RosterProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const serve = startRoster('serve', ['serve'], {
      ...env,
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      ROSTER_WORKERS: '0',
    });
    processes.push(serve);
    const [, address] = await serve.waitFor(/Roster is running on (http:\/\/[^\s]+)/, 60_000);
    return {
      database,
      env,
      serve,
      base: address ?? '',
      startWorker: (name, extra = {}) => {
        const worker = startRoster(name, ['worker'], { ...env, ...extra });
        processes.push(worker);
        return worker;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type Json = Record<string, unknown>;

/**
 * An API call with an API key; JSON in and out.
 *
 * @example
 * const { status, body } = await callApi(base, key, 'GET', '/api/imports');
 */
export async function callApi(
  base: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, text };
}

/**
 * Uploads a CSV as multipart form data (what the wizard sends).
 *
 * @example
 * const up = await uploadCsv(base, key, file.csv, 'leads.csv');
 */
export function uploadCsv(
  base: string,
  apiKey: string,
  csv: string,
  name: string,
): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), name);
  return fetch(`${base}/api/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
    body: form,
  });
}
