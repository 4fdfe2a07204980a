/**
 * Static segments as imports fill them.
 */
import type { Kysely, Selectable } from 'kysely';
import { RosterError } from '../core/errors.ts';
import { SQLSTATE, hasSqlState } from './pg-errors.ts';
import type { Database, SegmentsTable } from './schema.ts';

/**
 * The id of the tenant's segment with this name, creating it (owned by the import, so rolling
 * the import back deletes it) when there is none.
 *
 * @example
 * const segmentId = await ensureImportSegment(db, tenantId, 'November Import', importId);
 */
export async function ensureImportSegment(
  db: Kysely<Database>,
  tenantId: string,
  name: string,
  importId: string,
): Promise<string> {
  await db
    .insertInto('segments')
    .values({ tenant_id: tenantId, name, import_id: importId })
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing())
    .execute();
  const row = await db
    .selectFrom('segments')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface SegmentSummary {
  id: string;
  name: string;
  description: string | null;
  /** Filter-language text of a saved-filter segment; null for a static list. */
  filter: string | null;
  /** The import that created it, if one did. */
  importId: string | null;
  createdAt: Date;
}

/**
 * The tenant's segments by name.
 *
 * @example
 * const segments = await listSegments(db, tenantId);
 */
export async function listSegments(
  db: Kysely<Database>,
  tenantId: string,
): Promise<SegmentSummary[]> {
  const rows = await db
    .selectFrom('segments')
    .select(SUMMARY_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .orderBy('name')
    .execute();
  return rows.map(toSummary);
}

/**
 * Saves a filter as a segment (its members are whoever matches when it is used). The caller
 * checks the filter first. Throws RosterError('CONFLICT') when the name is taken.
 *
 * @example
 * await saveFilterSegment(db, tenantId, 'Hot Leads', 'lead_score >= 75');
 */
export async function saveFilterSegment(
  db: Kysely<Database>,
  tenantId: string,
  name: string,
  filter: string,
): Promise<SegmentSummary> {
  try {
    const r = await db
      .insertInto('segments')
      .values({ tenant_id: tenantId, name, filter })
      .returning(SUMMARY_COLUMNS)
      .executeTakeFirstOrThrow();
    return toSummary(r);
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) {
      throw new RosterError('CONFLICT', `A segment named "${name}" already exists`, { name });
    }
    throw err;
  }
}

const SUMMARY_COLUMNS = ['id', 'name', 'description', 'filter', 'import_id', 'created_at'] as const;

function toSummary(
  r: Pick<Selectable<SegmentsTable>, (typeof SUMMARY_COLUMNS)[number]>,
): SegmentSummary {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    filter: r.filter,
    importId: r.import_id,
    createdAt: r.created_at,
  };
}
