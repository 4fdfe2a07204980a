/**
 * Row-level security: the database itself keeps tenants apart for work done on a tenant's
 * behalf (tenant-scope.ts), in case a query ever forgets its `tenant_id` condition.
 *
 * - Role `roster_tenant` (no login): requests switch to it. It may read and write the tenant
 *   tables and nothing else (not the migration tables, not pg-boss's schema).
 * - Every tenant table gets a policy for that role: only rows whose tenant is the session's
 *   `roster.tenant_id`, for reading and for writing (a row cannot be moved to or written for
 *   another tenant). Unset, it matches nothing.
 * - The connecting user owns the tables and is not subject to the policies (RLS is enabled, not
 *   forced): workers, the CLI and sign-in run as it.
 *
 * Roles belong to the whole server, not one database: the role is created when missing and left
 * in place on the way down, as other Roster databases on the same server may use it. Creating it
 * needs a user with CREATEROLE (or an operator creates it beforehand and grants it to Roster's
 * user). A table added by a later migration must be listed in TENANT_TABLES there too; a test
 * checks that every table with a tenant_id column has its policy.
 */
import { sql, type Kysely } from 'kysely';

/** Tables whose rows belong to one tenant, by their `tenant_id` column. */
export const TENANT_TABLES: readonly string[] = [
  'users',
  'api_keys',
  'contacts',
  'custom_fields',
  'segments',
  'segment_members',
  'imports',
  'import_events',
  'import_issues',
  'exports',
  'mapping_presets',
  'audit_events',
  'sessions',
  'uploads',
  'notifications',
  'idempotency_keys',
];

const ROLE = 'roster_tenant';
const CURRENT_TENANT = `nullif(current_setting('roster.tenant_id', true), '')::uuid`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    // Two databases migrating at once on one server race to create the role; either outcome is
    // the role existing.
    `do $$ begin
      if not exists (select from pg_roles where rolname = '${ROLE}') then
        create role ${ROLE} nologin;
      end if;
    exception when duplicate_object or unique_violation then null;
    end $$`,
    // SET ROLE needs membership; a superuser has it implicitly.
    `do $$ begin
      if not pg_has_role(current_user, '${ROLE}', 'MEMBER') then
        execute format('grant ${ROLE} to %I', current_user);
      end if;
    end $$`,
    `grant usage on schema public to ${ROLE}`,
    `grant select, update on tenants to ${ROLE}`,
    `alter table tenants enable row level security`,
    `create policy tenant_isolation on tenants to ${ROLE}
      using (id = ${CURRENT_TENANT})`,
    ...TENANT_TABLES.flatMap((table) => [
      `grant select, insert, update, delete on ${table} to ${ROLE}`,
      `alter table ${table} enable row level security`,
      `create policy tenant_isolation on ${table} to ${ROLE}
        using (tenant_id = ${CURRENT_TENANT})`,
    ]),
    `grant usage on all sequences in schema public to ${ROLE}`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    ...['tenants', ...TENANT_TABLES].flatMap((table) => [
      `drop policy if exists tenant_isolation on ${table}`,
      `alter table ${table} disable row level security`,
      `revoke all on ${table} from ${ROLE}`,
    ]),
    `revoke usage on all sequences in schema public from ${ROLE}`,
    `revoke usage on schema public from ${ROLE}`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}
