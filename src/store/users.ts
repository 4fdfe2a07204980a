/**
 * Users of a tenant: sign-in by email and password. Emails are unique per tenant regardless of
 * case (the users_email_key index is on lower(email)); the address is kept as it was typed.
 *
 * Password hashes never leave this module: every function returns `User`, which has no hash.
 */
import { sql, type Kysely } from 'kysely';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/password.ts';
import { isUuid, randomSecret } from '../auth/tokens.ts';
import { RosterError } from '../core/errors.ts';
import { SQLSTATE, hasSqlState } from './pg-errors.ts';
import { announceRevocation } from './revocations.ts';
import type { Database, UserRole } from './schema.ts';
import { DEFAULT_TENANT_NAME, ensureDefaultTenant } from './tenants.ts';

/** Roles an account can be given (the table also allows 'viewer', not used yet). */
export type AccountRole = 'admin' | 'member';
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'member'];

export interface User {
  tenantId: string;
  id: string;
  email: string;
  name: string | null;
  /** 'viewer' only for rows written by other means: accounts are created admin or member. */
  role: UserRole;
  hasPassword: boolean;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface NewUser {
  email: string;
  name?: string | null;
  role?: AccountRole;
  /** Without one the user cannot sign in with a password until `setPassword`. */
  password?: string;
}

const USER_COLUMNS = [
  'tenant_id',
  'id',
  'email',
  'name',
  'role',
  'password_hash',
  'created_at',
  'disabled_at',
] as const;

type UserRow = {
  tenant_id: string;
  id: string;
  email: string;
  name: string | null;
  role: UserRole;
  password_hash: string | null;
  created_at: Date;
  disabled_at: Date | null;
};

/**
 * Throws RosterError('OPTION_INVALID') unless `role` is an account role.
 *
 * @example
 * const role = parseRole(flags.role ?? 'member');
 */
export function parseRole(role: string): AccountRole {
  if (role === 'admin' || role === 'member') return role;
  throw new RosterError('OPTION_INVALID', `A role is "admin" or "member", not "${role}"`, {
    role,
  });
}

/**
 * Creates a user. Throws RosterError('CONFLICT') when the tenant has a user with this email in
 * any case, 'PASSWORD_WEAK' for a password below the policy, 'OPTION_INVALID' for an email
 * without an @ or an unknown role.
 *
 * @example
 * const ann = await createUser(db, tenantId, { email: 'ann@example.com', role: 'admin', password });
 */
export async function createUser(
  db: Kysely<Database>,
  tenantId: string,
  user: NewUser,
): Promise<User> {
  const email = normalizeEmail(user.email);
  const role = parseRole(user.role ?? 'member');
  // Checked before any work, so a weak password never leaves a user behind.
  if (user.password !== undefined) checkPasswordPolicy(user.password);
  const passwordHash = user.password === undefined ? null : await hashPassword(user.password);
  try {
    const row = await db
      .insertInto('users')
      .values({
        tenant_id: tenantId,
        email,
        name: user.name?.trim() || null,
        role,
        password_hash: passwordHash,
      })
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
    return toUser(row);
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) {
      throw new RosterError('CONFLICT', `A user with the email "${email}" already exists`, {
        email,
      });
    }
    throw err;
  }
}

/**
 * The tenant's users, by email.
 *
 * @example
 * const users = await listUsers(db, tenantId);
 */
export async function listUsers(db: Kysely<Database>, tenantId: string): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .orderBy(sql`lower(email)`)
    .execute();
  return rows.map(toUser);
}

/**
 * The user with this id in this tenant, if any.
 *
 * @example
 * const user = await findUser(db, tenantId, userId);
 */
export async function findUser(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
): Promise<User | undefined> {
  if (!isUuid(userId)) return undefined;
  const row = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row && toUser(row);
}

/**
 * The user with this email (any case) in this tenant, if any.
 *
 * @example
 * const ann = await findUserByEmail(db, tenantId, 'Ann@Example.com');
 */
export async function findUserByEmail(
  db: Kysely<Database>,
  tenantId: string,
  email: string,
): Promise<User | undefined> {
  const row = await findRowByEmail(db, tenantId, email);
  return row && toUser(row);
}

/**
 * Checks a sign-in. `tenant` is the tenant's name or id. Returns the user, or null for an unknown
 * tenant or email, a wrong password, a user without a password or a disabled user: always after
 * one password hash, so the time taken does not tell which.
 *
 * @example
 * const user = await verifyLogin(db, 'default', 'admin@localhost', password);
 * if (!user) reply.code(401);
 */
