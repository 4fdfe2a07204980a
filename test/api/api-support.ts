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
import { buildApp, type App, type JobStarter } from '../../src/api/app.ts';
import { LocalFolderStore } from '../../src/files/local-folder-store.ts';
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
