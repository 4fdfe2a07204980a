/**
 * How the engine's field values (FieldValue) travel to and from the `contacts` columns. The
 * standard fields an import can write are the columns of the same name; consent is stored as
 * status/at/source per channel and travels as `email_consent` / `sms_consent` in diffs.
 */
import type { ConsentStatus, FieldValue, StoredContact } from '../core/model/contact.ts';
import { STANDARD_FIELDS, type FieldType } from '../core/model/fields.ts';

/** The SQL type a field's value is cast to when written. */
export type ColumnSqlType = 'text' | 'text[]' | 'integer' | 'date' | 'timestamptz' | 'boolean';

export interface ContactColumn {
  key: string;
  sqlType: ColumnSqlType;
}

function sqlTypeOf(type: FieldType, multi: boolean): ColumnSqlType {
  if (multi) return 'text[]';
  switch (type) {
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
).map((f) => ({ key: f.key, sqlType: sqlTypeOf(f.type, f.multi) }));

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
  const customRaw = row['custom'];
  const custom: Record<string, FieldValue> = {};
  if (customRaw !== null && typeof customRaw === 'object') {
    for (const [k, v] of Object.entries(customRaw as Record<string, unknown>)) {
      custom[k] = jsonToFieldValue(v);
    }
  }
  const consent = (channel: 'email' | 'sms'): ConsentRecord => ({
    status: row[`${channel}_consent_status`] as ConsentStatus,
    at: toFieldValue(row[`${channel}_consent_at`], 'timestamptz') as string | null,
    source: (row[`${channel}_consent_source`] as string | null) ?? null,
  });
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

function jsonToFieldValue(v: unknown): FieldValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}