export async function verifyLogin(
  db: Kysely<Database>,
  tenant: string,
  email: string,
  password: string,
): Promise<User | null> {
  const tenantRow = await db
    .selectFrom('tenants')
    .select('id')
    .where((eb) =>
      isUuid(tenant)
        ? eb.or([eb('name', '=', tenant), eb('id', '=', tenant)])
        : eb('name', '=', tenant),
    )
    .executeTakeFirst();
  const row = tenantRow && (await findRowByEmail(db, tenantRow.id, email));
  const ok = await verifyPassword(row?.password_hash ?? null, password);
  if (!row || !ok || row.disabled_at !== null) return null;
  return toUser(row);
}

/**
 * Sets (or replaces) a user's password. Throws 'PASSWORD_WEAK' below the policy and 'NOT_FOUND'
 * for an unknown user. Sessions are left alone: call `deleteUserSessions` to sign out elsewhere.
 *
 * @example
 * await setPassword(db, tenantId, user.id, 'a much longer passphrase');
 */
export async function setPassword(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
  password: string,
): Promise<void> {
  const passwordHash = await hashPassword(password);
  const result = isUuid(userId)
    ? await db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: sql<Date>`now()` })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', userId)
        .executeTakeFirst()
    : undefined;
  if (!result || result.numUpdatedRows === 0n) {
    throw new RosterError('NOT_FOUND', `No user ${userId}`, { userId });
  }
}

/**
 * Disables a user: no more sign-ins, API keys or sessions for them (their sessions are deleted).
 * Disabling a disabled user keeps the first date. Throws 'NOT_FOUND' for an unknown user.
 *
 * @example
 * const user = await disableUser(db, tenantId, userId);
 */
export async function disableUser(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
): Promise<User> {
  const inTransaction = async (trx: Kysely<Database>): Promise<User> => {
    const row = isUuid(userId)
      ? await trx
          .updateTable('users')
          .set({
            disabled_at: sql<Date>`coalesce(disabled_at, now())`,
            updated_at: sql<Date>`now()`,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', userId)
          .returning(USER_COLUMNS)
          .executeTakeFirst()
      : undefined;
    if (!row) throw new RosterError('NOT_FOUND', `No user ${userId}`, { userId });
    await trx
      .deleteFrom('sessions')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
    return toUser(row);
  };
  // The caller's transaction when there is one (Kysely cannot nest them).
  const user = await (db.isTransaction
    ? inTransaction(db)
    : db.transaction().execute(inTransaction));
  announceRevocation({ tenantId, userId: user.id });
  return user;
}

export interface FirstAdmin {
  tenant: string;
  email: string;
  /** The password to sign in with: print it once, it is stored only as a hash. */
  password: string;
  /** True when the password was generated (not taken from ROSTER_ADMIN_PASSWORD). */
  generated: boolean;
}

/**
 * On a first start: when the default tenant has no users, creates an admin,
 * `ROSTER_ADMIN_EMAIL` (default admin@localhost) with `ROSTER_ADMIN_PASSWORD` or a generated
 * password, and returns how to sign in. Returns null when the tenant has users already, also
 * when another process created the admin at the same moment.
 *
 * @example
 * const admin = await ensureFirstAdmin(db);
 * if (admin) log.info(`Sign in as ${admin.email} with password ${admin.password}`);
 */
export async function ensureFirstAdmin(
  db: Kysely<Database>,
  env: Record<string, string | undefined> = process.env,
): Promise<FirstAdmin | null> {
  const tenant = await ensureDefaultTenant(db);
  if (await hasUsers(db, tenant.id)) return null;
  const email = env.ROSTER_ADMIN_EMAIL?.trim() || 'admin@localhost';
  const given = env.ROSTER_ADMIN_PASSWORD;
  const password = given || randomSecret(18);
  try {
    await createUser(db, tenant.id, { email, name: 'Administrator', role: 'admin', password });
  } catch (err) {
    // Another process starting at the same time won the race: it prints the password.
    if (err instanceof RosterError && err.code === 'CONFLICT') return null;
    throw err;
  }
  return { tenant: DEFAULT_TENANT_NAME, email, password, generated: !given };
}

async function hasUsers(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

function findRowByEmail(
  db: Kysely<Database>,
  tenantId: string,
  email: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1 || /\s/.test(trimmed) || trimmed.length > 320) {
    throw new RosterError('OPTION_INVALID', `"${email}" is not an email address`, { email });
  }
  return trimmed;
}

function toUser(row: UserRow): User {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}
