/**
 * Tenants: the one table not keyed by tenant_id (its key is the tenant id itself).
 */
import type { Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import { SQLSTATE, hasSqlState } from './pg-errors.ts';
import type { Database, JsonObject, Tenant } from './schema.ts';

/** Name of the tenant every installation has; single-tenant setups use only this one. */
export const DEFAULT_TENANT_NAME = 'default';

/**
 * Creates a tenant. Throws RosterError('CONFLICT') when the name is taken.
 *
 * @example
 * const acme = await createTenant(db, 'acme', { matchKeys: ['email'] });
 */
export async function createTenant(
  db: Kysely<Database>,
  name: string,
  settings: JsonObject = {},
): Promise<Tenant> {
  if (name.trim() === '') throw new RosterError('OPTION_INVALID', 'A tenant needs a name');
  try {
    return await db
      .insertInto('tenants')
      .values({ name, settings: JSON.stringify(settings) })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) {
      throw new RosterError('CONFLICT', `A tenant named "${name}" already exists`, { name });
    }
    throw err;
  }
}

/**
 * The tenant with this exact name, if any.
 *
 * @example
 * const tenant = await findTenantByName(db, 'default');
 */
export async function findTenantByName(
  db: Kysely<Database>,
  name: string,
): Promise<Tenant | undefined> {
  return db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
}

/**
 * The `default` tenant, created when missing. Safe when several processes call it at once.
 *
 * @example
 * const { id } = await ensureDefaultTenant(db);
 */
export async function ensureDefaultTenant(db: Kysely<Database>): Promise<Tenant> {
  await db
    .insertInto('tenants')
    .values({ name: DEFAULT_TENANT_NAME })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const tenant = await findTenantByName(db, DEFAULT_TENANT_NAME);
  if (!tenant)
    throw new RosterError('INTERNAL', 'The default tenant vanished right after creation');
  return tenant;
}

/**
 * Every tenant, by name.
 *
 * @example
 * for (const t of await listTenants(db)) console.log(t.name);
 */
export async function listTenants(db: Kysely<Database>): Promise<Tenant[]> {
  return db.selectFrom('tenants').selectAll().orderBy('name').execute();
}
