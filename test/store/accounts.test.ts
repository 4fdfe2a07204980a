import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from '../../src/auth/password.ts';
import { isRosterError } from '../../src/core/errors.ts';
import {
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from '../../src/store/api-keys.ts';
import {
  authenticateSession,
  createSession,
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
} from '../../src/store/sessions.ts';
import { createTenant, findTenantByName, listTenants } from '../../src/store/tenants.ts';
import {
  createUser,
  disableUser,
  ensureFirstAdmin,
  listUsers,
  setPassword,
  verifyLogin,
} from '../../src/store/users.ts';
import { describeEachBackend } from '../support/backends.ts';

const PASSWORD = 'correct horse battery';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRosterError(err) ? err.code : err).toBe(code);
}

describe('password hashes', () => {
  it('are self-describing scrypt strings that verify only the right password', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hashPassword(PASSWORD)).not.toBe(stored); // salted
    expect(await verifyPassword(stored, PASSWORD)).toBe(true);
    expect(await verifyPassword(stored, `${PASSWORD}!`)).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
    expect(needsRehash(stored)).toBe(false);
    expect(needsRehash(stored.replace('$32768$', '$16384$'))).toBe(true);
  });

  it('refuse short passwords with PASSWORD_WEAK', async () => {
    await rejectsWith(hashPassword('123456789'), 'PASSWORD_WEAK');
    await expect(hashPassword('1234567890')).resolves.toMatch(/^scrypt\$/);
  });

  it('spend the hashing time on a missing or unreadable hash too', async () => {
    const stored = await hashPassword(PASSWORD);
    await verifyPassword(null, 'warm up the dummy hash');
    const time = async (h: string | null): Promise<number> => {
      const start = performance.now();
      expect(await verifyPassword(h, 'wrong password here')).toBe(false);
      return performance.now() - start;
    };
    const wrong = Math.min(await time(stored), await time(stored));
    const missing = Math.min(await time(null), await time(null));
    const garbage = Math.min(await time('not-a-hash'), await time('not-a-hash'));
    // scrypt at N=2^15 takes tens of milliseconds; without it these would take microseconds.
    expect(wrong).toBeGreaterThan(10);
    expect(missing).toBeGreaterThan(wrong * 0.5);
    expect(garbage).toBeGreaterThan(wrong * 0.5);
  });
});

