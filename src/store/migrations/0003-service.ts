/**
 * What the HTTP service and its workers need (issue 5):
 * - sessions: cookie sign-in. The cookie carries tenant id, session id and a secret; only a hash
 *   of the secret is stored, so a leaked table does not sign anyone in.
 * - uploads: files received over HTTP and kept in object storage until an import uses them.
 * - imports/exports lease: the worker running a job holds a lease it renews while it works; a
 *   job whose lease ran out (its worker died) is taken over by another worker, which resumes it
 *   from its checkpoint. `heartbeat_at` is when the holder last renewed it.
 * - notifications: what the web app shows when an import or export finishes or fails.
 * - idempotency_keys: the response to an API import, replayed when a client retries it with the
 *   same Idempotency-Key.
 */
import { sql, type Kysely } from 'kysely';

const tenantColumn = 'tenant_id uuid not null references tenants (id) on delete cascade';

const STATEMENTS: readonly string[] = [
  `create table sessions (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    user_id uuid not null,
    secret_hash text not null,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at timestamptz not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
  )`,
  `create index sessions_user_idx on sessions (tenant_id, user_id)`,
  `create index sessions_expires_at_idx on sessions (tenant_id, expires_at)`,

  `create table uploads (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    file_name text not null,
    content_type text,
    file_size bigint not null,
    file_sha256 text not null,
    storage_key text not null,
    created_by uuid,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id)
  )`,
  `create index uploads_created_at_idx on uploads (tenant_id, created_at)`,

  `alter table imports
    add column upload_id uuid,
    add column lease_owner text,
    add column lease_expires_at timestamptz,
    add column heartbeat_at timestamptz`,
  `alter table exports
    add column lease_owner text,
    add column lease_expires_at timestamptz,
    add column heartbeat_at timestamptz`,

  `create table notifications (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    user_id uuid,
    kind text not null,
    level text not null default 'info',
    title text not null,
    body text,
    target_type text,
    target_id text,
    created_at timestamptz not null default now(),
    read_at timestamptz,
    primary key (tenant_id, id),
    constraint notifications_level_check check (level in ('info', 'success', 'warning', 'error'))
  )`,
  `create index notifications_created_at_idx on notifications (tenant_id, created_at)`,

  `create table idempotency_keys (
    ${tenantColumn},
    key text not null,
    request_sha256 text not null,
    status_code integer,
    response jsonb,
    created_at timestamptz not null default now(),
    primary key (tenant_id, key)
  )`,
  `create index idempotency_keys_created_at_idx on idempotency_keys (tenant_id, created_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drops = [
    `drop table if exists idempotency_keys`,
    `drop table if exists notifications`,
    `alter table exports drop column lease_owner, drop column lease_expires_at,
      drop column heartbeat_at`,
    `alter table imports drop column upload_id, drop column lease_owner,
      drop column lease_expires_at, drop column heartbeat_at`,
    `drop table if exists uploads`,
    `drop table if exists sessions`,
  ];
  for (const statement of drops) await sql.raw(statement).execute(db);
}
