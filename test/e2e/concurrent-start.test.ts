/**
 * Processes that start at the same time on an empty PostgreSQL database (`roster serve` and
 * `roster worker` in one deployment) must all start. Without startQueue's advisory lock they
 * raced: pg-boss's schema creation failed with `duplicate key value violates unique constraint
 * "pg_namespace_nspname_index"` and the queue creation (getQueue, then createQueue) deadlocked;
 * the e2e suite saw both through the real commands.
 */
import { describe, expect, it } from 'vitest';
import { startQueue, type Queue } from '../../src/jobs/queue.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/connection.ts';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/backends.ts';

/** Processes starting at once (a server and three workers). */
const STARTERS = 4;
/** Fresh databases tried: the race is lost in most rounds, not every one. */
const ROUNDS = 3;

const suite = TEST_DATABASE_URL ? describe : describe.skip;

const title = `job queue: several processes start at once on an empty PostgreSQL database${
  TEST_DATABASE_URL ? '' : ' (TEST_DATABASE_URL not set: it needs a PostgreSQL server)'
}`;

suite(title, () => {
  it('every one of them starts', async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const database = await createTestDatabase();
      const handles: OpenDatabase[] = [];
      const queues: Queue[] = [];
      try {
        for (let i = 0; i < STARTERS; i++) {
          // Dropping the database at the end ends connections a failed start left behind.
          handles.push(await openDatabase({ databaseUrl: database.url, onPoolError: () => {} }));
        }
        const started = await Promise.allSettled(
          handles.map((open) => startQueue(open, { schedule: false, supervise: false })),
        );
        for (const result of started) {
          if (result.status === 'fulfilled') queues.push(result.value);
          else failures.push(`round ${round}: ${String(result.reason)}`);
        }
      } finally {
        for (const queue of queues) await queue.stop({ graceful: false, wait: true });
        for (const open of handles) await open.close();
        await database.drop();
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
