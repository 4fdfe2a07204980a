/**
 * Remembered column mappings, keyed by a fingerprint of the header row: the next file with the
 * same header gets the same mapping without asking.
 */
import { sql, type Kysely } from 'kysely';
import type { FieldRef } from '../core/model/fields.ts';
import type { Database, JsonValue, MappingPresetRow } from './schema.ts';

export interface MappingPresetInput {
  fingerprint: string;
  /** The header row the fingerprint was made from, as read. */
  header: string[];
  /** Field per header text; null means "do not import this column". */
  mapping: Record<string, FieldRef | null>;
  /** Per-column transform choices (date formats, splitting rules), by header text. */
  transforms: Record<string, JsonValue>;
}

export interface MappingPreset extends MappingPresetInput {
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The tenant's preset for this header fingerprint, if one was saved.
 *
 * @example
 * const preset = await findPreset(db, tenantId, headerFingerprint(header));
 */
export async function findPreset(
  db: Kysely<Database>,
  tenantId: string,
  fingerprint: string,
): Promise<MappingPreset | undefined> {
  const row = await db
    .selectFrom('mapping_presets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  return row ? toPreset(row) : undefined;
}

/**
 * Saves the tenant's preset for a fingerprint, replacing an earlier one (last choice wins).
 *
 * @example
 * await savePreset(db, tenantId, { fingerprint, header, mapping: { 'E-mail': 'email' }, transforms: {} });
 */
export async function savePreset(
  db: Kysely<Database>,
  tenantId: string,
  preset: MappingPresetInput,
): Promise<MappingPreset> {
  const header = JSON.stringify(preset.header);
  const mapping = JSON.stringify(preset.mapping);
  const transforms = JSON.stringify(preset.transforms);
  const row = await db
    .insertInto('mapping_presets')
    .values({ tenant_id: tenantId, fingerprint: preset.fingerprint, header, mapping, transforms })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'fingerprint']).doUpdateSet({
        header,
        mapping,
        transforms,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPreset(row);
}

/**
 * The tenant's presets, most recently used first.
 *
 * @example
 * const presets = await listPresets(db, tenantId);
 */
export async function listPresets(
  db: Kysely<Database>,
  tenantId: string,
): Promise<MappingPreset[]> {
  const rows = await db
    .selectFrom('mapping_presets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('updated_at', 'desc')
    .orderBy('fingerprint')
    .execute();
  return rows.map(toPreset);
}

/**
 * Forgets the preset for a fingerprint; returns false when there was none.
 *
 * @example
 * await deletePreset(db, tenantId, fingerprint);
 */
export async function deletePreset(
  db: Kysely<Database>,
  tenantId: string,
  fingerprint: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('mapping_presets')
    .where('tenant_id', '=', tenantId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function toPreset(row: MappingPresetRow): MappingPreset {
  return {
    fingerprint: row.fingerprint,
    header: row.header,
    // Written only by savePreset, from these same types.
    mapping: row.mapping as Record<string, FieldRef | null>,
    transforms: row.transforms as Record<string, JsonValue>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
