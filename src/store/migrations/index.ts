/**
 * Every migration, in order. Listed statically (no directory scan) so the set is fixed at build
 * time and works from any working directory. Names sort in the order they must run.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as initialSchema from './0001-initial-schema.ts';
import * as importJournal from './0002-import-journal.ts';
import * as service from './0003-service.ts';
import * as rowLevelSecurity from './0004-row-level-security.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0002-import-journal': importJournal,
  '0003-service': service,
  '0004-row-level-security': rowLevelSecurity,
};

/**
 * Hands Kysely's Migrator the static list.
 *
 * @example
 * new Migrator({ db, provider: staticMigrationProvider });
 */
export const staticMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};
