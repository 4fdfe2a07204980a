import { spawn } from 'node:child_process';
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../../src/store/api-keys.ts';
import { openDatabase } from '../../src/store/connection.ts';
import type { Database } from '../../src/store/schema.ts';
import { verifyLogin } from '../../src/store/users.ts';
import { pgliteTemplate } from '../support/backends.ts';
import { cliOnTempDatabase, type CliResult } from '../support/cli.ts';

const { dataDir, roster } = cliOnTempDatabase('roster-cli-accounts-');

/** Every test here starts several `roster` processes, each opening the embedded database. */
const SLOW = 180_000;

// Start from the migrated template instead of letting the first `roster` run initdb.
beforeAll(async () => {
  const handle = await openDatabase({ dataDir, loadDataDir: await pgliteTemplate(true) });
  await handle.close();
}, SLOW);

/** Opens the CLI's embedded database (closed before roster runs again: one process at a time). */
async function withDb<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ dataDir });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

/** `roster` with text on its standard input. */
function rosterWithInput(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/roster.js', ...args], {
      env: { ...process.env, ROSTER_DATA_DIR: dataDir, DATABASE_URL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function json<T>(r: CliResult): T {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe('roster tenant, user and api-key', () => {
  let tenantId = '';
  let keyId = '';
  let key = '';

  it(
    'creates and lists tenants; a taken name is a CONFLICT',
    async () => {
      const created = json<{ id: string; name: string }>(
        await roster(['tenant', 'create', 'acme', '--json']),
      );
      expect(created.name).toBe('acme');
      tenantId = created.id;
      const again = await roster(['tenant', 'create', 'acme']);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/^roster: CONFLICT: /);
      const listed = json<{ tenants: { name: string }[] }>(
        await roster(['tenant', 'list', '--json']),
      );
      expect(listed.tenants.map((t) => t.name)).toEqual(['acme', 'default']);
    },
    SLOW,
  );

  it(
    'creates a user with a generated password, printed once, that signs in',
    async () => {
      const created = json<{ email: string; role: string; password: string; tenant: string }>(
        await roster([
          'user',
          'create',
          '--tenant',
          'acme',
          '--email',
          'ann@example.com',
          '--role',
          'admin',
          '--json',
        ]),
      );
      expect(created).toMatchObject({ email: 'ann@example.com', role: 'admin', tenant: 'acme' });
      expect(created.password.length).toBeGreaterThanOrEqual(20);
      const user = await withDb((db) =>
        verifyLogin(db, 'acme', 'ann@example.com', created.password),
      );
      expect(user?.role).toBe('admin');
      const listed = await roster(['user', 'list', '--tenant', 'acme', '--json']);
      expect(listed.stdout).not.toContain(created.password);
      expect(listed.stdout).not.toContain('scrypt');
      const dup = await roster([
        'user',
        'create',
        '--tenant',
        'acme',
        '--email',
        'ANN@example.com',
      ]);
      expect(dup.stderr).toMatch(/^roster: CONFLICT: /);
    },
    SLOW,
  );

  it(
    'takes a password from standard input, and refuses a weak one',
    async () => {
      const weak = await rosterWithInput(
        ['user', 'create', '--tenant', 'acme', '--email', 'bo@example.com', '--password-stdin'],
        'short\n',
      );
      expect(weak.code).toBe(2);
      expect(weak.stderr).toMatch(/^roster: PASSWORD_WEAK: /);
      const created = json<Record<string, unknown>>(
        await rosterWithInput(
          [
            'user',
            'create',
            '--tenant',
            'acme',
            '--email',
            'bo@example.com',
            '--password-stdin',
            '--json',
          ],
          'bo has a long password\n',
        ),
      );
      expect(created).not.toHaveProperty('password');
      const user = await withDb((db) =>
        verifyLogin(db, 'acme', 'bo@example.com', 'bo has a long password'),
      );
      expect(user?.role).toBe('member');
    },
    SLOW,
  );

  it(
    'sets a new password, printed once; the old one stops working',
    async () => {
      const changed = json<{ email: string; password: string }>(
        await roster(['user', 'password', 'bo@example.com', '--tenant', 'acme', '--json']),
      );
      expect(changed.email).toBe('bo@example.com');
      const [oldOne, newOne] = await withDb(async (db) => [
        await verifyLogin(db, 'acme', 'bo@example.com', 'bo has a long password'),
        await verifyLogin(db, 'acme', 'bo@example.com', changed.password),
      ]);
      expect(oldOne).toBeNull();
      expect(newOne?.email).toBe('bo@example.com');
      const missing = await roster(['user', 'password', 'nobody@example.com', '--tenant', 'acme']);
      expect(missing.stderr).toMatch(/^roster: NOT_FOUND: /);
    },
    SLOW,
  );

  it(
    'creates an API key, printed once, that authenticates until revoked',
    async () => {
      const created = json<{ id: string; key: string; prefix: string; tenant: string }>(
        await roster(['api-key', 'create', '--tenant', 'acme', '--name', 'nightly sync', '--json']),
      );
      expect(created.tenant).toBe('acme');
      expect(created.key.startsWith(`rk_${tenantId.replaceAll('-', '')}_${created.prefix}`)).toBe(
        true,
      );
      keyId = created.id;
      key = created.key;
      expect(await withDb((db) => authenticateApiKey(db, key))).toEqual({
        tenantId,
        apiKeyId: keyId,
        userId: null,
        role: 'member',
        expiresAt: null,
      });

      const listed = await roster(['api-key', 'list', '--tenant', 'acme', '--json']);
      const keys = json<{ apiKeys: { id: string; revokedAt: string | null }[] }>(listed);
      expect(keys.apiKeys.map((k) => k.id)).toEqual([keyId]);
      expect(listed.stdout).not.toContain(key.slice(-30));

      // Another tenant cannot revoke it.
      const elsewhere = await roster(['api-key', 'revoke', keyId, '--tenant', 'default']);
      expect(elsewhere.stderr).toMatch(/^roster: NOT_FOUND: /);
      expect(await withDb((db) => authenticateApiKey(db, key))).not.toBeNull();

      const revoked = json<{ id: string; revokedAt: string }>(
        await roster(['api-key', 'revoke', keyId, '--tenant', 'acme', '--json']),
      );
      expect(revoked.id).toBe(keyId);
      expect(await withDb((db) => authenticateApiKey(db, key))).toBeNull();
    },
    SLOW,
  );

  it(
    'disables a user',
    async () => {
      const r = json<{ email: string; disabledAt: string }>(
        await roster(['user', 'disable', 'bo@example.com', '--tenant', 'acme', '--json']),
      );
      expect(r.email).toBe('bo@example.com');
      expect(
        await withDb((db) => verifyLogin(db, 'acme', 'bo@example.com', 'bo has a long password')),
      ).toBeNull();
    },
    SLOW,
  );

  it(
    'records creations, revocations and disabling as audit events of the CLI',
    async () => {
      const events = await withDb((db) =>
        db
          .selectFrom('audit_events')
          .select(['action', 'actor_type', 'target_id'])
          .where('tenant_id', '=', tenantId)
          .orderBy('created_at')
          .execute(),
      );
      expect(events.map((e) => e.action)).toEqual([
        'tenant.create',
        'user.create',
        'user.create',
        'user.password',
        'api_key.create',
        'api_key.revoke',
        'user.disable',
      ]);
      expect(new Set(events.map((e) => e.actor_type))).toEqual(new Set(['cli']));
      expect(events.filter((e) => e.target_id === keyId)).toHaveLength(2);
    },
    SLOW,
  );

  it(
    'names the missing tenant',
    async () => {
      const r = await roster(['user', 'list', '--tenant', 'nope']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('roster: NOT_FOUND: No tenant named "nope"\n');
    },
    SLOW,
  );
});
