import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createTenant } from '../../src/store/tenants.ts';
import { describeEachBackend } from '../support/backends.ts';

describeEachBackend('transactions and streaming', (getDb, ctx) => {
  it('roll back every statement when the callback throws', async () => {
    const tenant = await createTenant(getDb(), 'rollback');
    const failure = new Error('boom');
    await expect(
      getDb()
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('contacts')
            .values({ tenant_id: tenant.id, email: 'a@x.test' })
            .execute();
          await trx
            .insertInto('segments')
            .values({ tenant_id: tenant.id, name: 'Hot Leads' })
            .execute();
          throw failure;
        }),
    ).rejects.toBe(failure);
    const contacts = await getDb()
      .selectFrom('contacts')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .execute();
    const segments = await getDb()
      .selectFrom('segments')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect([contacts, segments]).toEqual([[], []]);
  });

  it('roll back after a failing statement and leave the connection usable', async () => {
    const tenant = await createTenant(getDb(), 'failing-statement');
    await expect(
      getDb()
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('contacts')
            .values({ tenant_id: tenant.id, email: 'b@x.test' })
            .execute();
          await sql`select 1 / 0`.execute(trx);
        }),
    ).rejects.toMatchObject({ code: '22012' });
    const n = await getDb()
      .selectFrom('contacts')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(n).toEqual([]);
    expect((await sql<{ one: number }>`select 1 as one`.execute(getDb())).rows).toEqual([
      { one: 1 },
    ]);
  });

  it('commit and report affected rows', async () => {
    const tenant = await createTenant(getDb(), 'commit');
    const result = await getDb()
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('contacts')
          .values([1, 2, 3].map((i) => ({ tenant_id: tenant.id, email: `c${i}@x.test` })))
          .execute();
        return trx
          .updateTable('contacts')
          .set((eb) => ({ version: eb('version', '+', 1) }))
          .where('tenant_id', '=', tenant.id)
          .executeTakeFirst();
      });
    expect(result.numUpdatedRows).toBe(3n);
  });

  it('support savepoints (controlled transactions)', async () => {
    const tenant = await createTenant(getDb(), 'savepoints');
    const trx = await getDb().startTransaction().execute();
    try {
      await trx.insertInto('segments').values({ tenant_id: tenant.id, name: 'kept' }).execute();
      const sp = await trx.savepoint('before_second').execute();
      await sp.insertInto('segments').values({ tenant_id: tenant.id, name: 'undone' }).execute();
      const back = await sp.rollbackToSavepoint('before_second').execute();
      await back.commit().execute();
    } catch (err) {
      await trx.rollback().execute();
      throw err;
    }
    const names = await getDb()
      .selectFrom('segments')
      .select('name')
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(names).toEqual([{ name: 'kept' }]);
  });

  it('stream rows in pages through a cursor', async () => {
    const tenant = await createTenant(getDb(), 'stream');
    await sql`
      insert into contacts (tenant_id, email, lead_score)
      select ${tenant.id}::uuid, 'p' || g || '@x.test', g from generate_series(1, 1050) g`.execute(
      getDb(),
    );
    const seen: number[] = [];
    const query = getDb()
      .selectFrom('contacts')
      .select('lead_score')
      .where('tenant_id', '=', tenant.id)
      .where('lead_score', '>', 25)
      .orderBy('lead_score');
    for await (const row of query.stream(100)) seen.push(row.lead_score!);
    expect(seen).toHaveLength(1025);
    expect(seen[0]).toBe(26);
    expect(seen.at(-1)).toBe(1050);
  });

  it('stop a stream early without leaking its transaction or connection', async () => {
    const tenant = await createTenant(getDb(), 'stream-early');
    await sql`
      insert into contacts (tenant_id, email) select ${tenant.id}::uuid, 'e' || g || '@x.test'
      from generate_series(1, 300) g`.execute(getDb());
    for (let round = 0; round < 3; round++) {
      let n = 0;
      for await (const _row of getDb()
        .selectFrom('contacts')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .stream(50)) {
        if (++n === 60) break;
      }
      expect(n).toBe(60);
    }
    // Writes still work: no read-only transaction was left open.
    await getDb()
      .insertInto('contacts')
      .values({ tenant_id: tenant.id, email: 'after@x.test' })
      .execute();
    const { rows } = await sql<{ open: number }>`
      select count(*) as open from pg_cursors where name like 'roster_cursor_%'`.execute(getDb());
    expect(rows[0]!.open).toBe(0);
  });

  it('stream inside a transaction sees its uncommitted rows', async () => {
    const tenant = await createTenant(getDb(), 'stream-trx');
    const emails = await getDb()
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('contacts')
          .values([1, 2, 3].map((i) => ({ tenant_id: tenant.id, email: `t${i}@x.test` })))
          .execute();
        const out: string[] = [];
        const q = trx
          .selectFrom('contacts')
          .select('email')
          .where('tenant_id', '=', tenant.id)
          .orderBy('email');
        for await (const row of q.stream(2)) out.push(row.email!);
        return out;
      });
    expect(emails).toEqual(['t1@x.test', 't2@x.test', 't3@x.test']);
  });

  it.runIf(ctx.backend === 'pglite')(
    'PGlite: concurrent transactions run one after the other',
    async () => {
      const tenant = await createTenant(getDb(), 'serial');
      const segment = await getDb()
        .insertInto('segments')
        .values({ tenant_id: tenant.id, name: 'counter', description: '0' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const order: string[] = [];
      // Read-modify-write with a pause in the middle: interleaved, the increments would be lost.
      const increment = (label: string) =>
        getDb()
          .transaction()
          .execute(async (trx) => {
            order.push(`${label} begin`);
            const row = await trx
              .selectFrom('segments')
              .select('description')
              .where('tenant_id', '=', tenant.id)
              .where('id', '=', segment.id)
              .executeTakeFirstOrThrow();
            await new Promise((resolve) => setTimeout(resolve, 5));
            await trx
              .updateTable('segments')
              .set({ description: String(Number(row.description) + 1) })
              .where('tenant_id', '=', tenant.id)
              .where('id', '=', segment.id)
              .execute();
            order.push(`${label} end`);
          });
      await Promise.all(['a', 'b', 'c', 'd'].map(increment));
      const final = await getDb()
        .selectFrom('segments')
        .select('description')
        .where('id', '=', segment.id)
        .executeTakeFirstOrThrow();
      expect(final.description).toBe('4');
      expect(order).toEqual([
        'a begin',
        'a end',
        'b begin',
        'b end',
        'c begin',
        'c end',
        'd begin',
        'd end',
      ]);
    },
  );

  it.runIf(ctx.backend === 'pglite')(
    'PGlite: the raw instance waits while a Kysely transaction is open',
    async () => {
      const raw = ctx.handle().raw;
      if (raw.kind !== 'pglite') throw new Error('expected PGlite');
      const tenant = await createTenant(getDb(), 'raw-waits');
      const events: string[] = [];
      let rawQuery: Promise<unknown> | undefined;
      await getDb()
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('segments')
            .values({ tenant_id: tenant.id, name: 'inside' })
            .execute();
          rawQuery = raw.pglite
            .query<{ n: number }>('select count(*) as n from segments where tenant_id = $1', [
              tenant.id,
            ])
            .then((r) => events.push(`raw saw ${r.rows[0]!.n}`));
          await new Promise((resolve) => setTimeout(resolve, 20));
          events.push('commit');
        });
      await rawQuery;
      expect(events).toEqual(['commit', 'raw saw 1']);
    },
  );
});
