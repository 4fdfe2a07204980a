import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { describeEachBackend } from '../support/backends.ts';

describeEachBackend(
  'migrations',
  (getDb) => {
    it('apply every migration to an empty database', async () => {
      const { applied } = await migrateToLatest(getDb());
      expect(applied).toEqual(Object.keys(MIGRATIONS));
    });

    it('are a no-op the second time', async () => {
      expect(await migrateToLatest(getDb())).toEqual({ applied: [] });
      const rows = await sql<{
        name: string;
      }>`select name from kysely_migration order by name`.execute(getDb());
      expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    });

    it('leave exactly one default tenant', async () => {
      await migrateToLatest(getDb());
      const tenants = await getDb().selectFrom('tenants').select(['name', 'settings']).execute();
      expect(tenants).toEqual([{ name: 'default', settings: {} }]);
    });

    it('install pg_trgm', async () => {
      const r = await sql<{
        s: number;
      }>`select similarity('Jonathan Smith', 'Jonathon Smith') as s`.execute(getDb());
      expect(r.rows[0]!.s).toBeGreaterThan(0.5);
    });

    it('can be undone (down) and redone (up) inside one transaction', async () => {
      const names = Object.keys(MIGRATIONS).sort();
      const userTables = sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name not like 'kysely_%'`;
      const tables = (await userTables.execute(getDb())).rows[0]!.n;
      expect(tables).toBe(17);
      const undo = new Error('undo the experiment');
      await expect(
        getDb()
          .transaction()
          .execute(async (trx) => {
            // Later migrations depend on earlier ones: undone newest first, redone in order.
            for (const name of [...names].reverse()) await MIGRATIONS[name]!.down!(trx);
            expect((await userTables.execute(trx)).rows[0]!.n).toBe(0);
            for (const name of names) await MIGRATIONS[name]!.up(trx);
            expect((await userTables.execute(trx)).rows[0]!.n).toBe(tables);
            throw undo;
          }),
      ).rejects.toBe(undo);
      // Transactional DDL: the rollback restored the tables and their data.
      expect((await userTables.execute(getDb())).rows[0]!.n).toBe(tables);
      expect(await getDb().selectFrom('tenants').select('name').execute()).toEqual([
        { name: 'default' },
      ]);
    });
  },
  { migrate: false },
);
