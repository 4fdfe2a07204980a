/**
 * Leases on imports and exports: the worker running a job holds its row's lease and renews it
 * while it works (pg-boss 10 has no heartbeat of its own, so the lease is the heartbeat). A job
 * whose lease is live belongs to its holder; one whose lease ran out (its worker died) may be
 * claimed by any worker, which resumes it from its checkpoint.
 *
 * Imports run from the CLI take no lease (`lease_owner` stays null): workers never take over
 * those, whatever their status.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type LeasedTable = 'imports' | 'exports';

/**
 * Takes the lease when it is free, expired, or already ours. Returns false when another worker
 * holds it live. One UPDATE: two workers claiming at once cannot both win.
 *
 * @example
 * if (!(await claimLease(db, 'imports', tenantId, importId, 'worker-1', 60))) return;
 */
export const claimLease = leaseWriter('claim');

/**
 * Extends a lease we hold. Returns false when it is no longer ours (it expired and another
 * worker took it): the caller must stop working on the job.
 *
 * @example
 * if (!(await renewLease(db, 'imports', tenantId, importId, 'worker-1', 60))) abort();
 */
export const renewLease = leaseWriter('renew');

/**
 * The one UPDATE behind claim and renew: `owner`'s lease with a fresh expiry and heartbeat, on
 * the row only when `mode` allows it (renew: while it is still ours; claim: also when it is free
 * or expired). The function resolves to true when the row was updated.
 */
function leaseWriter(mode: 'claim' | 'renew') {
  return async (
    db: Kysely<Database>,
    table: LeasedTable,
    tenantId: string,
    id: string,
    owner: string,
    ttlSeconds: number,
  ): Promise<boolean> => {
    const result = await db
      .updateTable(table)
      .set({
        lease_owner: owner,
        lease_expires_at: expiresIn(ttlSeconds),
        heartbeat_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where((eb) =>
        mode === 'renew'
          ? eb('lease_owner', '=', owner)
          : eb.or([
              eb('lease_owner', 'is', null),
              eb('lease_expires_at', 'is', null),
              eb('lease_expires_at', '<', sql<Date>`now()`),
              eb('lease_owner', '=', owner),
            ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  };
}

/**
 * Gives a lease back (when it is still ours), so the job can be taken at once instead of after
 * it expires.
 *
 * @example
 * await releaseLease(db, 'imports', tenantId, importId, 'worker-1');
 */
export async function releaseLease(
  db: Kysely<Database>,
  table: LeasedTable,
  tenantId: string,
  id: string,
  owner: string,
): Promise<void> {
  await db
    .updateTable(table)
    .set({ lease_owner: null, lease_expires_at: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

export interface StrandedJob {
  tenantId: string;
  id: string;
}

/**
 * Jobs a worker took and then left: `running` with a lease that was taken once (lease_owner
 * set) and expired or was released. Across tenants: this is the reaper's view.
 *
 * @example
 * for (const job of await listStrandedJobs(db, 'imports', 100)) await enqueueImport(queue, job.tenantId, job.id);
 */
export async function listStrandedJobs(
  db: Kysely<Database>,
  table: LeasedTable,
  limit: number,
): Promise<StrandedJob[]> {
  const rows = await db
    .selectFrom(table)
    .select(['tenant_id', 'id'])
    .where('status', '=', 'running')
    .where('heartbeat_at', 'is not', null)
    .where((eb) =>
      eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`)]),
    )
    .orderBy('heartbeat_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
}

/**
 * Jobs recorded `queued` for longer than `olderThanSeconds` and never started: the process that
 * created them may have died before it enqueued them. Imports count only when started over
 * HTTP (`upload_id` set); the CLI runs its own. Re-enqueueing one that is in fact waiting in the
 * queue is harmless (the queue keeps one waiting job per import).
 *
 * @example
 * const waiting = await listWaitingJobs(db, 'exports', 60, 100);
 */
export async function listWaitingJobs(
  db: Kysely<Database>,
  table: LeasedTable,
  olderThanSeconds: number,
  limit: number,
): Promise<StrandedJob[]> {
  let query = db
    .selectFrom(table)
    .select(['tenant_id', 'id'])
    .where('status', '=', 'queued')
    .where('heartbeat_at', 'is', null)
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`);
  if (table === 'imports') {
    query = query.where(sql<boolean>`upload_id is not null`);
  }
  const rows = await query.orderBy('created_at').limit(limit).execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
}

function expiresIn(ttlSeconds: number) {
  return sql<Date>`now() + make_interval(secs => ${ttlSeconds})`;
}
