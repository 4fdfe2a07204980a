import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.ts';
import { PASSWORD, useTestApi } from './api-support.ts';

describeEachBackend('API: sign-in, API keys, roles, errors', (getDb) => {
  const { api, t, other } = useTestApi(getDb);

  it('answers health and readiness without credentials', async () => {
    expect((await api.call(null, { method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    const ready = await api.call(null, { method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const root = await api.call(null, { method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/api/docs');
  });

  it('refuses requests without credentials or with a wrong key, in the one error shape', async () => {
    const none = await api.call(null, { method: 'GET', url: '/api/auth/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED', details: {} } });
    const wrong = await api.call(`${t.adminKey.slice(0, -3)}xyz`, {
      method: 'GET',
      url: '/api/auth/me',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('signs in with a password, keeps the session in an HttpOnly cookie, and signs out', async () => {
    const bad = await api.call(null, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { tenant: t.name, email: t.adminEmail, password: 'wrong password!' },
    });
    expect(bad.statusCode).toBe(401);
    const login = await api.call(null, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { tenant: t.name, email: t.adminEmail.toUpperCase(), password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.find((c) => c.name === 'roster_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const me = await api.call(null, {
      method: 'GET',
      url: '/api/auth/me',
      cookies: { roster_session: cookie!.value },
    });
    expect(me.json()).toMatchObject({
      tenant: { id: t.id, name: t.name },
      user: { email: t.adminEmail },
      role: 'admin',
      via: 'session',
    });
    const out = await api.call(null, {
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { roster_session: cookie!.value },
    });
    expect(out.statusCode).toBe(204);
    const after = await api.call(null, {
      method: 'GET',
      url: '/api/auth/me',
      cookies: { roster_session: cookie!.value },
    });
    expect(after.statusCode).toBe(401);
  });

  it('keeps admin-only actions from members', async () => {
    const asMember = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'sneaky' },
    });
    expect(asMember.statusCode).toBe(403);
    expect(asMember.json().error.code).toBe('FORBIDDEN');
    expect((await api.call(t.memberKey, { method: 'GET', url: '/api/users' })).statusCode).toBe(
      403,
    );
  });

  it('creates an API key shown once, lists it without the key, and revokes it', async () => {
    const created = await api.call(t.adminKey, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'nightly sync' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    expect(key).toMatch(/^rk_/);
    expect((await api.call(key, { method: 'GET', url: '/api/auth/me' })).json().via).toBe(
      'api_key',
    );
    const list = await api.call(t.adminKey, { method: 'GET', url: '/api/api-keys' });
    expect(JSON.stringify(list.json())).not.toContain(key);
    // Another tenant's admin cannot see or revoke it: 404, and the key keeps working.
    const foreign = await api.call(other.adminKey, {
      method: 'DELETE',
      url: `/api/api-keys/${id}`,
    });
    expect(foreign.statusCode).toBe(404);
    expect((await api.call(key, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    const revoked = await api.call(t.adminKey, { method: 'DELETE', url: `/api/api-keys/${id}` });
    expect(revoked.statusCode).toBe(204);
    expect((await api.call(key, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it('refuses the keys and sessions of a disabled user at once, though they were just used', async () => {
    const u = await api.newTenant();
    const login = await api.call(null, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { tenant: u.name, email: u.memberEmail, password: PASSWORD },
    });
    const cookies = {
      roster_session: login.cookies.find((c) => c.name === 'roster_session')!.value,
    };
    const me = () => api.call(u.memberKey, { method: 'GET', url: '/api/auth/me' });
    const meBySession = () => api.call(null, { method: 'GET', url: '/api/auth/me', cookies });
    // Used twice: the second answer may come from the cache of verified credentials.
    for (let i = 0; i < 2; i++) {
      expect((await me()).statusCode).toBe(200);
      expect((await meBySession()).statusCode).toBe(200);
    }
    const memberId = (await me()).json().user.id as string;
    const disabled = await api.call(u.adminKey, {
      method: 'DELETE',
      url: `/api/users/${memberId}`,
    });
    expect(disabled.statusCode).toBeLessThan(300);
    expect((await me()).statusCode).toBe(401);
    expect((await meBySession()).statusCode).toBe(401);
    expect((await api.call(u.adminKey, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(
      200,
    );
  });

  it('names what is wrong in a request that does not match the schema', async () => {
    const res = await api.call(t.adminKey, {
      method: 'POST',
      url: '/api/users',
      payload: { email: 'x@y.z', role: 'owner', password: PASSWORD },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('REQUEST_INVALID');
    expect(res.json().error.message).toContain('/role');
  });

  it('answers an unknown route with 404 in the same shape', async () => {
    const res = await api.call(t.adminKey, { method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('serves the OpenAPI document', async () => {
    const res = await api.call(null, { method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/auth/login');
  });

  it('rate-limits sign-in attempts', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api.call(null, {
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.9.8.7',
        payload: { tenant: t.name, email: t.adminEmail, password: 'not the password' },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });
});
