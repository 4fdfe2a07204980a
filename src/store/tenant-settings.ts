/**
 * The import settings a tenant chooses once for all its imports (tenants.settings jsonb).
 */
import type { Kysely } from 'kysely';
import { MATCH_KEYS, type MatchKeys } from '../core/dedupe/index.ts';
import { RosterError } from '../core/errors.ts';
import type { Database, JsonObject } from './schema.ts';

export interface TenantImportSettings {
  /** How contacts are recognised as the same person. Default `email`. */
  matchKeys: MatchKeys;
  /** Country for national phone numbers when an import does not say. */
  defaultCountry: string | null;
  /**
   * Whether an import may create custom fields for columns like `custom_industry` (default true,
   * as in the PenguinMails spec; false as in the VeloConnect guide: such columns must be mapped
   * to existing fields or skipped).
   */
  allowNewCustomFields: boolean;
}

/**
 * Reads a tenant's settings with defaults for what is not set. Throws RosterError('CONFIG_INVALID')
 * for a stored value of the wrong kind rather than guessing.
 *
 * @example
 * const s = await tenantImportSettings(db, tenantId); // { matchKeys: 'email', ... }
 */
export async function tenantImportSettings(
  db: Kysely<Database>,
  tenantId: string,
): Promise<TenantImportSettings> {
  return parseTenantSettings(await storedSettings(db, tenantId));
}

async function storedSettings(db: Kysely<Database>, tenantId: string): Promise<JsonObject> {
  const row = await db
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return row.settings;
}

/** Validates settings JSON (also used when they are changed). */
export function parseTenantSettings(settings: JsonObject): TenantImportSettings {
  const matchKeys = settings['matchKeys'] ?? 'email';
  if (typeof matchKeys !== 'string' || !MATCH_KEYS.includes(matchKeys as MatchKeys)) {
    throw new RosterError(
      'CONFIG_INVALID',
      `Tenant setting matchKeys must be one of ${MATCH_KEYS.join(', ')}`,
    );
  }
  const country = settings['defaultCountry'] ?? null;
  if (country !== null && (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))) {
    throw new RosterError(
      'CONFIG_INVALID',
      'Tenant setting defaultCountry must be a two-letter country code',
    );
  }
  const allow = settings['allowNewCustomFields'] ?? true;
  if (typeof allow !== 'boolean') {
    throw new RosterError(
      'CONFIG_INVALID',
      'Tenant setting allowNewCustomFields must be true or false',
    );
  }
  return {
    matchKeys: matchKeys as MatchKeys,
    defaultCountry: country,
    allowNewCustomFields: allow,
  };
}

/**
 * Changes some settings of a tenant (validated), keeping the others.
 *
 * @example
 * await updateTenantSettings(db, tenantId, { matchKeys: 'phone_then_email' });
 */
export async function updateTenantSettings(
  db: Kysely<Database>,
  tenantId: string,
  patch: JsonObject,
): Promise<TenantImportSettings> {
  const next = { ...(await storedSettings(db, tenantId)), ...patch };
  const parsed = parseTenantSettings(next);
  parseTenantLimits(next);
  await db
    .updateTable('tenants')
    .set({ settings: JSON.stringify(next), updated_at: new Date() })
    .where('id', '=', tenantId)
    .execute();
  return parsed;
}

/** A tenant's limits on imports (the VeloConnect guide caps rows at 50,000; ours are higher). */
export interface TenantLimits {
  /** Largest upload in bytes; null: only the server-wide limit applies. */
  maxUploadBytes: number | null;
  /** Data rows one import may have. */
  maxRowsPerImport: number;
  /** Imports queued or running at once. */
  maxConcurrentImports: number;
}

export const DEFAULT_TENANT_LIMITS: Readonly<TenantLimits> = {
  maxUploadBytes: null,
  maxRowsPerImport: 10_000_000,
  maxConcurrentImports: 3,
};

/**
 * Reads a tenant's limits with defaults for what is not set.
 *
 * @example
 * const { maxConcurrentImports } = await tenantLimits(db, tenantId); // 3 unless set
 */
export async function tenantLimits(db: Kysely<Database>, tenantId: string): Promise<TenantLimits> {
  return parseTenantLimits(await storedSettings(db, tenantId));
}

/** Validates the limit settings (positive whole numbers; maxUploadBytes may be null). */
export function parseTenantLimits(settings: JsonObject): TenantLimits {
  const limit = (name: keyof TenantLimits, nullable: boolean): number | null => {
    const value = settings[name] ?? (nullable ? null : DEFAULT_TENANT_LIMITS[name]);
    if (value === null && nullable) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new RosterError(
        'CONFIG_INVALID',
        `Tenant setting ${name} must be a positive whole number`,
      );
    }
    return value;
  };
  return {
    maxUploadBytes: limit('maxUploadBytes', true),
    maxRowsPerImport: limit('maxRowsPerImport', false) ?? DEFAULT_TENANT_LIMITS.maxRowsPerImport,
    maxConcurrentImports:
      limit('maxConcurrentImports', false) ?? DEFAULT_TENANT_LIMITS.maxConcurrentImports,
  };
}
