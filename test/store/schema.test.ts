import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { STANDARD_FIELDS } from '../../src/core/model/fields.ts';
import type { Database } from '../../src/store/schema.ts';
import { ensureDefaultTenant } from '../../src/store/tenants.ts';
import { describeEachBackend } from '../support/backends.ts';

/**
 * Every column of every table, written against the Kysely types: TypeScript rejects a missing or
 * unknown key here, and the test below compares the lists with the real database, so schema.ts
 * and the migrations cannot drift apart.
 */
const COLUMNS: { [T in keyof Database]: Record<keyof Database[T], true> } = {
  tenants: { id: true, name: true, settings: true, created_at: true, updated_at: true },
  users: {
    tenant_id: true,
    id: true,
    email: true,
    name: true,
    role: true,
    password_hash: true,
    created_at: true,
    updated_at: true,
    disabled_at: true,
  },
  api_keys: {
    tenant_id: true,
    id: true,
    user_id: true,
    name: true,
    key_prefix: true,
    key_hash: true,
    scopes: true,
    created_at: true,
    last_used_at: true,
    expires_at: true,
    revoked_at: true,
  },
  contacts: {
    tenant_id: true,
    id: true,
    email: true,
    email_additional: true,
    first_name: true,
    middle_name: true,
    last_name: true,
    company: true,
    job_title: true,
    department: true,
    phone: true,
    phone_additional: true,
    website: true,
    linkedin_url: true,
    street: true,
    street2: true,
    city: true,
    region: true,
    postal_code: true,
    country: true,
    tags: true,
    lead_score: true,
    lifecycle_stage: true,
    birthday: true,
    language: true,
    notes: true,
    external_id: true,
    email_consent_status: true,
    email_consent_at: true,
    email_consent_source: true,
    sms_consent_status: true,
    sms_consent_at: true,
    sms_consent_source: true,
    bounced: true,
    source: true,
    owner: true,
    last_activity_at: true,
    emails_sent: true,
    emails_opened: true,
    emails_clicked: true,
    last_opened_at: true,
    custom: true,
    version: true,
    created_at: true,
    updated_at: true,
  },
  custom_fields: {
    tenant_id: true,
    id: true,
    key: true,
    label: true,
    type: true,
    options: true,
    required: true,
    min: true,
    max: true,
    max_length: true,
    position: true,
    created_at: true,
    updated_at: true,
  },
  segments: {
    tenant_id: true,
    id: true,
    name: true,
    description: true,
    filter: true,
    created_at: true,
    updated_at: true,
    import_id: true,
  },
  segment_members: {
    tenant_id: true,
    segment_id: true,
    contact_id: true,
    import_id: true,
    added_at: true,
  },
  imports: {
    tenant_id: true,
    id: true,
    file_name: true,
    file_size: true,
    file_sha256: true,
    file_format: true,
    storage_key: true,
    mapping: true,
    options: true,
    status: true,
    rows_total: true,
    rows_processed: true,
    rows_created: true,
    rows_updated: true,
    rows_unchanged: true,
    rows_skipped: true,
    rows_rejected: true,
    warnings: true,
    checkpoint: true,
    error: true,
    created_by: true,
    created_at: true,
    updated_at: true,
    started_at: true,
    finished_at: true,
    rolled_back_at: true,
    actor: true,
    segment_id: true,
    rows_duplicate_in_file: true,
    possible_duplicates: true,
    issue_counts: true,
    rollback: true,
    upload_id: true,
    lease_owner: true,
    lease_expires_at: true,
    heartbeat_at: true,
  },
  import_events: {
    tenant_id: true,
    import_id: true,
    seq: true,
    row_number: true,
    contact_id: true,
    kind: true,
    before: true,
    after: true,
    contact_version: true,
    created_at: true,
    undone: true,
    undone_at: true,
  },
  import_issues: {
    tenant_id: true,
    import_id: true,
    id: true,
    row_number: true,
    column_name: true,
    column_index: true,
    field: true,
    value: true,
    code: true,
    severity: true,
    message: true,
  },
  exports: {
    tenant_id: true,
    id: true,
    format: true,
    filter: true,
    segment_id: true,
    fields: true,
    options: true,
    status: true,
    row_count: true,
    file_name: true,
    file_size: true,
    storage_key: true,
    error: true,
    created_by: true,
    created_at: true,
    started_at: true,
    finished_at: true,
    expires_at: true,
    lease_owner: true,
    lease_expires_at: true,
    heartbeat_at: true,
  },
  mapping_presets: {
    tenant_id: true,
    fingerprint: true,
    header: true,
    mapping: true,
    transforms: true,
    created_at: true,
    updated_at: true,
  },
  audit_events: {
    tenant_id: true,
    id: true,
    actor_type: true,
    actor_id: true,
    action: true,
    target_type: true,
    target_id: true,
    details: true,
    created_at: true,
  },
  sessions: {
    tenant_id: true,
    id: true,
    user_id: true,
    secret_hash: true,
    created_at: true,
    last_seen_at: true,
    expires_at: true,
  },
  uploads: {
    tenant_id: true,
    id: true,
    file_name: true,
    content_type: true,
    file_size: true,
    file_sha256: true,
    storage_key: true,
    created_by: true,
    created_at: true,
  },
  notifications: {
    tenant_id: true,
    id: true,
    user_id: true,
    kind: true,
    level: true,
    title: true,
    body: true,
    target_type: true,
    target_id: true,
    created_at: true,
    read_at: true,
  },
  idempotency_keys: {
    tenant_id: true,
    key: true,
    request_sha256: true,
    status_code: true,
    response: true,
    created_at: true,
  },
};

