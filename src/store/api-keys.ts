/**
 * API keys for scripts: `rk_<tenant id without dashes>_<43 characters of base64url>` (32 random
 * bytes). The key names its tenant, so authentication looks it up by (tenant_id, key_hash), the
 * table's unique index; only the SHA-256 of the whole key is stored, and the key is shown once.
 *
 * A key's role is kept in `scopes` (`{admin}` or `{member}`). A key made for a user acts as that
 * user: never above the user's role, and not at all once the user is disabled.
 */
import { sql, type Kysely } from 'kysely';
import { isUuid, randomSecret, sha256Hex } from '../auth/tokens.ts';
import { RosterError } from '../core/errors.ts';
import { SQLSTATE, hasSqlState } from './pg-errors.ts';
import { announceRevocation } from './revocations.ts';
import type { Database } from './schema.ts';
import { findUser, parseRole, type AccountRole } from './users.ts';

/** Characters of the random part kept in clear, to tell a tenant's keys apart in lists. */
const PREFIX_LENGTH = 8;
const KEY_PATTERN = /^rk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKeyOptions {
  name: string;
  /** The user the key acts for; none for a key of the tenant itself. */
  userId?: string | null;
  role?: AccountRole;
  expiresAt?: Date | null;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The first characters of the key's random part. */
  prefix: string;
  role: AccountRole;
  userId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey extends ApiKeyInfo {
  tenantId: string;
  /** The key itself: show it once, it cannot be read back. */
  key: string;
}

export interface ApiKeyAuth {
  tenantId: string;
  apiKeyId: string;
  userId: string | null;
  role: AccountRole;
  /** When the key stops working by itself; null: never. */
  expiresAt: Date | null;
}

const INFO_COLUMNS = [
  'id',
  'name',
  'key_prefix',
  'scopes',
  'user_id',
  'created_at',
  'last_used_at',
  'expires_at',
  'revoked_at',
] as const;

type InfoRow = {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string[];
  user_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
};

/**
 * Creates a key and returns it with the key itself, the only time it can be seen. Throws
 * 'OPTION_INVALID' for a blank name or an admin key for a member, 'NOT_FOUND' for an unknown
 * user.
 *
 * @example
 * const { key } = await createApiKey(db, tenantId, { name: 'nightly sync', role: 'member' });
 */
export async function createApiKey(
  db: Kysely<Database>,
  tenantId: string,
  options: NewApiKeyOptions,
): Promise<NewApiKey> {
  const name = options.name.trim();
  if (name === '') throw new RosterError('OPTION_INVALID', 'An API key needs a name');
  const role = parseRole(options.role ?? 'member');
  const userId = options.userId ?? null;
  if (userId !== null) {
    const user = await findUser(db, tenantId, userId);
    if (!user) throw new RosterError('NOT_FOUND', `No user ${userId}`, { userId });
    if (role === 'admin' && user.role !== 'admin') {
      throw new RosterError(
        'OPTION_INVALID',
        `${user.email} is not an admin: their keys cannot be`,
      );
    }
  }
  const secret = randomSecret();
  const key = `rk_${tenantId.replaceAll('-', '').toLowerCase()}_${secret}`;
  try {
    const row = await db
      .insertInto('api_keys')
      .values({
        tenant_id: tenantId,
        user_id: userId,
        name,
        key_prefix: secret.slice(0, PREFIX_LENGTH),
        key_hash: sha256Hex(key),
        scopes: [role],
        expires_at: options.expiresAt ?? null,
      })
      .returning(INFO_COLUMNS)
      .executeTakeFirstOrThrow();
    return { ...toInfo(row), tenantId, key };
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.FOREIGN_KEY_VIOLATION)) {
      throw new RosterError('NOT_FOUND', `No tenant ${tenantId} or user ${userId}`, { tenantId });
    }
    throw err;
  }
}

/**
 * Who a presented key stands for, or null when it is malformed, unknown, revoked, expired, or
 * its user is disabled. Records the use (at most once a minute).
 *
 * @example
 * const auth = await authenticateApiKey(db, bearerToken);
 * if (!auth) return reply.code(401).send();
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  key: string,
): Promise<ApiKeyAuth | null> {
  const match = KEY_PATTERN.exec(key);
  const hex = match?.[1];
  if (!hex) return null;
  const tenantId = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
  const row = await db
    .selectFrom('api_keys as k')
    .leftJoin('users as u', (join) =>
      join.onRef('u.tenant_id', '=', 'k.tenant_id').onRef('u.id', '=', 'k.user_id'),
    )
    .select([
      'k.id',
      'k.user_id',
      'k.scopes',
      'k.expires_at',
      'u.role as user_role',
      'u.disabled_at as user_disabled_at',
      sql<boolean>`k.last_used_at is null or k.last_used_at < now() - interval '1 minute'`.as(
        'stale',
      ),
    ])
    .where('k.tenant_id', '=', tenantId)
    .where('k.key_hash', '=', sha256Hex(key))
    .where('k.revoked_at', 'is', null)
    .where((eb) =>
      eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', sql<Date>`now()`)]),
    )
    .executeTakeFirst();
  if (!row) return null;
  if (row.user_id !== null && (row.user_role === null || row.user_disabled_at !== null))
    return null;
  if (row.stale) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .execute();
  }
  const keyRole: AccountRole = row.scopes.includes('admin') ? 'admin' : 'member';
  const role: AccountRole = row.user_id !== null && row.user_role !== 'admin' ? 'member' : keyRole;
  return { tenantId, apiKeyId: row.id, userId: row.user_id, role, expiresAt: row.expires_at };
}

/**
 * The tenant's keys, newest first, without their hashes.
 *
 * @example
 * const keys = await listApiKeys(db, tenantId);
 */
export async function listApiKeys(db: Kysely<Database>, tenantId: string): Promise<ApiKeyInfo[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(INFO_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toInfo);
}

/**
 * Revokes a key: it stops working at once (in other processes within their credential cache's
 * few seconds: api/credential-cache.ts). Revoking it again keeps the first date. Throws
 * 'NOT_FOUND' when the tenant has no such key.
 *
 * @example
 * const revoked = await revokeApiKey(db, tenantId, keyId);
 */
export async function revokeApiKey(
  db: Kysely<Database>,
  tenantId: string,
  apiKeyId: string,
): Promise<ApiKeyInfo> {
  const row = isUuid(apiKeyId)
    ? await db
        .updateTable('api_keys')
        .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', apiKeyId)
        .returning(INFO_COLUMNS)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new RosterError('NOT_FOUND', `No API key ${apiKeyId}`, { apiKeyId });
  announceRevocation({ tenantId, apiKeyId: row.id });
  return toInfo(row);
}

function toInfo(row: InfoRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    role: row.scopes.includes('admin') ? 'admin' : 'member',
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}
