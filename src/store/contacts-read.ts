/**
 * Read-side helpers for the contacts API beyond the export pages: a contact's import history.
 */
import type { Kysely } from 'kysely';
import type { Database, ImportEventKind, ImportEventUndone } from './schema.ts';

export interface ContactImportEvent {
  importId: string;
  fileName: string;
  kind: ImportEventKind;
  /** The spreadsheet row the change came from. */
  row: number | null;
  /** Names of the fields the import set or changed. */
  fields: string[];
  at: Date;
  /** How a rollback dealt with the change; null while it stands. */
  undone: ImportEventUndone | null;
}

/**
 * The imports that created or changed a contact, newest first (at most `limit`; the journal's
 * (tenant_id, contact_id) index makes this one short query).
 *
 * @example
 * const history = await contactImportHistory(db, tenantId, contactId);
 */
export async function contactImportHistory(
  db: Kysely<Database>,
  tenantId: string,
  contactId: string,
  limit = 50,
): Promise<ContactImportEvent[]> {
  const rows = await db
    .selectFrom('import_events as e')
    .innerJoin('imports as i', (j) =>
      j.onRef('i.tenant_id', '=', 'e.tenant_id').onRef('i.id', '=', 'e.import_id'),
    )
    .select([
      'e.import_id',
      'i.file_name',
      'e.kind',
      'e.row_number',
      'e.after',
      'e.created_at',
      'e.undone',
    ])
    .where('e.tenant_id', '=', tenantId)
    .where('e.contact_id', '=', contactId)
    .orderBy('e.created_at', 'desc')
    .orderBy('e.seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    importId: r.import_id,
    fileName: r.file_name,
    kind: r.kind,
    row: r.row_number,
    fields: Object.keys(r.after).sort(),
    at: r.created_at,
    undone: r.undone,
  }));
}
