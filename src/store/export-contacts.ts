/**
 * Contacts for an export, read page by page in id order (keyset paging: each page is one short
 * query that starts after the last id of the previous one, so memory holds one page and no
 * cursor or transaction stays open while a slow sink drains).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { ExportContact } from '../core/export/types.ts';
import type { FieldValue } from '../core/model/contact.ts';
import { STANDARD_FIELDS } from '../core/model/fields.ts';
import { columnSqlType, consentRecordOf, customValuesOf, toFieldValue } from './contact-columns.ts';
import type { Database } from './schema.ts';

/** Every stored standard field (not the virtual full name nor the opt-in flags, which are consent). */
const STORED_FIELDS = STANDARD_FIELDS.filter(
  (f) => f.virtual !== true && f.key !== 'email_opt_in' && f.key !== 'sms_opt_in',
).map((f) => ({ key: f.key, type: columnSqlType(f) }));

export interface ExportSelection {
  /** A compiled filter: SQL over alias `c` with placeholders starting at `$4`. */
  where?: { sql: string; params: readonly unknown[] };
  /** Only members of this segment. */
  segmentId?: string;
  /** Only these contact ids. */
  ids?: readonly string[];
}

/** Placeholders $1..$3 are the tenant, the last id and the page size; a filter starts at $4. */
export const EXPORT_FILTER_PARAM_OFFSET = 3;

/**
 * The selected contacts of a tenant, a page at a time, in id order.
 *
 * @example
 * for await (const page of exportPages(db, tenantId, {})) await writer.writePage(page);
 */
export async function* exportPages(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
  pageSize = 2000,
): AsyncGenerator<ExportContact[]> {
  const params: unknown[] = [tenantId, FIRST_ID, pageSize];
  const conditions = selectionConditions(selection, params);
  const text = `
    select c.id, c.custom, c.email_consent_status, c.email_consent_at, c.email_consent_source,
      c.sms_consent_status, c.sms_consent_at, c.sms_consent_source,
      ${STORED_FIELDS.map((f) => `c.${f.key}`).join(', ')},
      array(select s.name from segment_members sm
        join segments s on s.tenant_id = sm.tenant_id and s.id = sm.segment_id
        where sm.tenant_id = c.tenant_id and sm.contact_id = c.id order by s.name) as segment_names
    from contacts c
    where ${conditions.join(' and ')}
    order by c.id
    limit $3`;
  for (;;) {
    const result = await db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(text, [...params]),
    );
    const page = result.rows.map(toExportContact);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    params[1] = page[page.length - 1]!.id;
  }
}

/**
 * How many contacts the selection holds now (for a progress bar; rows added meanwhile may make
 * the export a little longer).
 *
 * @example
 * const total = await countSelection(db, tenantId, { segmentId });
 */
export async function countSelection(
  db: Kysely<Database>,
  tenantId: string,
  selection: ExportSelection,
): Promise<number> {
  const params: unknown[] = [tenantId, FIRST_ID, Number.MAX_SAFE_INTEGER];
  const conditions = selectionConditions(selection, params);
  const result = await db.executeQuery<{ n: string | number }>(
    CompiledQuery.raw(
      `select count(*) as n from (select 1 from contacts c where ${conditions.join(' and ')} limit $3) x`,
      [...params],
    ),
  );
  return Number(result.rows[0]?.n ?? 0);
}

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** The where-conditions of a selection; appends their parameters after $1..$3. */
function selectionConditions(selection: ExportSelection, params: unknown[]): string[] {
  const conditions = ['c.tenant_id = $1', 'c.id > $2'];
  if (selection.where) {
    params.push(...selection.where.params);
    conditions.push(`(${selection.where.sql})`);
  }
  if (selection.segmentId !== undefined) {
    params.push(selection.segmentId);
    conditions.push(`exists (select 1 from segment_members sm where sm.tenant_id = c.tenant_id
      and sm.segment_id = $${params.length}::uuid and sm.contact_id = c.id)`);
  }
  if (selection.ids !== undefined) {
    params.push([...selection.ids]);
    conditions.push(`c.id = any($${params.length}::uuid[])`);
  }
  return conditions;
}

function toExportContact(row: Record<string, unknown>): ExportContact {
  const fields: Record<string, FieldValue> = {};
  for (const f of STORED_FIELDS) fields[f.key] = toFieldValue(row[f.key], f.type);
  return {
    id: String(row['id']),
    fields,
    custom: customValuesOf(row['custom']),
    consent: { email: consentRecordOf(row, 'email'), sms: consentRecordOf(row, 'sms') },
    segments: (row['segment_names'] as string[] | null) ?? [],
  };
}
