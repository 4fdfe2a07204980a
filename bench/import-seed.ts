/**
 * The database every measured run of the import benchmark starts from: migrated, with
 * `existing` contacts in the default tenant, indexed and analysed. Built once as a template
 * (PostgreSQL: a template database; PGlite: a data directory) and copied for each run, so each
 * run gets a fresh database without seeding again.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type OpenDatabase } from '../src/store/connection.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { copyContacts } from './import-copy.ts';
import { existingRows } from './import-data.ts';

/** Bump when the seed changes, so an old template is not reused. */
const SEED_VERSION = 1;
const MIGRATIONS_DIR = 'src/store/migrations';

/** A short hash of the migrations' source: a template built on another schema is not reused. */
function schemaHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort())
    h.update(readFileSync(`${MIGRATIONS_DIR}/${f}`));
  return h.digest('hex').slice(0, 8);
}

async function seed(open: OpenDatabase, existing: number): Promise<void> {
  const { db, raw } = open;
  await migrateToLatest(db);
  const tenant = await db
    .selectFrom('tenants')
    .select('id')
    .where('name', '=', 'default')
    .executeTakeFirstOrThrow();
  // Loading without the secondary indexes and building them after is several times faster; the
  // definitions are read back from the catalogue, so they stay exactly the migrations' ones.
  const indexes = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where tablename = 'contacts' and indexname <> 'contacts_pkey'`.execute(db);
  for (const i of indexes.rows) await sql.raw(`drop index ${i.name}`).execute(db);
  await copyContacts(raw, tenant.id, existingRows(existing));
  for (const i of indexes.rows) await sql.raw(i.def).execute(db);
  await sql`vacuum analyze`.execute(db);
}

const templateName = (existing: number): string =>
  `roster_bench_tpl_${existing}_v${SEED_VERSION}_${schemaHash()}`;

function urlOf(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Makes sure the PostgreSQL template database exists; returns its name.
 *
 * @example
 * const template = await ensurePgTemplate('postgres://postgres@127.0.0.1:5432/postgres', 1_000_000);
 */
export async function ensurePgTemplate(adminUrl: string, existing: number): Promise<string> {
  const name = templateName(existing);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 1) return name;
    const building = `${name}_building`;
    await admin.query(`drop database if exists ${building}`);
    await admin.query(`create database ${building}`);
    const open = await openDatabase({ databaseUrl: urlOf(adminUrl, building) });
    try {
      await seed(open, existing);
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
 * A fresh database for one run, copied from the template; `drop` removes it.
 *
 * @example
 * const { url, drop } = await freshPgDatabase(adminUrl, template, 'roster_pg');
 */
export async function freshPgDatabase(
  adminUrl: string,
  template: string,
  run: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `roster_bench_${run.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlOf(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Makes sure the PGlite template data directory exists; returns its path.
 *
 * @example
 * const dir = await ensurePgliteTemplate(1_000_000);
 */
export async function ensurePgliteTemplate(existing: number): Promise<string> {
  const dir = `bench/data/pglite-${templateName(existing)}`;
  if (existsSync(dir)) return dir;
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  const open = await openDatabase({ dataDir: building });
  try {
    await seed(open, existing);
  } finally {
    await open.close();
  }
  renameSync(building, dir);
  return dir;
}

/**
 * A fresh PGlite data directory for one run, copied from the template; `drop` removes it.
 *
 * @example
 * const { dataDir, drop } = freshPgliteDir(templateDir);
 */
export function freshPgliteDir(template: string): { dataDir: string; drop: () => void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  cpSync(template, dataDir, { recursive: true });
  return { dataDir, drop: () => rmSync(dataDir, { recursive: true, force: true }) };
}
