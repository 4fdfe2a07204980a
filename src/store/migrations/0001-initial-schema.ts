/**
 * The whole data model of DESIGN.md.
 *
 * Rules kept by every table (checked by test/store/schema.test.ts):
 * - `tenant_id` is the first column of the primary key and of every index, unique or not, so a
 *   Citus cluster can distribute every table by tenant and every look-up stays on one shard.
 *   `tenants` itself is the exception: its key is the tenant id (a Citus reference table).
 * - References between tenant tables carry tenant_id as well ((tenant_id, x) → (tenant_id, id)),
 *   so a row can never point into another tenant.
 * - No row-level security yet; nothing here (no SECURITY DEFINER functions, no cross-tenant
 *   unique keys) stands in the way of adding it.
 *
 * Written out in full rather than generated from STANDARD_FIELDS: a migration must never change
 * after it has run. A test checks that contacts has a column for every standard field.
 */
import { sql, type Kysely } from 'kysely';

const tenantColumn = 'tenant_id uuid not null references tenants (id) on delete cascade';

const STATEMENTS: readonly string[] = [
  // Fuzzy duplicate detection (name + company) uses trigram similarity.
  `create extension if not exists pg_trgm`,

  `create table tenants (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    settings jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint tenants_name_key unique (name),
    constraint tenants_settings_object check (jsonb_typeof(settings) = 'object')
  )`,

  `create table users (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    email text not null,
    name text,
    role text not null default 'member',
    password_hash text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    disabled_at timestamptz,
    primary key (tenant_id, id),
    constraint users_role_check check (role in ('admin', 'member', 'viewer'))
  )`,
  `create unique index users_email_key on users (tenant_id, lower(email))`,

  // Only a hash of each key is stored. Authentication looks keys up by (tenant_id, key_hash),
  // so the key a client presents must name its tenant.
  `create table api_keys (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    user_id uuid,
    name text not null,
    key_prefix text not null,
    key_hash text not null,
    scopes text[] not null default '{}',
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
  )`,
  `create unique index api_keys_hash_key on api_keys (tenant_id, key_hash)`,

  // One column per standard field (src/core/model/fields.ts), except the virtual full_name and
  // the opt-in flags, which are stored as consent status/at/source per channel. No unique key
  // on email: the `create` duplicate strategy allows duplicates.
  `create table contacts (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    email text,
    email_additional text[] not null default '{}',
    first_name text,
    middle_name text,
    last_name text,
    company text,
    job_title text,
    department text,
    phone text,
    phone_additional text[] not null default '{}',
    website text,
    linkedin_url text,
    street text,
    street2 text,
    city text,
    region text,
    postal_code text,
    country text,
    tags text[] not null default '{}',
    lead_score integer,
    lifecycle_stage text,
    birthday date,
    language text,
    notes text,
    external_id text,
    email_consent_status text not null default 'unknown',
    email_consent_at timestamptz,
    email_consent_source text,
    sms_consent_status text not null default 'unknown',
    sms_consent_at timestamptz,
    sms_consent_source text,
    bounced boolean not null default false,
    source text,
    owner text,
    last_activity_at timestamptz,
    emails_sent integer not null default 0,
    emails_opened integer not null default 0,
    emails_clicked integer not null default 0,
    last_opened_at timestamptz,
    custom jsonb not null default '{}',
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    constraint contacts_email_consent_check
      check (email_consent_status in ('unknown', 'opted_in', 'opted_out')),
    constraint contacts_sms_consent_check
      check (sms_consent_status in ('unknown', 'opted_in', 'opted_out')),
    constraint contacts_custom_object check (jsonb_typeof(custom) = 'object')
  )`,
  `create index contacts_email_idx on contacts (tenant_id, lower(email))`,
  `create index contacts_phone_idx on contacts (tenant_id, phone)`,
  `create index contacts_external_id_idx on contacts (tenant_id, external_id)`,
  `create index contacts_created_at_idx on contacts (tenant_id, created_at)`,

  `create table custom_fields (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    key text not null,
    label text not null,
    type text not null,
    options text[],
    required boolean not null default false,
    min double precision,
    max double precision,
    max_length integer,
    position integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    constraint custom_fields_key_key unique (tenant_id, key),
    constraint custom_fields_key_check check (key ~ '^[a-z][a-z0-9_]*$'),
    constraint custom_fields_type_check
      check (type in ('text', 'number', 'date', 'boolean', 'select', 'multi_select'))
  )`,

  // filter is null for a static segment (explicit members) and filter-language text otherwise.
  `create table segments (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    name text not null,
    description text,
    filter text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    constraint segments_name_key unique (tenant_id, name)
  )`,

  `create table segment_members (
    tenant_id uuid not null,
    segment_id uuid not null,
    contact_id uuid not null,
    import_id uuid,
    added_at timestamptz not null default now(),
    primary key (tenant_id, segment_id, contact_id),
    foreign key (tenant_id, segment_id) references segments (tenant_id, id) on delete cascade,
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
  )`,
  `create index segment_members_contact_idx on segment_members (tenant_id, contact_id)`,

  `create table imports (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    file_name text not null,
    file_size bigint not null,
    file_sha256 text not null,
    file_format text not null,
    storage_key text not null,
    mapping jsonb,
    options jsonb not null default '{}',
    status text not null default 'uploaded',
    rows_total integer,
    rows_processed integer not null default 0,
    rows_created integer not null default 0,
    rows_updated integer not null default 0,
    rows_unchanged integer not null default 0,
    rows_skipped integer not null default 0,
    rows_rejected integer not null default 0,
    warnings integer not null default 0,
    checkpoint jsonb,
    error jsonb,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    rolled_back_at timestamptz,
    primary key (tenant_id, id),
    constraint imports_status_check check (status in (
      'uploaded', 'queued', 'running', 'completed', 'failed', 'cancelled',
      'rolling_back', 'rolled_back'
    ))
  )`,
  `create index imports_created_at_idx on imports (tenant_id, created_at)`,
  // "This file was imported before" is a look-up by content hash.
  `create index imports_sha256_idx on imports (tenant_id, file_sha256)`,

  // The journal that makes rollback exact: before/after hold the changed fields only, and
  // contact_version is the version this event wrote, so rollback can tell whether someone has
  // edited the contact since (and report a conflict instead of clobbering the edit).
  `create table import_events (
    tenant_id uuid not null,
    import_id uuid not null,
    seq integer not null,
    row_number integer,
    contact_id uuid not null,
    kind text not null,
    before jsonb,
    after jsonb not null,
    contact_version integer not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, import_id, seq),
    foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade,
    constraint import_events_kind_check check (kind in ('created', 'updated'))
  )`,
  `create index import_events_contact_idx on import_events (tenant_id, contact_id)`,

  // One row per RowIssue. "row" and "column" are SQL keywords, hence row_number/column_name.
  `create table import_issues (
    tenant_id uuid not null,
    import_id uuid not null,
    id bigint generated by default as identity,
    row_number integer,
    column_name text,
    column_index integer,
    field text,
    value text,
    code text not null,
    severity text not null,
    message text not null,
    primary key (tenant_id, import_id, id),
    foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade,
    constraint import_issues_severity_check check (severity in ('error', 'warning', 'info'))
  )`,
  `create index import_issues_code_idx on import_issues (tenant_id, import_id, code)`,

  `create table exports (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    format text not null,
    filter text,
    segment_id uuid,
    fields text[],
    options jsonb not null default '{}',
    status text not null default 'queued',
    row_count integer,
    file_name text,
    file_size bigint,
    storage_key text,
    error jsonb,
    created_by uuid,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    expires_at timestamptz,
    primary key (tenant_id, id),
    constraint exports_format_check check (format in ('csv', 'xlsx', 'json', 'ndjson')),
    constraint exports_status_check
      check (status in ('queued', 'running', 'completed', 'failed', 'expired'))
  )`,
  `create index exports_created_at_idx on exports (tenant_id, created_at)`,
  `create index exports_expires_at_idx on exports (tenant_id, expires_at)`,

  `create table mapping_presets (
    ${tenantColumn},
    fingerprint text not null,
    header jsonb not null,
    mapping jsonb not null,
    transforms jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, fingerprint)
  )`,

  `create table audit_events (
    ${tenantColumn},
    id uuid not null default gen_random_uuid(),
    actor_type text not null,
    actor_id text,
    action text not null,
    target_type text,
    target_id text,
    details jsonb not null default '{}',
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    constraint audit_events_actor_type_check
      check (actor_type in ('user', 'api_key', 'cli', 'system'))
  )`,
  `create index audit_events_created_at_idx on audit_events (tenant_id, created_at)`,
];

const DROPS = [
  'audit_events',
  'mapping_presets',
  'exports',
  'import_issues',
  'import_events',
  'imports',
  'segment_members',
  'segments',
  'custom_fields',
  'contacts',
  'api_keys',
  'users',
  'tenants',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per call: PGlite runs parameterised (extended protocol) queries, which take a
  // single statement each.
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of DROPS) await sql.raw(`drop table if exists ${table}`).execute(db);
}
