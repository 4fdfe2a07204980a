/**
 * Runtime settings from the environment. Empty variables count as unset (env files often carry
 * `DATABASE_URL=`).
 */
import { RosterError } from './core/errors.ts';
import { redactUrl } from './store/redact-url.ts';

export interface Config {
  /** PostgreSQL server; when unset Roster uses the embedded database in dataDir. */
  databaseUrl?: string;
  /** Folder of the embedded database and local files. */
  dataDir: string;
}

export const DEFAULT_DATA_DIR = './roster-data';

/**
 * Reads and checks the settings. Throws RosterError('CONFIG_INVALID') naming the variable.
 *
 * @example
 * const config = loadConfig({ DATABASE_URL: 'postgres://roster@db:5432/roster' });
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const dataDir = nonEmpty(env.ROSTER_DATA_DIR) ?? DEFAULT_DATA_DIR;
  if (databaseUrl !== undefined) checkDatabaseUrl(databaseUrl);
  if (dataDir.includes('\0')) {
    throw new RosterError('CONFIG_INVALID', 'ROSTER_DATA_DIR contains a NUL character');
  }
  return databaseUrl !== undefined ? { databaseUrl, dataDir } : { dataDir };
}

function checkDatabaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RosterError(
      'CONFIG_INVALID',
      `DATABASE_URL is not a URL (${redactUrl(value)}); expected postgres://user:password@host:5432/database`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new RosterError(
      'CONFIG_INVALID',
      `DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`,
    );
  }
  // postgres:///db?host=/run/postgresql (a Unix socket) has no host in the authority part.
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new RosterError('CONFIG_INVALID', `DATABASE_URL has no host (${redactUrl(value)})`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
