/**
 * Segments as exports and `roster segments` use them: a static list counts its members; a saved
 * filter counts (and selects) whoever matches it now.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { checkFilter, compileFilter, parseFilter } from '../core/filter/index.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import type { Database } from '../store/schema.ts';
import type { SegmentSummary } from '../store/segments.ts';

/**
 * A filter's SQL with its placeholders numbered from `paramOffset + 1`.
 *
 * @example
 * compileWhere('lead_score > 50', customFields, 3); // { sql: 'c.lead_score > $4', params: [50] }
 */
export function compileWhere(
  text: string,
  customFields: readonly CustomFieldDef[],
  paramOffset: number,
): { sql: string; params: unknown[] } {
  const typed = checkFilter(parseFilter(text), { customFields: [...customFields] });
  return compileFilter(typed, { paramOffset });
}

/**
 * How many contacts a segment holds now.
 *
 * @example
 * await countSegment(db, tenantId, segment, customFields); // 4460
 */
export async function countSegment(
  db: Kysely<Database>,
  tenantId: string,
  segment: SegmentSummary,
  customFields: readonly CustomFieldDef[],
): Promise<number> {
  if (segment.filter === null) {
    const r = await db
      .selectFrom('segment_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('segment_id', '=', segment.id)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  const where = compileWhere(segment.filter, customFields, 1);
  const result = await db.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `select count(*)::int as n from contacts c where c.tenant_id = $1 and (${where.sql})`,
      [tenantId, ...where.params],
    ),
  );
  return Number(result.rows[0]?.n ?? 0);
}
