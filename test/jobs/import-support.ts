/**
 * Helpers for import tests: run an import of CSV text and read contacts back.
 */
import type { Kysely } from 'kysely';
import { bytesSource } from '../../src/core/model/byte-source.ts';
import { createImportJob } from '../../src/jobs/create-import.ts';
import type { ImportRequest } from '../../src/jobs/plan-import.ts';
import { dryRunImport, runImport, type ImportSummary } from '../../src/jobs/run-import.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTenant } from '../../src/store/tenants.ts';

let tenantSeq = 0;

/** A fresh tenant per test, so tests on one database do not see each other's contacts. */
export async function freshTenant(db: Kysely<Database>): Promise<string> {
  tenantSeq++;
  const t = await createTenant(db, `t${tenantSeq}-${Math.random().toString(36).slice(2, 8)}`);
  return t.id;
}

export async function importCsv(
  db: Kysely<Database>,
  tenantId: string,
  csv: string,
  request: ImportRequest = {},
  name = 'contacts.csv',
): Promise<ImportSummary> {
  const source = bytesSource(name, Buffer.from(csv));
  const { job } = await createImportJob(db, tenantId, source, `memory:${name}`, request, 'test');
  return runImport({ db, tenantId, source }, job.id);
}

export async function dryRunCsv(
  db: Kysely<Database>,
  tenantId: string,
  csv: string,
  request: ImportRequest = {},
): Promise<ImportSummary> {
  const source = bytesSource('contacts.csv', Buffer.from(csv));
  const { planImport } = await import('../../src/jobs/plan-import.ts');
  const { options } = await planImport(db, tenantId, source, request);
  return dryRunImport({ db, tenantId, source }, options);
}

export async function contactsOf(db: Kysely<Database>, tenantId: string) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('email')
    .execute();
}

/** The import's journal events in order. */
export async function eventsOf(db: Kysely<Database>, tenantId: string, importId: string) {
  return db
    .selectFrom('import_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .orderBy('seq')
    .execute();
}

/** The import's stored row issues, by row. */
export async function issuesOf(db: Kysely<Database>, tenantId: string, importId: string) {
  return db
    .selectFrom('import_issues')
    .select(['row_number', 'field', 'code', 'severity'])
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', importId)
    .orderBy('row_number')
    .orderBy('id')
    .execute();
}

/** The contact with this email (the first, when `create` made several). */
export async function contactByEmail(db: Kysely<Database>, tenantId: string, email: string) {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .orderBy('created_at')
    .executeTakeFirstOrThrow();
}
