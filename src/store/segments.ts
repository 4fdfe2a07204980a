/**
 * Static segments as imports fill them.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

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
