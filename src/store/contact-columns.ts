/**
 * How the engine's field values (FieldValue) travel to and from the `contacts` columns. The
 * standard fields an import can write are the columns of the same name; consent is stored as
 * status/at/source per channel and travels as `email_consent` / `sms_consent` in diffs.
 */
import type { ConsentStatus, FieldValue, StoredContact } from '../core/model/contact.ts';
import { STANDARD_FIELDS, type StandardField } from '../core/model/fields.ts';

/** The SQL type a field's value is cast to when written. */
export type ColumnSqlType = 'text' | 'text[]' | 'integer' | 'date' | 'timestamptz' | 'boolean';

export interface ContactColumn {
  key: string;
  sqlType: ColumnSqlType;
}

/** The SQL type of a standard field's column. */
export function columnSqlType(field: Pick<StandardField, 'type' | 'multi'>): ColumnSqlType {
  if (field.multi) return 'text[]';
  switch (field.type) {
    case 'integer':
      return 'integer';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamptz';
    case 'boolean':
      return 'boolean';
    default:
      return 'text';
  }
}

/** Every stored standard field an import may write (not virtual, not consent flags). */
export const WRITABLE_COLUMNS: readonly ContactColumn[] = STANDARD_FIELDS.filter(
  (f) => f.importable && f.virtual !== true && f.group !== 'consent',
).map((f) => ({ key: f.key, sqlType: columnSqlType(f) }));

const COLUMN_BY_KEY = new Map(WRITABLE_COLUMNS.map((c) => [c.key, c]));

/** The column of a writable standard field, if it is one. */
export function writableColumn(key: string): ContactColumn | undefined {
  return COLUMN_BY_KEY.get(key);
}

/** The columns read to give the merge stage a StoredContact. */
export const STORED_COLUMNS: readonly string[] = [
  'id',
  'version',
  'updated_at',
  'custom',
  'email_consent_status',
  'email_consent_at',
  'email_consent_source',
  'sms_consent_status',
  'sms_consent_at',
  'sms_consent_source',
  ...WRITABLE_COLUMNS.map((c) => c.key),
];

export type ContactRowValues = Record<string, unknown>;

/** A stored value as the FieldValue the engine compares with. */
export function toFieldValue(value: unknown, sqlType: ColumnSqlType): FieldValue {
  if (value === null || value === undefined) return null;
  if (sqlType === 'timestamptz') {
    return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
  }
  if (sqlType === 'text[]') return Array.isArray(value) ? value.map(String) : [];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return String(value);
}

/** Consent metadata the journal keeps so a rollback restores it exactly. */
export interface ConsentRecord {
  status: ConsentStatus;
  at: string | null;
  source: string | null;
}

export interface StoredContactRow {
  contact: StoredContact;
  consent: { email: ConsentRecord; sms: ConsentRecord };
}

/** A `contacts` row (selected with STORED_COLUMNS) as the merge stage sees it. */
export function toStoredContact(row: ContactRowValues): StoredContactRow {
  const fields: Record<string, FieldValue> = {};
  for (const c of WRITABLE_COLUMNS) fields[c.key] = toFieldValue(row[c.key], c.sqlType);
  const custom = customValuesOf(row['custom']);
  const consent = (channel: 'email' | 'sms'): ConsentRecord => consentRecordOf(row, channel);
  const email = consent('email');
  const sms = consent('sms');
  return {
    contact: {
      id: String(row['id']),
      version: Number(row['version']),
      updatedAt: toFieldValue(row['updated_at'], 'timestamptz') as string,
      fields,
      custom,
      consent: { email: email.status, sms: sms.status },
    },
    consent: { email, sms },
  };
}

/** A row's consent columns of one channel. */
export function consentRecordOf(row: ContactRowValues, channel: 'email' | 'sms'): ConsentRecord {
  return {
    status: row[`${channel}_consent_status`] as ConsentStatus,
    at: toFieldValue(row[`${channel}_consent_at`], 'timestamptz') as string | null,
    source: (row[`${channel}_consent_source`] as string | null) ?? null,
  };
}

/** The `custom` jsonb column as FieldValues by key; a null value counts as absent (blank). */
export function customValuesOf(raw: unknown): Record<string, FieldValue> {
  const custom: Record<string, FieldValue> = {};
  if (raw === null || typeof raw !== 'object') return custom;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) custom[k] = v.map(String);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      custom[k] = v;
    else custom[k] = JSON.stringify(v);
  }
  return custom;
}
