import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../store/connection.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { redactUrl } from '../store/redact-url.ts';

export interface MigrateCommandIo {
  /** Environment the configuration comes from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where the report goes (default process.stdout). */
  write?: (text: string) => void;
}

/**
 * `roster migrate`: applies pending migrations to the configured database and says what it did.
 * `--json` prints `{"applied":[...],"backend":"pglite"|"postgres"}`.
 *
 * @example
 * registerMigrate(program); // then: roster migrate --json
 */
export function registerMigrate(program: Command, io: MigrateCommandIo = {}): void {
  program
    .command('migrate')
    .description('Create or update the database schema (embedded database, or DATABASE_URL)')
    .option('--json', 'print {"applied": [...], "backend": ...} as JSON')
    .action(async (flags: { json?: boolean }) => {
      const write = io.write ?? ((text: string) => void process.stdout.write(text));
      const config = loadConfig(io.env ?? process.env);
      const { db, backend, close } = await openDatabase(config);
      try {
        const { applied } = await migrateToLatest(db);
        if (flags.json) {
          write(`${JSON.stringify({ applied, backend })}\n`);
          return;
        }
        const where =
          backend === 'postgres' && config.databaseUrl
            ? `PostgreSQL at ${redactUrl(config.databaseUrl)}`
            : `the embedded database in ${config.dataDir}`;
        write(
          applied.length === 0
            ? `Nothing to apply: ${where} is up to date.\n`
            : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${where}:\n${applied
                .map((name) => `  ${name}\n`)
                .join('')}`,
        );
      } finally {
        await close();
      }
    });
}
