/**
 * The tenant's custom fields (typed, with rules), as the engine's CustomFieldDef.
 */
import type { Kysely } from 'kysely';
import { RosterError } from '../core/errors.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import { CUSTOM_FIELD_TYPES, standardField } from '../core/model/fields.ts';
import { SQLSTATE, hasSqlState } from './pg-errors.ts';
import type { CustomFieldRow, Database } from './schema.ts';

const KEY = /^[a-z][a-z0-9_]*$/;

/**
 * The tenant's custom fields, in their display order (position, then key).
 *
 * @example
 * const fields = await listCustomFields(db, tenantId); // [{ key: 'industry', label: 'Industry', type: 'text' }]
 */
export async function listCustomFields(
  db: Kysely<Database>,
  tenantId: string,
): Promise<CustomFieldDef[]> {
  const rows = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('position')
    .orderBy('key')
    .execute();
  return rows.map(toDef);
}

/**
 * Creates a custom field. Throws RosterError('OPTION_INVALID') for a bad definition and
 * RosterError('CONFLICT') when the tenant already has a field with this key.
 *
 * @example
 * await createCustomField(db, tenantId, { key: 'company_size', label: 'Company Size', type: 'select',
 *   options: ['1-10', '11-50', '51-200'] });
 */
export async function createCustomField(
  db: Kysely<Database>,
  tenantId: string,
  def: CustomFieldDef & { position?: number },
): Promise<CustomFieldDef> {
  checkDefinition(def);
  const position =
    def.position ??
    // New fields go last.
    ((
      await db
        .selectFrom('custom_fields')
        .select((eb) => eb.fn.max('position').as('last'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
    )?.last ?? -1) + 1;
  try {
    const row = await db
      .insertInto('custom_fields')
      .values({
        tenant_id: tenantId,
        key: def.key,
        label: def.label,
        type: def.type,
        options: def.options ?? null,
        required: def.required ?? false,
        min: def.min ?? null,
        max: def.max ?? null,
        max_length: def.maxLength ?? null,
        position,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDef(row);
  } catch (err) {
    if (hasSqlState(err, SQLSTATE.UNIQUE_VIOLATION)) {
      throw new RosterError('CONFLICT', `A custom field with key "${def.key}" already exists`, {
        key: def.key,
      });
    }
    throw err;
  }
}

function checkDefinition(def: CustomFieldDef): void {
  const invalid = (message: string): never => {
    throw new RosterError('OPTION_INVALID', `Custom field "${def.key}": ${message}`, {
      key: def.key,
    });
  };
  if (!KEY.test(def.key)) {
    invalid('the key must be snake_case: a lowercase letter, then letters, digits or _');
  }
  if (standardField(def.key)) invalid('the key is a standard field');
  if (def.label.trim() === '') invalid('the label is empty');
  if (!CUSTOM_FIELD_TYPES.includes(def.type))
    invalid(`the type must be one of ${CUSTOM_FIELD_TYPES.join(', ')}`);
  const hasChoices = def.type === 'select' || def.type === 'multi_select';
  if (hasChoices && (!def.options || def.options.length === 0))
    invalid(`a ${def.type} field needs options`);
  if (!hasChoices && def.options !== undefined) invalid(`a ${def.type} field has no options`);
  if (def.options && new Set(def.options).size !== def.options.length)
    invalid('the options repeat');
  if (def.min !== undefined && def.max !== undefined && def.min > def.max)
    invalid('min is above max');
  if (def.maxLength !== undefined && !(Number.isInteger(def.maxLength) && def.maxLength > 0)) {
    invalid('maxLength must be a positive integer');
  }
}

function toDef(row: CustomFieldRow): CustomFieldDef {
  return {
    key: row.key,
    label: row.label,
    type: row.type,
    ...(row.options !== null ? { options: row.options } : {}),
    ...(row.required ? { required: true } : {}),
    ...(row.min !== null ? { min: row.min } : {}),
    ...(row.max !== null ? { max: row.max } : {}),
    ...(row.max_length !== null ? { maxLength: row.max_length } : {}),
  };
}

/** What a change may set; null clears a rule. The key and the type stay as created. */
export interface CustomFieldChange {
  label?: string;
  options?: string[];
  required?: boolean;
  min?: number | null;
  max?: number | null;
  maxLength?: number | null;
  position?: number;
}

/**
 * Changes a custom field's label, options or rules. The type stays: stored values were checked
 * against it. Throws NOT_FOUND for an unknown key, OPTION_INVALID for a bad result.
 *
 * @example
 * await updateCustomField(db, tenantId, 'plan', { label: 'Plan', options: ['free', 'pro', 'team'] });
 */
export async function updateCustomField(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
  change: CustomFieldChange,
): Promise<CustomFieldDef> {
  const row = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) throw notFoundField(key);
  const merged: CustomFieldDef = { ...toDef(row) };
  if (change.label !== undefined) merged.label = change.label;
  if (change.options !== undefined) merged.options = change.options;
  if (change.required !== undefined) merged.required = change.required;
  if (change.min === null) delete merged.min;
  else if (change.min !== undefined) merged.min = change.min;
  if (change.max === null) delete merged.max;
  else if (change.max !== undefined) merged.max = change.max;
  if (change.maxLength === null) delete merged.maxLength;
  else if (change.maxLength !== undefined) merged.maxLength = change.maxLength;
  checkDefinition(merged);
  const updated = await db
    .updateTable('custom_fields')
    .set({
      label: merged.label,
      options: merged.options ?? null,
      required: merged.required ?? false,
      min: merged.min ?? null,
      max: merged.max ?? null,
      max_length: merged.maxLength ?? null,
      ...(change.position !== undefined ? { position: change.position } : {}),
      updated_at: new Date(),
    })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw notFoundField(key);
  return toDef(updated);
}

/**
 * Deletes a custom field's definition. Values stored on contacts stay in their `custom` data
 * (a field created again with the same key shows them again); they are no longer exported or
 * filterable. Throws NOT_FOUND for an unknown key.
 *
 * @example
 * await deleteCustomField(db, tenantId, 'plan');
 */
export async function deleteCustomField(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
): Promise<void> {
  const result = await db
    .deleteFrom('custom_fields')
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFoundField(key);
}

function notFoundField(key: string): RosterError {
  return new RosterError('NOT_FOUND', `No custom field "${key}"`, { key });
}
