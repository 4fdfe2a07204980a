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
  return segmentIdByName(db, tenantId, name);
}

/**
 * The id of the tenant's segment with this name; NOT_FOUND when there is none.
 *
 * @example
 * const segmentId = await segmentIdByName(db, tenantId, 'Webinar');
 */
export async function segmentIdByName(
  db: Kysely<Database>,
  tenantId: string,
  name: string,
): Promise<string> {
  const row = await db
    .selectFrom('segments')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw new RosterError('NOT_FOUND', `No segment named "${name}"`, { segment: name });
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
  description: string | null = null,
): Promise<SegmentSummary> {
  try {
    const r = await db
      .insertInto('segments')
      .values({ tenant_id: tenantId, name, filter, description })
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

/**
 * One segment of the tenant, if there is one with this id (the id must be a UUID).
 *
 * @example
 * const segment = await getSegment(db, tenantId, id);
 */
export async function getSegment(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<SegmentSummary | undefined> {
  const r = await db
    .selectFrom('segments')
    .select(SUMMARY_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r ? toSummary(r) : undefined;
}

/** What a change may set; a static segment keeps `filter` null (its members are a list). */
export interface SegmentChange {
  name?: string;
  description?: string | null;
  /** Filter-language text, checked by the caller. */
  filter?: string;
}

/**
 * Renames a segment, changes its description or (a saved filter only) its filter. Throws
 * NOT_FOUND for an unknown id, CONFLICT when the new name is taken, OPTION_INVALID when a filter
 * is given for a static segment.
 *
 * @example
 * await updateSegment(db, tenantId, id, { name: 'Hot Leads', filter: 'lead_score >= 80' });
 */
export async function updateSegment(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  change: SegmentChange,
): Promise<SegmentSummary> {
  const current = await getSegment(db, tenantId, id);
  if (!current) throw notFoundSegment(id);
  if (change.filter !== undefined && current.filter === null) {
    throw new RosterError(
      'OPTION_INVALID',
      `Segment "${current.name}" is a list of contacts, not a saved filter; it has no filter to change`,
      { id },
    );
  }
  try {
    const r = await db
      .updateTable('segments')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.filter !== undefined ? { filter: change.filter } : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returning(SUMMARY_COLUMNS)
      .executeTakeFirst();
    if (!r) throw notFoundSegment(id);
    return toSummary(r);
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) {
      throw new RosterError('CONFLICT', `A segment named "${change.name}" already exists`, {
        name: change.name,
      });
    }
    throw err;
  }
}

/**
 * Deletes a segment (its member list goes with it; the contacts stay). Throws NOT_FOUND for an
 * unknown id.
 *
 * @example
 * await deleteSegment(db, tenantId, id);
 */
export async function deleteSegment(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<void> {
  const result = await db
    .deleteFrom('segments')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFoundSegment(id);
}

function notFoundSegment(id: string): RosterError {
  return new RosterError('NOT_FOUND', `No segment ${id}`, { id });
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
