import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { TENANT_TABLES } from '../../src/store/migrations/0004-row-level-security.ts';
import type { Database } from '../../src/store/schema.ts';
import {
  currentTenantScope,
  runInTenantScope,
  runOutsideTenantScope,
} from '../../src/store/tenant-scope.ts';
import { createTenant } from '../../src/store/tenants.ts';
import { describeEachBackend } from '../support/backends.ts';

async function seed(db: Kysely<Database>): Promise<{ a: string; b: string }> {
  const a = (await createTenant(db, `rls-a-${randomUUID()}`)).id;
  const b = (await createTenant(db, `rls-b-${randomUUID()}`)).id;
  await db
    .insertInto('contacts')
    .values([
      { tenant_id: a, email: 'ann@a.example' },
      { tenant_id: a, email: 'al@a.example' },
      { tenant_id: b, email: 'bob@b.example' },
    ])
    .execute();
  return { a, b };
}

/** Emails visible to a query that names no tenant at all. */
async function allEmails(db: Kysely<Database>, like: string): Promise<string[]> {
  const rows = await db
    .selectFrom('contacts')
    .select('email')
    .where('email', 'like', like)
    .orderBy('email')
    .execute();
  return rows.map((r) => r.email ?? '');
}

describeEachBackend('row-level security', (getDb) => {
  it('is enabled with a tenant policy on every table that has a tenant_id column', async () => {
    const { rows } = await sql<{ table: string; rls: boolean; policies: number }>`
      select c.relname as table, c.relrowsecurity as rls,
        (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and (c.relname = 'tenants' or exists (
          select from pg_attribute a
          where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
      order by c.relname`.execute(getDb());
    expect(rows.map((r) => r.table).sort()).toEqual(['tenants', ...TENANT_TABLES].sort());
    for (const row of rows) expect(row, row.table).toMatchObject({ rls: true, policies: 1 });
  });

  it('shows a scoped query only its tenant rows, even without a tenant condition', async () => {
    const db = getDb();
    const { a, b } = await seed(db);
    expect(await allEmails(db, '%.example')).toEqual(
      expect.arrayContaining(['al@a.example', 'ann@a.example', 'bob@b.example']),
    );
    expect(await runInTenantScope(a, () => allEmails(db, '%.example'))).toEqual([
      'al@a.example',
      'ann@a.example',
    ]);
    expect(await runInTenantScope(b, () => allEmails(db, '%.example'))).toEqual(['bob@b.example']);
    const tenants = await runInTenantScope(a, () =>
      db.selectFrom('tenants').select('id').execute(),
    );
    expect(tenants).toEqual([{ id: a }]);
  });

  it('refuses writes to another tenant and leaves its rows unchanged', async () => {
    const db = getDb();
    const { a, b } = await seed(db);
    await expect(
      runInTenantScope(a, () =>
        db.insertInto('contacts').values({ tenant_id: b, email: 'sneak@b.example' }).execute(),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    const updated = await runInTenantScope(a, () =>
      db
        .updateTable('contacts')
        .set({ first_name: 'Changed' })
        .where('tenant_id', '=', b)
        .executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(0n);
    const deleted = await runInTenantScope(a, () =>
      db.deleteFrom('contacts').where('tenant_id', '=', b).executeTakeFirst(),
    );
    expect(deleted.numDeletedRows).toBe(0n);
    // Moving one's own row to another tenant is refused too.
    await expect(
      runInTenantScope(a, () =>
        db.updateTable('contacts').set({ tenant_id: b }).where('tenant_id', '=', a).execute(),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    const bRows = await db
      .selectFrom('contacts')
      .select(['email', 'first_name'])
      .where('tenant_id', '=', b)
      .execute();
    expect(bRows).toEqual([{ email: 'bob@b.example', first_name: null }]);
  });

  it('keeps the scope inside a transaction and drops it when the connection goes back', async () => {
    const db = getDb();
    const { a } = await seed(db);
    const inside = await runInTenantScope(a, () =>
      db.transaction().execute(async (trx) => {
        const who = await sql<{ role: string; tenant: string }>`
          select current_user as role, current_setting('roster.tenant_id', true) as tenant`.execute(
          trx,
        );
        return who.rows[0];
      }),
    );
    expect(inside).toEqual({ role: 'roster_tenant', tenant: a });
    // The same connection (PGlite has one; the pool reuses its idle one) right after.
    const after = await sql<{ role: string; tenant: string | null }>`
      select current_user as role, nullif(current_setting('roster.tenant_id', true), '') as tenant`.execute(
      db,
    );
    expect(after.rows[0]).toEqual({
      role: expect.not.stringMatching('roster_tenant'),
      tenant: null,
    });
  });

  it('lets work that belongs to no tenant step out of the scope', async () => {
    const db = getDb();
    const { a } = await seed(db);
    const seen = await runInTenantScope(a, () =>
      runOutsideTenantScope(async () => {
        expect(currentTenantScope()).toBeUndefined();
        return allEmails(db, '%.example');
      }),
    );
    expect(seen).toEqual(expect.arrayContaining(['bob@b.example']));
    const migrations = await runInTenantScope(a, () =>
      sql`select count(*) from kysely_migration`.execute(db),
    ).catch((err: unknown) => err);
    // The scoped role has no business with the migration table.
    expect(migrations).toMatchObject({ code: '42501' });
  });

  it('keeps concurrent requests of two tenants apart', async () => {
    const db = getDb();
    const { a, b } = await seed(db);
    const runs = Array.from({ length: 20 }, (_, i) => {
      const tenant = i % 2 === 0 ? a : b;
      return runInTenantScope(tenant, async () => ({
        tenant,
        emails: await allEmails(db, '%.example'),
      }));
    });
    for (const { tenant, emails } of await Promise.all(runs)) {
      expect(emails).toEqual(tenant === a ? ['al@a.example', 'ann@a.example'] : ['bob@b.example']);
    }
  });
});
