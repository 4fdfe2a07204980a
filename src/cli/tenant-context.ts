import type { Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import { loadConfig } from '../config.ts';
import { openDatabase, type RawClient } from '../store/connection.ts';
import { migrateToLatest } from '../store/migrate.ts';
import type { Database } from '../store/schema.ts';
import { findTenantByName } from '../store/tenants.ts';

export interface TenantContext {
  db: Kysely<Database>;
  /** The driver under `db`, for what needs it (an export's COPY). */
  raw: RawClient;
  tenantId: string;
}

/**
 * Opens the configured database (migrating it if needed), resolves the tenant by name, runs
 * `fn`, and closes the database whatever happens.
 */
export async function withTenant<T>(
  tenantName: string,
  fn: (ctx: TenantContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const handle = await openDatabase(config);
  try {
    await migrateToLatest(handle.db);
    const tenant = await findTenantByName(handle.db, tenantName);
    if (!tenant) throw new RosterError('NOT_FOUND', `No tenant named "${tenantName}"`);
    return await fn({ db: handle.db, raw: handle.raw, tenantId: tenant.id });
  } finally {
    await handle.close();
  }
}
