/**
 * What the import engine needs beyond the initial schema (issue 3):
 * - imports: who started it, the segment it fills, the counters the summary shows, issue counts by
 *   code, and the outcome of a rollback.
 * - segments.import_id: the import that created the segment, so its rollback can delete it.
 * - import_events.undone: how rollback dealt with each event. Rollback marks events as it goes,
 *   in the same transaction as the change, so an interrupted rollback resumes where it stopped
 *   and a second rollback finds nothing left to do.
 * - roster_name_key() and two "blocking" indexes for possible duplicates: candidates share the
 *   first initial and either the last name or the company; pg_trgm similarity() then ranks them.
 *   Not a trigram index with the % operator: on PGlite 0.5 that operator never returns (seen
 *   here with and without an index), and a btree look-up per row is cheaper to maintain.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS: readonly string[] = [
  `alter table imports
    add column actor text,
    add column segment_id uuid,
    add column rows_duplicate_in_file integer not null default 0,
    add column possible_duplicates integer not null default 0,
    add column issue_counts jsonb not null default '{}',
    add column rollback jsonb`,
  `alter table segments add column import_id uuid`,
  `alter table import_events
    add column undone text,
    add column undone_at timestamptz,
    add constraint import_events_undone_check check (undone in ('reverted', 'conflict', 'gone'))`,
  // Rollback walks an import's events contact by contact.
  `create index import_events_import_contact_idx
    on import_events (tenant_id, import_id, contact_id, seq)`,
  `create index import_issues_row_idx on import_issues (tenant_id, import_id, row_number)`,
  `create function roster_name_key(first_name text, last_name text, company text) returns text
    language sql immutable parallel safe
    return lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
      coalesce(company, ''))`,
  `create index contacts_last_name_block_idx
    on contacts (tenant_id, lower(last_name), lower(left(first_name, 1)))`,
  `create index contacts_company_block_idx
    on contacts (tenant_id, lower(company), lower(left(first_name, 1)))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drops = [
    `drop index if exists contacts_last_name_block_idx`,
    `drop index if exists contacts_company_block_idx`,
    `drop function if exists roster_name_key(text, text, text)`,
    `drop index if exists import_issues_row_idx`,
    `drop index if exists import_events_import_contact_idx`,
    `alter table import_events drop column undone, drop column undone_at`,
    `alter table segments drop column import_id`,
    `alter table imports drop column actor, drop column segment_id,
      drop column rows_duplicate_in_file, drop column possible_duplicates,
      drop column issue_counts, drop column rollback`,
  ];
  for (const statement of drops) await sql.raw(statement).execute(db);
}
