/**
 * Cookie sessions of the web app. The cookie value is `<tenantId>.<sessionId>.<secret>`: it names
 * its tenant, so the look-up stays on the tenant's key, and only a SHA-256 of the secret is
 * stored, so a copy of the table signs nobody in.
 *
 * Expiry slides: each use moves `expires_at` to the session's time-to-live from now (recorded at
 * most once a minute, so a busy page does not write on every request).
 */
import { sql, type Kysely } from 'kysely';
import { isUuid, randomSecret, sameHash, sha256Hex } from '../auth/tokens.ts';
import { RosterError } from '../core/errors.ts';
import { announceRevocation } from './revocations.ts';
import type { Database, UserRole } from './schema.ts';

/** Default time-to-live of a session without use: 14 days. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

export interface NewSession {
  /** The cookie value; shown to the browser once, never stored. */
  cookie: string;
  sessionId: string;
  expiresAt: Date;
}

export interface SessionAuth {
  tenantId: string;
  userId: string;
  role: UserRole;
  sessionId: string;
  /** When the session ends without further use (after this request's slide). */
  expiresAt: Date;
}

/**
 * Opens a session for a user (after `verifyLogin`). `ttlMs` is how long it lasts without use.
 *
 * @example
 * const { cookie, expiresAt } = await createSession(db, user.tenantId, user.id);
 * reply.setCookie('roster_session', cookie, { httpOnly: true, expires: expiresAt });
 */
export async function createSession(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
  ttlMs: number = SESSION_TTL_MS,
): Promise<NewSession> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RosterError('OPTION_INVALID', 'A session needs a positive time-to-live', { ttlMs });
  }
  const secret = randomSecret();
  const row = await db
    .insertInto('sessions')
    .values({
      tenant_id: tenantId,
      user_id: userId,
      secret_hash: sha256Hex(secret),
      expires_at: sql<Date>`now() + make_interval(secs => ${ttlMs / 1000})`,
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return {
    cookie: `${tenantId}.${row.id}.${secret}`,
    sessionId: row.id,
    expiresAt: row.expires_at,
  };
}

/**
 * The session a cookie value stands for, or null when the value is malformed, unknown, expired,
 * has the wrong secret, or its user is disabled. Slides the expiry.
 *
 * @example
 * const auth = await authenticateSession(db, request.cookies.roster_session ?? '');
 * if (!auth) return reply.code(401).send();
 */
export async function authenticateSession(
  db: Kysely<Database>,
  cookie: string,
): Promise<SessionAuth | null> {
  const parts = cookie.split('.');
  if (parts.length !== 3) return null;
  const [tenantId = '', sessionId = '', secret = ''] = parts;
  if (!isUuid(tenantId) || !isUuid(sessionId) || secret === '') return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.tenant_id', '=', 's.tenant_id').onRef('u.id', '=', 's.user_id'),
    )
    .select([
      's.user_id',
      's.secret_hash',
      's.expires_at',
      'u.role',
      'u.disabled_at',
      sql<boolean>`s.last_seen_at < now() - interval '1 minute'`.as('stale'),
    ])
    .where('s.tenant_id', '=', tenantId)
    .where('s.id', '=', sessionId)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (!row || !sameHash(sha256Hex(secret), row.secret_hash) || row.disabled_at !== null) {
    return null;
  }
  let expiresAt = row.expires_at;
  if (row.stale) {
    // The window (expires_at - last_seen_at) is the session's time-to-live; keep it, moved to now.
    const slid = await db
      .updateTable('sessions')
      .set({
        expires_at: sql<Date>`now() + (expires_at - last_seen_at)`,
        last_seen_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .returning('expires_at')
      .executeTakeFirst();
    if (slid) expiresAt = slid.expires_at;
  }
  return { tenantId, userId: row.user_id, role: row.role, sessionId, expiresAt };
}

/**
 * Ends one session (sign-out). Returns false when there was no such session.
 *
 * @example
 * await deleteSession(db, auth.tenantId, auth.sessionId);
 */
export async function deleteSession(
  db: Kysely<Database>,
  tenantId: string,
  sessionId: string,
): Promise<boolean> {
  if (!isUuid(sessionId)) return false;
  const result = await db
    .deleteFrom('sessions')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sessionId)
    .executeTakeFirst();
  announceRevocation({ tenantId, sessionId });
  return result.numDeletedRows > 0n;
}

/**
 * Ends every session of a user (sign out everywhere, e.g. after a password change). Returns how
 * many there were.
 *
 * @example
 * await deleteUserSessions(db, tenantId, userId);
 */
export async function deleteUserSessions(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
): Promise<number> {
  if (!isUuid(userId)) return 0;
  const result = await db
    .deleteFrom('sessions')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  announceRevocation({ tenantId, userId });
  return Number(result.numDeletedRows);
}

/**
 * Removes expired sessions of every tenant (for the scheduled clean-up). Returns how many.
 *
 * @example
 * const removed = await deleteExpiredSessions(db);
 */
export async function deleteExpiredSessions(db: Kysely<Database>): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
