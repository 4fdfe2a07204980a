import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/store/connection.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { describeEachBackend } from '../support/backends.ts';

describeEachBackend(
  'concurrent migrateToLatest',
  (getDb, ctx) => {
    it.runIf(ctx.backend === 'postgres')(
      'PostgreSQL: several processes at once apply each migration exactly once',
      async () => {
        // Independent pools = independent server sessions, as separate processes would have.
        const handles: OpenDatabase[] = await Promise.all(
          Array.from({ length: 6 }, () => ctx.openAnother()),
        );
        try {
          const results = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
          const applied = results.flatMap((r) => r.applied);
          expect(applied.sort()).toEqual(Object.keys(MIGRATIONS).sort());
          expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
        } finally {
          await Promise.all(handles.map((h) => h.close()));
        }
        const tenants = await getDb().selectFrom('tenants').select('name').execute();
        expect(tenants).toEqual([{ name: 'default' }]);
        const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(
          getDb(),
        );
        expect(rows.rows).toHaveLength(Object.keys(MIGRATIONS).length);
        const locks = await sql<{ n: number }>`
          select count(*) as n from pg_locks where locktype = 'advisory'`.execute(getDb());
        expect(locks.rows[0]!.n).toBe(0);
      },
    );

    it.runIf(ctx.backend === 'pglite')(
      'PGlite: concurrent calls on one handle are serialised',
      async () => {
        const results = await Promise.all(
          Array.from({ length: 4 }, () => migrateToLatest(getDb())),
        );
        expect(results.flatMap((r) => r.applied)).toEqual(Object.keys(MIGRATIONS));
        const tenants = await getDb().selectFrom('tenants').select('name').execute();
        expect(tenants).toEqual([{ name: 'default' }]);
      },
    );
  },
  { migrate: false },
);
