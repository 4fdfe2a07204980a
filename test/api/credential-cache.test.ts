import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/api/credential-cache.ts';
import type { Principal } from '../../src/api/principal.ts';

const TENANT = '00000000-0000-4000-8000-000000000001';

function principal(over: Partial<Principal> = {}): Principal {
  return {
    tenantId: TENANT,
    userId: 'user-1',
    role: 'member',
    kind: 'api_key',
    credentialId: 'key-1',
    ...over,
  };
}

describe('credential cache', () => {
  it('keeps a verified credential for its time-to-live, never past its own expiry', async () => {
    let now = 1_000_000;
    const cache = new CredentialCache({ ttlMs: 5000, now: () => now });
    let lookUps = 0;
    const lookUp = async () => {
      lookUps++;
      return { principal: principal(), expiresAt: null };
    };
    expect(await cache.verify('key:a', lookUp)).toEqual(principal());
    now += 4999;
    expect(cache.get('key:a')).toEqual(principal());
    now += 1;
    expect(cache.get('key:a')).toBeUndefined();
    expect(lookUps).toBe(1);

    await cache.verify('key:b', async () => ({
      principal: principal({ credentialId: 'key-2' }),
      expiresAt: new Date(now + 1000),
    }));
    now += 999;
    expect(cache.get('key:b')).toBeDefined();
    now += 1;
    expect(cache.get('key:b')).toBeUndefined();
  });

  it('keeps nothing for a credential that did not verify', async () => {
    const cache = new CredentialCache();
    expect(await cache.verify('key:x', async () => null)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('forgets what a revocation covers, and only that', async () => {
    const cache = new CredentialCache();
    const keep = async (p: Principal) => ({ principal: p, expiresAt: null });
    await cache.verify('key:1', () => keep(principal({ credentialId: 'k1', userId: 'u1' })));
    await cache.verify('key:2', () => keep(principal({ credentialId: 'k2', userId: 'u2' })));
    await cache.verify('session:3', () =>
      keep(principal({ kind: 'session', credentialId: 's3', userId: 'u2' })),
    );
    await cache.verify('session:4', () =>
      keep(principal({ kind: 'session', credentialId: 's4', userId: 'u1' })),
    );
    await cache.verify('key:5', () => keep(principal({ tenantId: 'other', credentialId: 'k5' })));

    cache.forget({ tenantId: TENANT, apiKeyId: 'k1' });
    expect(cache.get('key:1')).toBeUndefined();
    expect(cache.get('session:4')).toBeDefined();
    // A session id is not a key id, and another tenant's ids never match.
    cache.forget({ tenantId: TENANT, apiKeyId: 's4' });
    cache.forget({ tenantId: TENANT, sessionId: 'k5' });
    expect(cache.get('session:4')).toBeDefined();
    expect(cache.get('key:5')).toBeDefined();
    cache.forget({ tenantId: TENANT, sessionId: 's4' });
    expect(cache.get('session:4')).toBeUndefined();
    // A disabled user: their keys and sessions.
    cache.forget({ tenantId: TENANT, userId: 'u2' });
    expect(cache.get('key:2')).toBeUndefined();
    expect(cache.get('session:3')).toBeUndefined();
    expect(cache.get('key:5')).toBeDefined();
  });

  it('does not keep an answer read before a revocation that happened meanwhile', async () => {
    const cache = new CredentialCache();
    let answer: (v: { principal: Principal; expiresAt: null }) => void = () => undefined;
    const pending = cache.verify('key:slow', () => new Promise((resolve) => (answer = resolve)));
    cache.forget({ tenantId: TENANT, apiKeyId: 'key-1' });
    answer({ principal: principal(), expiresAt: null });
    // The request in flight still gets its answer; the next one looks the key up again.
    expect(await pending).toEqual(principal());
    expect(cache.get('key:slow')).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new CredentialCache({ maxEntries: 3 });
    for (let i = 1; i <= 4; i++) {
      await cache.verify(`key:${i}`, async () => ({
        principal: principal({ credentialId: `k${i}` }),
        expiresAt: null,
      }));
    }
    expect(cache.size).toBe(3);
    expect(cache.get('key:1')).toBeUndefined();
    expect(cache.get('key:4')).toBeDefined();
  });
});
