import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRosterError, RosterError } from '../../src/core/errors.ts';
import { openDatabase } from '../../src/store/connection.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { findTenantByName } from '../../src/store/tenants.ts';
import { TEST_DATABASE_URL } from '../support/backends.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roster-store-'));
  dirs.push(dir);
  return dir;
}

async function connectError(databaseUrl: string): Promise<RosterError> {
  const err = await openDatabase({ databaseUrl }).then(
    async (h) => {
      await h.close();
      throw new Error('expected the connection to fail');
    },
    (e: unknown) => e,
  );
  if (!isRosterError(err)) throw err;
  return err;
}

describe('openDatabase', () => {
  it('keeps the embedded database in its data directory across restarts', async () => {
    const dataDir = join(await tempDir(), 'nested', 'roster-data');
    const first = await openDatabase({ dataDir });
    expect(first.backend).toBe('pglite');
    expect(first.raw.kind).toBe('pglite');
    await migrateToLatest(first.db);
    await first.db.insertInto('tenants').values({ name: 'persisted' }).execute();
    await first.close();

    const second = await openDatabase({ dataDir });
    try {
      expect(await migrateToLatest(second.db)).toEqual({ applied: [] });
      expect(await findTenantByName(second.db, 'persisted')).toMatchObject({ name: 'persisted' });
    } finally {
      await second.close();
    }
  });

  it('needs a data directory unless memory is asked for', async () => {
    await expect(openDatabase({})).rejects.toSatisfy((e) => isRosterError(e, 'CONFIG_INVALID'));
  });

  it('reports an unreachable server as DB_CONNECT_FAILED without the password', async () => {
    const err = await connectError('postgres://roster:hunter2secret@127.0.0.1:1/roster');
    expect(err.code).toBe('DB_CONNECT_FAILED');
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).toContain('roster:***@');
    expect(err.message).not.toContain('hunter2secret');
    expect(JSON.stringify(err.details)).not.toContain('hunter2secret');
  });

  it.runIf(TEST_DATABASE_URL !== undefined)(
    'reports a missing database as DB_CONNECT_FAILED',
    async () => {
      const url = new URL(TEST_DATABASE_URL!);
      url.pathname = '/roster_no_such_database';
      url.password = 'pw-not-shown';
      const err = await connectError(url.toString());
      expect(err.code).toBe('DB_CONNECT_FAILED');
      expect(err.message).toMatch(/roster_no_such_database/);
      expect(err.message).not.toContain('pw-not-shown');
    },
  );

  it.runIf(TEST_DATABASE_URL !== undefined)(
    'opens PostgreSQL with the raw pool exposed',
    async () => {
      const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL! });
      try {
        expect(handle.backend).toBe('postgres');
        if (handle.raw.kind !== 'postgres') throw new Error('expected a pool');
        const r = await handle.raw.pool.query<{ n: number; d: string }>(
          "select 5::bigint as n, date '2024-02-29' as d",
        );
        // The raw pool reads values like Kysely does.
        expect(r.rows[0]).toEqual({ n: 5, d: '2024-02-29' });
      } finally {
        await handle.close();
      }
    },
  );
});
