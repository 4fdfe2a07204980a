/**
 * Row-level security for work done on behalf of one tenant (an HTTP request).
 *
 * Every query already filters by tenant; this is the second lock. Code that runs inside
 * `runInTenantScope(tenantId, fn)` gets database connections switched to the `roster_tenant`
 * role with `roster.tenant_id` set, and the policies of migration 0004 then hide and refuse
 * every other tenant's rows, whatever the query says. Everything else (workers, the CLI,
 * migrations, sign-in before the tenant is known) runs as the connecting user, which owns the
 * tables and is not subject to the policies.
 *
 * The scope follows async work through AsyncLocalStorage; both dialects apply it when they hand
 * out a connection and undo it when they take it back, so a pooled connection never carries one
 * request's scope into another's (or into a worker's) work.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type DatabaseConnection } from 'kysely';
import { RosterError } from '../core/errors.ts';

/** The role whose queries the row-level security policies restrict (created by migration 0004). */
export const TENANT_ROLE = 'roster_tenant';

const scope = new AsyncLocalStorage<string>();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` (and all async work it starts) restricted to one tenant's rows.
 *
 * @example
 * const rows = await runInTenantScope(tenantId, () => db.selectFrom('contacts').selectAll().execute());
 */
export function runInTenantScope<T>(tenantId: string, fn: () => T): T {
  if (!UUID.test(tenantId)) {
    // Callers pass the id of a signed-in principal; anything else is a bug, not user input.
    throw new RosterError('INTERNAL', `Not a tenant id: ${JSON.stringify(tenantId)}`);
  }
  return scope.run(tenantId, fn);
}

/**
 * Runs `fn` as the connecting user, outside any tenant scope: for the job queue's own tables,
 * which belong to no tenant, when a request queues a job.
 *
 * @example
 * await runOutsideTenantScope(() => boss.send(queue, data));
 */
export function runOutsideTenantScope<T>(fn: () => T): T {
  return scope.exit(fn);
}

/** The tenant the current async context is restricted to, if any. */
export function currentTenantScope(): string | undefined {
  return scope.getStore();
}

// Connections that were switched into a tenant's scope and not yet switched back. Keyed by the
// driver's connection object, which each dialect keeps the same for the same session.
const scoped = new WeakSet<DatabaseConnection>();

const LEAVE = CompiledQuery.raw(
  `select set_config('role', 'none', false), set_config('roster.tenant_id', '', false)`,
);

/**
 * Called by the dialects right after a connection is handed out: enters the current tenant's
 * scope, or leaves one a failed `leaveTenantScope` could not.
 */
export async function enterTenantScope(connection: DatabaseConnection): Promise<void> {
  const tenantId = currentTenantScope();
  if (tenantId !== undefined) {
    // Marked first: if the statement fails halfway, the next hand-out still resets it.
    scoped.add(connection);
    await connection.executeQuery(
      CompiledQuery.raw(
        `select set_config('role', '${TENANT_ROLE}', false), set_config('roster.tenant_id', $1, false)`,
        [tenantId],
      ),
    );
  } else if (scoped.has(connection)) {
    await leaveTenantScope(connection);
  }
}

/** Called by the dialects before a connection goes back: the next holder starts unscoped. */
export async function leaveTenantScope(connection: DatabaseConnection): Promise<void> {
  if (!scoped.has(connection)) return;
  await connection.executeQuery(LEAVE);
  scoped.delete(connection);
}
