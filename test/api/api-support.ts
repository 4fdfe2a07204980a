/**
 * The API on a test database: a fresh tenant with an admin and a member (each with an API key),
 * files in a temporary folder, and requests through `app.inject` (no socket).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App, type JobStarter } from '../../src/api/app.ts';
import { LocalFolderStore } from '../../src/files/local-folder-store.ts';
import type { ObjectStore } from '../../src/files/object-store.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTenant } from '../../src/store/tenants.ts';
import { createUser } from '../../src/store/users.ts';

export const PASSWORD = 'correct horse battery staple';

export interface TestTenant {
  id: string;
  name: string;
  adminEmail: string;
  memberEmail: string;
  adminKey: string;
  memberKey: string;
}

export interface TestApi {
  app: App;
  files: LocalFolderStore;
  /** A request as the given key (or none), JSON body when `payload` is an object. */
  call: (
    key: string | null,
    options: InjectOptions & { method: InjectOptions['method'] },
  ) => Promise<LightMyRequestResponse>;
  newTenant: () => Promise<TestTenant>;
  close: () => Promise<void>;
}

/** Jobs that are recorded and left alone (for routes whose test does not run them). */
export function recordedJobs(): JobStarter & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    startImport: async (_t, id) => void started.push(`import:${id}`),
    startExport: async (_t, id) => void started.push(`export:${id}`),
  };
}

/**
 * @example
 * const api = await testApi(getDb());
 * const t = await api.newTenant();
 * const res = await api.call(t.adminKey, { method: 'GET', url: '/api/auth/me' });
 */
export async function testApi(
  db: Kysely<Database>,
  jobs: JobStarter = recordedJobs(),
  settings: Partial<Parameters<typeof buildApp>[0]['settings']> = {},
  /** Adds test-only routes before the app is ready. */
  extend: (app: App) => void = () => undefined,
): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-api-'));
  const files = new LocalFolderStore(dir, 'test-signing-secret-0123456789');
  const app = await buildApp({
    db,
    files,
    jobs,
    settings: {
      maxUploadBytes: 50 * 1024 * 1024,
      exportTtlDays: 7,
      secureCookies: false,
      trustProxy: false,
      ...settings,
    },
  });
  extend(app);
  await app.ready();
  return {
    app,
    files,
    call: (key, options) =>
      app.inject({
        ...options,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
      }),
    newTenant: async () => {
      const name = `t-${randomUUID().slice(0, 8)}`;
      const tenant = await createTenant(db, name);
      const admin = await createUser(db, tenant.id, {
        email: `admin@${name}.test`,
        role: 'admin',
        password: PASSWORD,
      });
      const member = await createUser(db, tenant.id, {
        email: `member@${name}.test`,
        role: 'member',
        password: PASSWORD,
      });
      const adminKey = await createApiKey(db, tenant.id, {
        name: 'admin',
        role: 'admin',
        userId: admin.id,
      });
      const memberKey = await createApiKey(db, tenant.id, {
        name: 'member',
        role: 'member',
        userId: member.id,
      });
      return {
        id: tenant.id,
        name,
        adminEmail: admin.email,
        memberEmail: member.email,
        adminKey: adminKey.key,
        memberKey: memberKey.key,
      };
    },
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiSuite {
  api: TestApi;
  /** The tenant the suite works in: an admin and a member, each with an API key. */
  t: TestTenant;
  /** A second tenant, to show that nothing crosses over. */
  other: TestTenant;
}

export interface ApiSuiteOptions {
  /** Makes the suite's job starter; its `files` is set to the API's object store. */
  jobs?: () => JobStarter & { files?: ObjectStore | null };
}

/**
 * Starts the test API with two tenants before the suite's tests and closes it after them. The
 * returned objects can be taken apart at once: their properties read through to what the
 * `beforeAll` made, so read them only inside tests and hooks declared after this call (hooks
 * run in the order they are declared).
 *
 * @example
 * describeEachBackend('API: segments', (getDb) => {
 *   const { api, t, other } = useTestApi(getDb);
 *   beforeAll(async () => importCsv(getDb(), t.id, CSV));
 *   it('lists segments', async () => {
 *     const res = await api.call(t.memberKey, { method: 'GET', url: '/api/segments' });
 *     expect(res.statusCode).toBe(200);
 *   });
 * });
 */
export function useTestApi(getDb: () => Kysely<Database>, options: ApiSuiteOptions = {}): ApiSuite {
  let api: TestApi | undefined;
  let tenants: { t: TestTenant; other: TestTenant } | undefined;
  beforeAll(async () => {
    const jobs = options.jobs?.();
    api = await testApi(getDb(), jobs);
    if (jobs) jobs.files = api.files;
    tenants = { t: await api.newTenant(), other: await api.newTenant() };
  });
  afterAll(async () => api?.close());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTestApi: read it inside a test or a later hook');
    return value;
  };
  return {
    api: readThrough(API_KEYS, () => started(api)),
    t: readThrough(TENANT_KEYS, () => started(tenants).t),
    other: readThrough(TENANT_KEYS, () => started(tenants).other),
  };
}

const API_KEYS = { app: 0, files: 0, call: 0, newTenant: 0, close: 0 } satisfies Record<
  keyof TestApi,
  0
>;
const TENANT_KEYS = {
  id: 0,
  name: 0,
  adminEmail: 0,
  memberEmail: 0,
  adminKey: 0,
  memberKey: 0,
} satisfies Record<keyof TestTenant, 0>;

/** An object whose properties (`keys`, every one of T's) are read from `get()` when used. */
function readThrough<T extends object>(keys: Record<keyof T, 0>, get: () => T): T {
  const handle = {};
  for (const key of Object.keys(keys) as (keyof T & string)[]) {
    Object.defineProperty(handle, key, { enumerable: true, get: () => get()[key] });
  }
  return handle as T;
}
