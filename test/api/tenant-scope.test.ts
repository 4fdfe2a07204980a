import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.ts';
import { testApi, type TestApi, type TestTenant } from './api-support.ts';

// A route added for the test only: it reports what the database thinks of the caller.
const PROBE = '/api/test/database-identity';

describeEachBackend('tenant scope of requests', (getDb) => {
  let api: TestApi;
  let t: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    api = await testApi(getDb(), undefined, {}, (app) => {
      app.get(PROBE, async () => {
        const { rows } = await sql<{ role: string; tenant: string; visible: number }>`
          select current_user as role,
            nullif(current_setting('roster.tenant_id', true), '') as tenant,
            (select count(*)::int from tenants) as visible`.execute(getDb());
        return rows[0];
      });
      app.get(`${PROBE}/public`, { config: { public: true } }, async () => {
        const { rows } = await sql<{ role: string }>`select current_user as role`.execute(getDb());
        return rows[0];
      });
    });
    t = await api.newTenant();
    other = await api.newTenant();
  });
  afterAll(async () => {
    await api.close();
  });

  it('runs a signed-in request as the restricted role, seeing only its own tenant', async () => {
    for (const tenant of [t, other]) {
      const res = await api.call(tenant.memberKey, { method: 'GET', url: PROBE });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ role: 'roster_tenant', tenant: tenant.id, visible: 1 });
    }
  });

  it('runs public routes as the database user, unscoped', async () => {
    const res = await api.call(null, { method: 'GET', url: `${PROBE}/public` });
    expect(res.statusCode).toBe(200);
    expect(res.json().role).not.toBe('roster_tenant');
  });
});
