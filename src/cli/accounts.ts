/**
 * Operator commands for accounts: `roster tenant create|list`,
 * `roster user create|list|disable|password`,
 * `roster api-key create|list|revoke`. Secrets (generated passwords, API keys) are printed once
 * and never again: only their hashes are stored. Creations and revocations leave an audit event
 * (actor 'cli') in the same transaction.
 */
import type { Command } from 'commander';
import type { Kysely, Transaction } from 'kysely';
import { randomSecret } from '../auth/tokens.ts';
import { RosterError } from '../core/errors.ts';
import { loadConfig } from '../config.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.ts';
import { openDatabase } from '../store/connection.ts';
import { migrateToLatest } from '../store/migrate.ts';
import type { Database, JsonObject } from '../store/schema.ts';
import { createTenant, listTenants } from '../store/tenants.ts';
import { deleteUserSessions } from '../store/sessions.ts';
import {
  createUser,
  disableUser,
  findUserByEmail,
  listUsers,
  parseRole,
  setPassword,
} from '../store/users.ts';
import { withTenant } from './tenant-context.ts';

interface JsonFlag {
  json?: boolean;
}
interface TenantFlag extends JsonFlag {
  tenant: string;
}
interface UserCreateFlags extends TenantFlag {
  email: string;
  name?: string;
  role: string;
  passwordStdin?: boolean;
}
interface ApiKeyCreateFlags extends TenantFlag {
  name: string;
  role: string;
  user?: string;
}

/** Registers `tenant`, `user` and `api-key` with their sub-commands. */
export function registerAccounts(program: Command): void {
  registerTenant(program);
  registerUser(program);
  registerApiKey(program);
}

function registerTenant(program: Command): void {
  const tenant = program.command('tenant').description('Create and list tenants');
  tenant
    .command('create <name>')
    .description('Create a tenant')
    .option('--json', 'print one JSON object')
    .action(async (name: string, flags: JsonFlag) => {
      const created = await withDatabase((db) =>
        db.transaction().execute(async (trx) => {
          const t = await createTenant(trx, name.trim());
          await audit(trx, t.id, 'tenant.create', 'tenant', t.id, { name: t.name });
          return t;
        }),
      );
      const out = { id: created.id, name: created.name, createdAt: created.created_at };
      print(flags, out, `Created tenant "${created.name}" (${created.id}).`);
    });
  tenant
    .command('list')
    .description('List tenants')
    .option('--json', 'print one JSON object')
    .action(async (flags: JsonFlag) => {
      const tenants = (await withDatabase(listTenants)).map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: t.created_at,
      }));
      print(flags, { tenants }, tenants.map((t) => `${t.name.padEnd(30)} ${t.id}`).join('\n'));
    });
}

function registerUser(program: Command): void {
  const user = program.command('user').description("Manage a tenant's users");
  user
    .command('create')
    .description('Create a user; without --password-stdin a password is generated and printed once')
    .requiredOption('--tenant <name>', 'tenant')
    .requiredOption('--email <email>', 'email address to sign in with')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'admin or member', 'member')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print one JSON object')
    .action(async (flags: UserCreateFlags) => {
      const role = parseRole(flags.role);
      const given = flags.passwordStdin ? await readPassword() : undefined;
      const password = given ?? randomSecret(18);
      const created = await withTenant(flags.tenant, ({ db, tenantId }) =>
        db.transaction().execute(async (trx) => {
          const u = await createUser(trx, tenantId, {
            email: flags.email,
            name: flags.name ?? null,
            role,
            password,
          });
          await audit(trx, tenantId, 'user.create', 'user', u.id, { email: u.email, role });
          return u;
        }),
      );
      const out = {
        id: created.id,
        tenant: flags.tenant,
        email: created.email,
        name: created.name,
        role: created.role,
        ...(given === undefined ? { password } : {}),
      };
      const text = [
        `Created ${created.role} ${created.email} in tenant "${flags.tenant}" (${created.id}).`,
        ...(given === undefined ? [`Password (shown once): ${password}`] : []),
      ].join('\n');
      print(flags, out, text);
    });
  user
    .command('list')
    .description("List a tenant's users")
    .requiredOption('--tenant <name>', 'tenant')
    .option('--json', 'print one JSON object')
    .action(async (flags: TenantFlag) => {
      const users = await withTenant(flags.tenant, ({ db, tenantId }) => listUsers(db, tenantId));
      const out = users.map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        hasPassword: u.hasPassword,
        createdAt: u.createdAt,
        disabledAt: u.disabledAt,
      }));
      const text = users
        .map((u) => `${u.email.padEnd(40)} ${u.role.padEnd(7)} ${u.disabledAt ? 'disabled' : ''}`)
        .join('\n');
      print(flags, { users: out }, text || 'No users yet.');
    });
  user
    .command('disable <email>')
    .description('Disable a user: no more sign-ins, sessions or API keys of theirs')
    .requiredOption('--tenant <name>', 'tenant')
    .option('--json', 'print one JSON object')
    .action(async (email: string, flags: TenantFlag) => {
      const disabled = await withTenant(flags.tenant, ({ db, tenantId }) =>
        db.transaction().execute(async (trx) => {
          const found = await findUserByEmail(trx, tenantId, email);
          if (!found) {
            throw new RosterError('NOT_FOUND', `No user ${email} in tenant "${flags.tenant}"`);
          }
          const u = await disableUser(trx, tenantId, found.id);
          await audit(trx, tenantId, 'user.disable', 'user', u.id, { email: u.email });
          return u;
        }),
      );
      const out = { id: disabled.id, email: disabled.email, disabledAt: disabled.disabledAt };
      print(flags, out, `Disabled ${disabled.email}.`);
    });
  user
    .command('password <email>')
    .description(
      'Set a new password (generated and printed once unless --password-stdin); signs the user out everywhere',
    )
    .requiredOption('--tenant <name>', 'tenant')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print one JSON object')
    .action(async (email: string, flags: TenantFlag & { passwordStdin?: boolean }) => {
      const given = flags.passwordStdin ? await readPassword() : undefined;
      const password = given ?? randomSecret(18);
      const changed = await withTenant(flags.tenant, ({ db, tenantId }) =>
        db.transaction().execute(async (trx) => {
          const found = await findUserByEmail(trx, tenantId, email);
          if (!found) {
            throw new RosterError('NOT_FOUND', `No user ${email} in tenant "${flags.tenant}"`);
          }
          await setPassword(trx, tenantId, found.id, password);
          await deleteUserSessions(trx, tenantId, found.id);
          await audit(trx, tenantId, 'user.password', 'user', found.id, { email: found.email });
          return found;
        }),
      );
      const out = {
        id: changed.id,
        email: changed.email,
        ...(given === undefined ? { password } : {}),
      };
      const text = [
        `New password set for ${changed.email}; their sessions are signed out.`,
        ...(given === undefined ? [`Password (shown once): ${password}`] : []),
      ].join('\n');
      print(flags, out, text);
    });
}

