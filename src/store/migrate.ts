/**
 * Brings the schema up to date. Safe to run from several processes at once: Kysely's Migrator
 * holds a PostgreSQL advisory lock (pg_advisory_lock) on one connection while it reads the
 * migration table and applies what is missing, so a second process waits, then finds nothing
 * left to do. On PGlite the single connection already serialises everything.
 */
import { Migrator, type Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import { staticMigrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { ensureDefaultTenant } from './tenants.ts';

export interface MigrateResult {
  /** Names of the migrations this call applied, in order (empty when already up to date). */
  applied: string[];
}

/**
 * Applies every pending migration, then makes sure the `default` tenant exists.
 * Throws RosterError('DB_MIGRATION_FAILED') naming the migration that failed; that migration's
 * changes are rolled back (PostgreSQL has transactional DDL).
 *
 * @example
 * const { applied } = await migrateToLatest(db); // ['0001-initial-schema'] the first time, [] after
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider: staticMigrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RosterError(
      'DB_MIGRATION_FAILED',
      failed ? `Migration ${failed} failed: ${reason}` : `Migrating the database failed: ${reason}`,
      failed ? { migration: failed } : {},
      { cause: error },
    );
  }
  await ensureDefaultTenant(db);
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
