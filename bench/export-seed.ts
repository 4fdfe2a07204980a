/**
 * The database every measured run of the export benchmark starts from. It is the import
 * benchmark's seeded template (bench/import-seed.ts: `rows` contacts with name, company, phone,
 * two tags, city, country, lead score, created_at and two custom values) plus what an export has
 * to carry beyond that, so no column is trivially empty:
 *
 * - the custom fields `industry` and `plan` defined (select fields with their options), so the
 *   stored custom values become columns;
 * - consent on most contacts: email opted in (60%) or out (10%), SMS opted in (30%), each with
 *   its time and source;
 * - a static segment "Bench Segment" holding every tenth contact, and a saved-filter segment.
 *
 * Built once per size as its own template (PostgreSQL: a template database; PGlite: a data
 * directory) from the import template, then copied per run like the import benchmark's.
 */
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type OpenDatabase } from '../src/store/connection.ts';
import { createCustomField } from '../src/store/custom-fields.ts';
import { findTenantByName } from '../src/store/tenants.ts';
import { ensurePgTemplate, ensurePgliteTemplate } from './import-seed.ts';

/** Bump when the additions change, so an old template is not reused. */
const EXPORT_SEED_VERSION = 1;

/** The options of the seeded custom values (bench/import-data.ts INDUSTRY and PLAN). */
const INDUSTRIES = ['SaaS', 'Retail', 'Technology', 'Manufacturing', 'Finance', 'Healthcare'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];

/** Named after the import template it is built from, which carries the schema's hash. */
const templateName = (base: string): string => `${base}_export_v${EXPORT_SEED_VERSION}`;

async function addExportData(open: OpenDatabase): Promise<void> {
  const { db } = open;
  const tenant = await findTenantByName(db, 'default');
  if (!tenant) throw new Error('the import template has no default tenant');
  const tenantId = tenant.id;
  await createCustomField(db, tenantId, {
    key: 'industry',
    label: 'Industry',
    type: 'select',
    options: INDUSTRIES,
  });
  await createCustomField(db, tenantId, {
    key: 'plan',
    label: 'Plan',
    type: 'select',
    options: PLANS,
  });
  // Consent spread by a hash of the id, so the split is the same whatever the physical order.
  await sql`
    update contacts set
      email_consent_status = case
        when abs(hashtext(id::text)) % 10 < 6 then 'opted_in'
        when abs(hashtext(id::text)) % 10 = 6 then 'opted_out'
        else 'unknown' end,
      email_consent_at = case when abs(hashtext(id::text)) % 10 <= 6
        then timestamptz '2025-09-01T10:00:00Z' end,
      email_consent_source = case when abs(hashtext(id::text)) % 10 <= 6 then 'form:signup' end,
      sms_consent_status = case when abs(hashtext(id::text)) % 10 in (1, 4, 8)
        then 'opted_in' else 'unknown' end,
      sms_consent_at = case when abs(hashtext(id::text)) % 10 in (1, 4, 8)
        then timestamptz '2025-09-15T12:00:00Z' end,
      sms_consent_source = case when abs(hashtext(id::text)) % 10 in (1, 4, 8)
        then 'import:bench' end
    where tenant_id = ${tenantId}`.execute(db);
  const segment = await db
    .insertInto('segments')
    .values({ tenant_id: tenantId, name: 'Bench Segment', description: 'every tenth contact' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`
    insert into segment_members (tenant_id, segment_id, contact_id)
    select tenant_id, ${segment.id}, id from contacts
    where tenant_id = ${tenantId} and abs(hashtext(id::text)) % 10 = 3`.execute(db);
  await db
    .insertInto('segments')
    .values({ tenant_id: tenantId, name: 'High Score', filter: 'lead_score >= 90' })
    .execute();
  // The update left a dead version of every row behind: vacuum so the export reads a compact
  // table, as a long-lived database would have.
  await sql`vacuum full analyze contacts`.execute(db);
  await sql`vacuum analyze`.execute(db);
}

function urlOf(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Makes sure the export benchmark's PostgreSQL template of `rows` contacts exists (building the
 * import template first when needed); returns its name.
 *
 * @example
 * const template = await ensureExportPgTemplate('postgres://postgres@127.0.0.1:5432/postgres', 100_000);
 */
export async function ensureExportPgTemplate(adminUrl: string, rows: number): Promise<string> {
  const base = await ensurePgTemplate(adminUrl, rows);
  const name = templateName(base);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 1) return name;
    const building = `${name}_building`;
    await admin.query(`drop database if exists ${building}`);
    await admin.query(`create database ${building} template ${base}`);
    const open = await openDatabase({ databaseUrl: urlOf(adminUrl, building) });
    try {
      await addExportData(open);
    } finally {
      await open.close();
    }
    await admin.query(`alter database ${building} rename to ${name}`);
    return name;
  } finally {
    await admin.end();
  }
}

/**
 * Makes sure the export benchmark's PGlite template data directory exists; returns its path.
 *
 * @example
 * const dir = await ensureExportPgliteTemplate(250_000);
 */
export async function ensureExportPgliteTemplate(rows: number): Promise<string> {
  const base = await ensurePgliteTemplate(rows);
  const dir = join(dirname(base), templateName(basename(base)));
  if (existsSync(dir)) return dir;
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  cpSync(base, building, { recursive: true });
  const open = await openDatabase({ dataDir: building });
  try {
    await addExportData(open);
  } finally {
    await open.close();
  }
  renameSync(building, dir);
  return dir;
}