function registerApiKey(program: Command): void {
  const apiKey = program.command('api-key').description("Manage a tenant's API keys");
  apiKey
    .command('create')
    .description('Create an API key and print it once')
    .requiredOption('--tenant <name>', 'tenant')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--role <role>', 'admin or member', 'member')
    .option('--user <email>', 'the user the key acts for (default: the tenant itself)')
    .option('--json', 'print one JSON object')
    .action(async (flags: ApiKeyCreateFlags) => {
      const role = parseRole(flags.role);
      const created = await withTenant(flags.tenant, ({ db, tenantId }) =>
        db.transaction().execute(async (trx) => {
          let userId: string | null = null;
          if (flags.user !== undefined) {
            const found = await findUserByEmail(trx, tenantId, flags.user);
            if (!found) throw new RosterError('NOT_FOUND', `No user ${flags.user}`);
            userId = found.id;
          }
          const k = await createApiKey(trx, tenantId, { name: flags.name, role, userId });
          await audit(trx, tenantId, 'api_key.create', 'api_key', k.id, {
            name: k.name,
            role: k.role,
            prefix: k.prefix,
            userId,
          });
          return k;
        }),
      );
      const out = {
        id: created.id,
        key: created.key,
        prefix: created.prefix,
        tenant: flags.tenant,
        name: created.name,
        role: created.role,
      };
      const text = [
        `Created ${created.role} API key "${created.name}" (${created.id}). Shown once:`,
        created.key,
      ].join('\n');
      print(flags, out, text);
    });
  apiKey
    .command('list')
    .description("List a tenant's API keys (never the keys themselves)")
    .requiredOption('--tenant <name>', 'tenant')
    .option('--json', 'print one JSON object')
    .action(async (flags: TenantFlag) => {
      const keys = await withTenant(flags.tenant, ({ db, tenantId }) => listApiKeys(db, tenantId));
      const text = keys
        .map((k) => {
          const state = k.revokedAt ? 'revoked' : 'active';
          return `${k.id}  ${k.prefix}…  ${k.role.padEnd(7)} ${state.padEnd(8)} ${k.name}`;
        })
        .join('\n');
      print(flags, { apiKeys: keys }, text || 'No API keys yet.');
    });
  apiKey
    .command('revoke <id>')
    .description('Revoke an API key: it stops working at once')
    .requiredOption('--tenant <name>', 'tenant')
    .option('--json', 'print one JSON object')
    .action(async (id: string, flags: TenantFlag) => {
      const revoked = await withTenant(flags.tenant, ({ db, tenantId }) =>
        db.transaction().execute(async (trx) => {
          const k = await revokeApiKey(trx, tenantId, id);
          await audit(trx, tenantId, 'api_key.revoke', 'api_key', k.id, { name: k.name });
          return k;
        }),
      );
      const out = { id: revoked.id, name: revoked.name, revokedAt: revoked.revokedAt };
      print(flags, out, `Revoked API key "${revoked.name}" (${revoked.id}).`);
    });
}

/** Opens the configured database (migrated), runs `fn`, and closes it whatever happens. */
async function withDatabase<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const handle = await openDatabase(loadConfig());
  try {
    await migrateToLatest(handle.db);
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

async function audit(
  trx: Transaction<Database>,
  tenantId: string,
  action: string,
  targetType: string,
  targetId: string,
  details: JsonObject,
): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      tenant_id: tenantId,
      actor_type: 'cli',
      actor_id: null,
      action,
      target_type: targetType,
      target_id: targetId,
      details: JSON.stringify(details),
    })
    .execute();
}

/** The password on standard input, without the line break `echo` or a terminal adds. */
async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function print(flags: JsonFlag, json: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}