describeEachBackend('accounts', (getDb) => {
  let acme = '';
  let other = '';

  it('lists tenants by name', async () => {
    acme = (await createTenant(getDb(), 'acme')).id;
    other = (await createTenant(getDb(), 'other')).id;
    expect((await listTenants(getDb())).map((t) => t.name)).toEqual(['acme', 'default', 'other']);
  });

  describe('users', () => {
    it('are unique per tenant by email in any case', async () => {
      const ann = await createUser(getDb(), acme, {
        email: ' Ann@Example.com ',
        name: 'Ann',
        role: 'admin',
        password: PASSWORD,
      });
      expect(ann).toMatchObject({ email: 'Ann@Example.com', role: 'admin', hasPassword: true });
      expect(ann).not.toHaveProperty('password_hash');
      await rejectsWith(createUser(getDb(), acme, { email: 'ann@EXAMPLE.com' }), 'CONFLICT');
      // Another tenant may have the same address.
      await createUser(getDb(), other, { email: 'ann@example.com', password: PASSWORD });
      const stored = await getDb()
        .selectFrom('users')
        .select('password_hash')
        .where('tenant_id', '=', acme)
        .where('id', '=', ann.id)
        .executeTakeFirstOrThrow();
      expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    });

    it('are refused with a weak password, a bad email or role, leaving no row', async () => {
      await rejectsWith(
        createUser(getDb(), acme, { email: 'bo@x.com', password: 'short' }),
        'PASSWORD_WEAK',
      );
      await rejectsWith(createUser(getDb(), acme, { email: 'no-at-sign' }), 'OPTION_INVALID');
      await rejectsWith(
        createUser(getDb(), acme, { email: 'bo@x.com', role: 'owner' as 'admin' }),
        'OPTION_INVALID',
      );
      expect((await listUsers(getDb(), acme)).map((u) => u.email)).toEqual(['Ann@Example.com']);
    });

    it('sign in by tenant name or id and email in any case, with the right password only', async () => {
      const byName = await verifyLogin(getDb(), 'acme', 'ANN@example.com', PASSWORD);
      expect(byName).toMatchObject({ tenantId: acme, email: 'Ann@Example.com', role: 'admin' });
      expect(await verifyLogin(getDb(), acme, 'ann@example.com', PASSWORD)).toMatchObject({
        tenantId: acme,
      });
      expect(await verifyLogin(getDb(), 'acme', 'ann@example.com', 'wrong password!')).toBeNull();
      expect(await verifyLogin(getDb(), 'acme', 'nobody@example.com', PASSWORD)).toBeNull();
      expect(await verifyLogin(getDb(), 'no-such-tenant', 'ann@example.com', PASSWORD)).toBeNull();
      // The same email in the other tenant has its own account.
      const there = await verifyLogin(getDb(), 'other', 'ann@example.com', PASSWORD);
      expect(there?.tenantId).toBe(other);
    });

    it('without a password cannot sign in until one is set', async () => {
      const cy = await createUser(getDb(), acme, { email: 'cy@example.com' });
      expect(cy).toMatchObject({ role: 'member', hasPassword: false });
      expect(await verifyLogin(getDb(), 'acme', 'cy@example.com', '')).toBeNull();
      await rejectsWith(setPassword(getDb(), acme, cy.id, 'short'), 'PASSWORD_WEAK');
      await setPassword(getDb(), acme, cy.id, 'a much longer passphrase');
      expect(
        await verifyLogin(getDb(), 'acme', 'cy@example.com', 'a much longer passphrase'),
      ).toMatchObject({ id: cy.id });
      // Another tenant's user id is not found through this tenant.
      await rejectsWith(
        setPassword(getDb(), other, cy.id, 'a much longer passphrase'),
        'NOT_FOUND',
      );
    });
  });

  describe('sessions', () => {
    it('authenticate with the cookie value, and not with a changed one', async () => {
      const ann = (await listUsers(getDb(), acme)).find((u) => u.role === 'admin');
      if (!ann) throw new Error('no admin');
      const session = await createSession(getDb(), acme, ann.id, 60_000);
      const [tenantPart, idPart, secret] = session.cookie.split('.');
      expect(tenantPart).toBe(acme);
      expect(idPart).toBe(session.sessionId);
      const stored = await getDb()
        .selectFrom('sessions')
        .select('secret_hash')
        .where('tenant_id', '=', acme)
        .where('id', '=', session.sessionId)
        .executeTakeFirstOrThrow();
      expect(stored.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.secret_hash).not.toContain(secret);

      expect(await authenticateSession(getDb(), session.cookie)).toMatchObject({
        tenantId: acme,
        userId: ann.id,
        role: 'admin',
        sessionId: session.sessionId,
      });
      expect(await authenticateSession(getDb(), `${session.cookie}x`)).toBeNull();
      expect(await authenticateSession(getDb(), `${other}.${idPart}.${secret}`)).toBeNull();
      expect(await authenticateSession(getDb(), 'garbage')).toBeNull();
      expect(await authenticateSession(getDb(), 'a.b.c')).toBeNull();

      expect(await deleteSession(getDb(), acme, session.sessionId)).toBe(true);
      expect(await authenticateSession(getDb(), session.cookie)).toBeNull();
    });

    it('expire, slide on use, and end when the user is disabled', async () => {
      const dee = await createUser(getDb(), acme, { email: 'dee@example.com', password: PASSWORD });
      const expired = await createSession(getDb(), acme, dee.id, 60_000);
      await getDb()
        .updateTable('sessions')
        .set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where('tenant_id', '=', acme)
        .where('id', '=', expired.sessionId)
        .execute();
      expect(await authenticateSession(getDb(), expired.cookie)).toBeNull();
      expect(await deleteExpiredSessions(getDb())).toBeGreaterThanOrEqual(1);

      // Last seen an hour ago with 10 minutes left: a use moves the end to a full hour from now.
      const live = await createSession(getDb(), acme, dee.id, 3_600_000);
      await getDb()
        .updateTable('sessions')
        .set({
          last_seen_at: sql<Date>`now() - interval '50 minutes'`,
          expires_at: sql<Date>`now() + interval '10 minutes'`,
        })
        .where('tenant_id', '=', acme)
        .where('id', '=', live.sessionId)
        .execute();
      const auth = await authenticateSession(getDb(), live.cookie);
      const left = (auth?.expiresAt.getTime() ?? 0) - Date.now();
      expect(left).toBeGreaterThan(3_500_000);
      expect(left).toBeLessThan(3_700_000);

      const second = await createSession(getDb(), acme, dee.id);
      await disableUser(getDb(), acme, dee.id);
      expect(await authenticateSession(getDb(), live.cookie)).toBeNull();
      expect(await authenticateSession(getDb(), second.cookie)).toBeNull();
      expect(await verifyLogin(getDb(), 'acme', 'dee@example.com', PASSWORD)).toBeNull();
    });

    it('of one user end together', async () => {
      const eve = await createUser(getDb(), acme, { email: 'eve@example.com', password: PASSWORD });
      const a = await createSession(getDb(), acme, eve.id);
      const b = await createSession(getDb(), acme, eve.id);
      expect(await deleteUserSessions(getDb(), other, eve.id)).toBe(0);
      expect(await deleteUserSessions(getDb(), acme, eve.id)).toBe(2);
      expect(await authenticateSession(getDb(), a.cookie)).toBeNull();
      expect(await authenticateSession(getDb(), b.cookie)).toBeNull();
    });
  });

  describe('API keys', () => {
    it('name their tenant, are stored hashed and authenticate until revoked', async () => {
      const created = await createApiKey(getDb(), acme, { name: 'sync', role: 'admin' });
      expect(created.key).toMatch(new RegExp(`^rk_${acme.replaceAll('-', '')}_[A-Za-z0-9_-]{43}$`));
      expect(created.key).toContain(`_${created.prefix}`);
      const row = await getDb()
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', acme)
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(created.key.slice(36));
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);

      const auth = await authenticateApiKey(getDb(), created.key);
      expect(auth).toEqual({
        tenantId: acme,
        apiKeyId: created.id,
        userId: null,
        role: 'admin',
        expiresAt: null,
      });
      const listed = await listApiKeys(getDb(), acme);
      expect(listed.find((k) => k.id === created.id)?.lastUsedAt).toBeInstanceOf(Date);
      expect(JSON.stringify(listed)).not.toMatch(/hash/i);

      await revokeApiKey(getDb(), acme, created.id);
      expect(await authenticateApiKey(getDb(), created.key)).toBeNull();
      await rejectsWith(revokeApiKey(getDb(), other, created.id), 'NOT_FOUND');
    });

    it('do not authenticate under another tenant, altered, or expired', async () => {
      const created = await createApiKey(getDb(), acme, { name: 'export bot' });
      const secret = created.key.slice(-43);
      expect(
        await authenticateApiKey(getDb(), `rk_${other.replaceAll('-', '')}_${secret}`),
      ).toBeNull();
      const flipped = `${created.key.slice(0, -1)}${created.key.endsWith('A') ? 'B' : 'A'}`;
      expect(await authenticateApiKey(getDb(), flipped)).toBeNull();
      expect(await authenticateApiKey(getDb(), 'rk_nope')).toBeNull();
      expect(await authenticateApiKey(getDb(), created.key)).toMatchObject({ role: 'member' });

      const old = await createApiKey(getDb(), acme, {
        name: 'old',
        expiresAt: new Date(Date.now() - 1000),
      });
      expect(await authenticateApiKey(getDb(), old.key)).toBeNull();
    });

    it('made for a user act as that user, no higher, and stop when the user is disabled', async () => {
      const fay = await createUser(getDb(), acme, { email: 'fay@example.com', role: 'member' });
      await rejectsWith(
        createApiKey(getDb(), acme, { name: 'x', userId: fay.id, role: 'admin' }),
        'OPTION_INVALID',
      );
      await rejectsWith(createApiKey(getDb(), other, { name: 'x', userId: fay.id }), 'NOT_FOUND');
      const key = await createApiKey(getDb(), acme, { name: 'fay script', userId: fay.id });
      expect(await authenticateApiKey(getDb(), key.key)).toEqual({
        tenantId: acme,
        apiKeyId: key.id,
        userId: fay.id,
        role: 'member',
        expiresAt: null,
      });
      await disableUser(getDb(), acme, fay.id);
      expect(await authenticateApiKey(getDb(), key.key)).toBeNull();
    });
  });

  describe('first admin', () => {
    it('is created once in the default tenant, with the given or a generated password', async () => {
      const first = await ensureFirstAdmin(getDb(), {});
      expect(first).toMatchObject({ tenant: 'default', email: 'admin@localhost', generated: true });
      expect(first?.password.length).toBeGreaterThanOrEqual(20);
      const user = await verifyLogin(getDb(), 'default', 'admin@localhost', first?.password ?? '');
      expect(user?.role).toBe('admin');
      expect(await ensureFirstAdmin(getDb(), {})).toBeNull();
      const tenant = await findTenantByName(getDb(), 'default');
      expect((await listUsers(getDb(), tenant?.id ?? '')).length).toBe(1);
    });

    it('takes its email and password from the environment', async () => {
      const tenant = await findTenantByName(getDb(), 'default');
      await getDb()
        .deleteFrom('users')
        .where('tenant_id', '=', tenant?.id ?? '')
        .execute();
      const env = {
        ROSTER_ADMIN_EMAIL: 'ops@example.com',
        ROSTER_ADMIN_PASSWORD: 'ops password 1',
      };
      expect(await ensureFirstAdmin(getDb(), env)).toEqual({
        tenant: 'default',
        email: 'ops@example.com',
        password: 'ops password 1',
        generated: false,
      });
      expect(
        await verifyLogin(getDb(), 'default', 'ops@example.com', 'ops password 1'),
      ).not.toBeNull();
    });
  });
});
