/**
 * Settings of `roster serve` and `roster worker`, from the environment, checked at start so a
 * wrong value stops the process with a message naming the variable instead of failing later.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { RosterError } from './core/errors.ts';
import type { S3StoreConfig } from './files/s3-store.ts';
import { MIN_SECRET_LENGTH } from './files/signed-link.ts';

export interface ServiceConfig extends Config {
  /** Address to listen on; 127.0.0.1 unless ROSTER_HOST says otherwise. */
  host: string;
  port: number;
  /** Signs download links and is the root of other secrets (ROSTER_SECRET). */
  secret: string;
  s3?: Partial<S3StoreConfig> & { bucket: string };
  /** Days an export file is kept (EXPORT_TTL_DAYS, default 7). */
  exportTtlDays: number;
  /** Largest upload accepted, in bytes (ROSTER_MAX_UPLOAD_MB, default 1024): the server-wide
   *  ceiling; a tenant's own limit can only be lower. */
  maxUploadBytes: number;
  /** A worker's hold on a running job lasts this long unless renewed (ROSTER_LEASE_SECONDS, 60):
   *  after a worker dies, another takes its import over this much later. */
  leaseSeconds: number;
  /** How often workers look for jobs whose worker died (ROSTER_REAP_INTERVAL_SECONDS, 30). */
  reapIntervalSeconds: number;
  /** Jobs this process runs at once (ROSTER_WORKERS; 0: serve only, leave jobs to `roster worker`). */
  workers: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Behind a reverse proxy: trust its X-Forwarded-* headers (ROSTER_TRUST_PROXY). */
  trustProxy: boolean;
  /** Send session cookies only over HTTPS (ROSTER_SECURE_COOKIES; default on unless on loopback). */
  secureCookies: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * @example
 * const config = loadServiceConfig(process.env);
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const base = loadConfig(env);
  const host = text(env.ROSTER_HOST) ?? '127.0.0.1';
  const port = integer(env, 'ROSTER_PORT', 3000, 0, 65535);
  const bucket = text(env.S3_BUCKET);
  const s3 =
    bucket === undefined
      ? undefined
      : {
          bucket,
          ...optional('region', text(env.S3_REGION)),
          ...optional('endpoint', text(env.S3_ENDPOINT)),
          ...optional('accessKeyId', text(env.S3_ACCESS_KEY_ID)),
          ...optional('secretAccessKey', text(env.S3_SECRET_ACCESS_KEY)),
          ...optional('forcePathStyle', flag(env, 'S3_FORCE_PATH_STYLE', false)),
        };
  const logLevel = text(env.LOG_LEVEL) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new RosterError('CONFIG_INVALID', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  return {
    ...base,
    host,
    port,
    secret: secretOf(env, base),
    ...(s3 ? { s3 } : {}),
    exportTtlDays: integer(env, 'EXPORT_TTL_DAYS', 7, 1, 365),
    maxUploadBytes: integer(env, 'ROSTER_MAX_UPLOAD_MB', 1024, 1, 1024 * 1024) * 1024 * 1024,
    workers: integer(env, 'ROSTER_WORKERS', 2, 0, 64),
    leaseSeconds: integer(env, 'ROSTER_LEASE_SECONDS', 60, 5, 3600),
    reapIntervalSeconds: integer(env, 'ROSTER_REAP_INTERVAL_SECONDS', 30, 1, 3600),
    logLevel: logLevel as ServiceConfig['logLevel'],
    trustProxy: flag(env, 'ROSTER_TRUST_PROXY', false),
    secureCookies: flag(env, 'ROSTER_SECURE_COOKIES', !loopback),
  };
}

/**
 * ROSTER_SECRET, or on the embedded database a secret generated once and kept in the data folder
 * (a single machine needs nothing set). Servers sharing a PostgreSQL database must share it, so
 * there it must be set.
 */
function secretOf(env: NodeJS.ProcessEnv, base: Config): string {
  const given = text(env.ROSTER_SECRET);
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new RosterError(
        'CONFIG_INVALID',
        `ROSTER_SECRET must be at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    return given;
  }
  if (base.databaseUrl !== undefined) {
    throw new RosterError(
      'CONFIG_INVALID',
      'ROSTER_SECRET must be set when DATABASE_URL is (every server and worker needs the same one); e.g. ROSTER_SECRET=$(openssl rand -hex 32)',
    );
  }
  const file = join(base.dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(base.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = text(env[name]);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new RosterError(
      'CONFIG_INVALID',
      `${name} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = text(env[name])?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new RosterError('CONFIG_INVALID', `${name} must be true or false, got "${value}"`);
}