interface IndexRow {
  table_name: string;
  index_name: string;
  is_primary: boolean;
  /** First key column; null when the index starts with an expression. */
  first_column: string | null;
  definition: string;
}

async function listIndexes(db: Kysely<Database>): Promise<IndexRow[]> {
  const { rows } = await sql<IndexRow>`
    select t.relname as table_name,
           i.relname as index_name,
           x.indisprimary as is_primary,
           a.attname as first_column,
           pg_get_indexdef(x.indexrelid) as definition
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    -- indkey[0] is 0 when the first key is an expression: no attribute, first_column null.
    left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
    where n.nspname = 'public' and t.relname not like 'kysely_%'
    order by 1, 2`.execute(db);
  return rows;
}

/** Definitions of the indexes that break the rule. */
function offenders(rows: IndexRow[]): string[] {
  return rows
    .filter((r) => r.table_name !== 'tenants' && r.first_column !== 'tenant_id')
    .map((r) => r.definition);
}

describeEachBackend('schema', (getDb) => {
  it('has exactly the tables and columns of schema.ts', async () => {
    const rows = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_%'
      order by table_name, column_name`.execute(getDb());
    const actual: Record<string, string[]> = {};
    for (const r of rows.rows) (actual[r.table_name] ??= []).push(r.column_name);
    const expected = Object.fromEntries(
      Object.entries(COLUMNS)
        .map(([table, cols]) => [table, Object.keys(cols).sort()] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    expect(actual).toEqual(expected);
  });

  it('puts tenant_id first in every primary key and every index (tenants excepted)', async () => {
    const rows = await listIndexes(getDb());
    const tables = new Set(rows.map((r) => r.table_name));
    // Every table of the model has indexes (at least its primary key) and shows up here.
    expect([...tables].sort()).toEqual(Object.keys(COLUMNS).sort());
    for (const table of tables) {
      expect(
        rows.filter((r) => r.table_name === table && r.is_primary),
        table,
      ).toHaveLength(1);
    }
    expect(offenders(rows)).toEqual([]);
    // Expression indexes count too: lower(email) is the second key, tenant_id the first.
    expect(rows.find((r) => r.index_name === 'contacts_email_idx')?.first_column).toBe('tenant_id');
  });

  it('the tenant_id check catches an index that does not lead with tenant_id', async () => {
    const undo = new Error('undo');
    await expect(
      getDb()
        .transaction()
        .execute(async (trx) => {
          await sql`create index bad_email_idx on contacts (lower(email), tenant_id)`.execute(trx);
          await sql`create index bad_tags_idx on segments (name)`.execute(trx);
          expect(offenders(await listIndexes(trx))).toEqual([
            expect.stringContaining('bad_email_idx'),
            expect.stringContaining('bad_tags_idx'),
          ]);
          throw undo;
        }),
    ).rejects.toBe(undo);
  });

  it('references between tenant tables carry tenant_id', async () => {
    const { rows } = await sql<{ name: string; definition: string }>`
      select c.conname as name, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c join pg_class t on t.oid = c.conrelid
      join pg_namespace n on n.oid = t.relnamespace
      where c.contype = 'f' and n.nspname = 'public' and t.relname not like 'kysely_%'`.execute(
      getDb(),
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const fk of rows) {
      const local = /^FOREIGN KEY \(([^)]*)\) REFERENCES (\w+)\(([^)]*)\)/.exec(fk.definition);
      expect(local, fk.definition).not.toBeNull();
      const [, from, target, to] = local!;
      if (target === 'tenants') expect(`${from} -> ${to}`).toBe('tenant_id -> id');
      else expect(from!.split(', ')[0], fk.definition).toBe('tenant_id');
      if (target !== 'tenants') expect(to!.split(', ')[0], fk.definition).toBe('tenant_id');
    }
  });

  it('has a contacts column for every stored standard field', () => {
    const consent = new Set(['email_opt_in', 'sms_opt_in']);
    const missing = STANDARD_FIELDS.filter(
      (f) => !f.virtual && !consent.has(f.key) && !(f.key in COLUMNS.contacts),
    ).map((f) => f.key);
    expect(missing).toEqual([]);
    for (const channel of ['email', 'sms']) {
      for (const part of ['status', 'at', 'source']) {
        expect(COLUMNS.contacts).toHaveProperty(`${channel}_consent_${part}`);
      }
    }
  });

  it('stores multi-value standard fields as text[]', async () => {
    const multi = STANDARD_FIELDS.filter((f) => f.multi).map((f) => f.key);
    const { rows } = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns
      where table_schema = 'public' and table_name = 'contacts'`.execute(getDb());
    const types = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    for (const key of multi) expect(types[key], key).toBe('ARRAY');
  });

  it('reads values the same way on both backends', async () => {
    const db = getDb();
    const tenant = await ensureDefaultTenant(db);
    const contact = await db
      .insertInto('contacts')
      .values({
        tenant_id: tenant.id,
        email: 'ada@example.com',
        tags: ['vip', 'a,b', '"quoted"', 'NULL'],
        birthday: '1990-04-01',
        lead_score: 87,
        email_consent_at: new Date('2025-10-15T14:30:00Z'),
        custom: JSON.stringify({ industry: 'SaaS', sizes: [1, 2] }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(contact.tags).toEqual(['vip', 'a,b', '"quoted"', 'NULL']);
    expect(contact.birthday).toBe('1990-04-01');
    expect(contact.lead_score).toBe(87);
    expect(contact.email_consent_at).toEqual(new Date('2025-10-15T14:30:00Z'));
    expect(contact.created_at).toBeInstanceOf(Date);
    expect(contact.custom).toEqual({ industry: 'SaaS', sizes: [1, 2] });
    expect(contact.email_additional).toEqual([]);
    expect(contact.email_consent_status).toBe('unknown');
    expect(contact.version).toBe(1);
    expect(contact.id).toMatch(/^[0-9a-f-]{36}$/);

    const counts = await sql<{ n: number; big: number; num: string }>`
      select count(*) as n, 9007199254740991::bigint as big, 1.50::numeric as num`.execute(db);
    expect(counts.rows[0]).toEqual({ n: expect.any(Number), big: 9007199254740991, num: '1.50' });
    await expect(sql`select 9007199254740993::bigint as big`.execute(db)).rejects.toThrow(
      /safe integer/,
    );
  });

  it('rejects a consent status outside the vocabulary', async () => {
    const tenant = await ensureDefaultTenant(getDb());
    await expect(
      getDb()
        .insertInto('contacts')
        .values({ tenant_id: tenant.id, email_consent_status: 'maybe' as 'unknown' })
        .execute(),
    ).rejects.toMatchObject({ code: '23514' });
  });
});
