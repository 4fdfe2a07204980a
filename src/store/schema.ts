/**
 * Kysely types of the tables created by src/store/migrations. Keep the two in step: a test
 * compares the column lists.
 *
 * Value conventions (src/store/value-parsers.ts): bigint reads as number, date as 'YYYY-MM-DD',
 * timestamptz as Date, jsonb parsed. jsonb columns are written as JSON text (`JSON.stringify`)
 * because node-postgres turns a JS array parameter into a PostgreSQL array literal, not JSON.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamptz column: read as Date, written as Date or ISO text. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz column with a default (now()). */
export type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column: read as T, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;
/** A jsonb column with a default. */
export type JsonDefault<T> = ColumnType<T, string | undefined, string>;
/** A nullable jsonb column. */
export type JsonNullable<T> = ColumnType<T | null, string | null | undefined, string | null>;
/** A text[] column with default '{}'. */
export type TextArray = ColumnType<string[], string[] | undefined, string[]>;
/** A bigint column (read as a number, see value-parsers.ts). */
export type Int8 = ColumnType<number, number | bigint | string, number | bigint | string>;

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type ConsentStatus = 'unknown' | 'opted_in' | 'opted_out';
export type UserRole = 'admin' | 'member' | 'viewer';
export type ImportStatus =
  | 'uploaded'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'rolling_back'
  | 'rolled_back';
export type ImportEventKind = 'created' | 'updated';
export type ImportEventUndone = 'reverted' | 'conflict' | 'gone';
export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';
export type ExportStatus = 'queued' | 'running' | 'completed' | 'failed' | 'expired';
export type AuditActorType = 'user' | 'api_key' | 'cli' | 'system';

export interface TenantsTable {
  id: Generated<string>;
  name: string;
  settings: JsonDefault<JsonObject>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface UsersTable {
  tenant_id: string;
  id: Generated<string>;
  email: string;
  name: string | null;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  password_hash: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  disabled_at: Timestamp | null;
}

export interface ApiKeysTable {
  tenant_id: string;
  id: Generated<string>;
  user_id: string | null;
  name: string;
  key_prefix: string;
  /** sha256 hex of the whole key; the key itself is never stored. */
  key_hash: string;
  scopes: TextArray;
  created_at: TimestampDefault;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ContactsTable {
  tenant_id: string;
  id: Generated<string>;
  email: string | null;
  email_additional: TextArray;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  department: string | null;
  phone: string | null;
  phone_additional: TextArray;
  website: string | null;
  linkedin_url: string | null;
  street: string | null;
  street2: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
  tags: TextArray;
  lead_score: number | null;
  lifecycle_stage: string | null;
  /** 'YYYY-MM-DD'. */
  birthday: string | null;
  language: string | null;
  notes: string | null;
  external_id: string | null;
  email_consent_status: ColumnType<ConsentStatus, ConsentStatus | undefined, ConsentStatus>;
  email_consent_at: Timestamp | null;
  email_consent_source: string | null;
  sms_consent_status: ColumnType<ConsentStatus, ConsentStatus | undefined, ConsentStatus>;
  sms_consent_at: Timestamp | null;
  sms_consent_source: string | null;
  bounced: Generated<boolean>;
  source: string | null;
  owner: string | null;
  last_activity_at: Timestamp | null;
  emails_sent: Generated<number>;
  emails_opened: Generated<number>;
  emails_clicked: Generated<number>;
  last_opened_at: Timestamp | null;
  /** Custom field values by CustomFieldDef.key. */
  custom: JsonDefault<JsonObject>;
  /** Incremented by every write; rollback compares it with import_events.contact_version. */
  version: Generated<number>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface CustomFieldsTable {
  tenant_id: string;
  id: Generated<string>;
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'select' | 'multi_select';
  /** Choices of select and multi_select fields, in order. */
  options: string[] | null;
  required: Generated<boolean>;
  min: number | null;
  max: number | null;
  max_length: number | null;
  position: Generated<number>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface SegmentsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  /** Filter-language text; null for a static segment with explicit members. */
  filter: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** The import that created the segment (its rollback deletes it). */
  import_id: string | null;
}

export interface SegmentMembersTable {
  tenant_id: string;
  segment_id: string;
  contact_id: string;
  import_id: string | null;
  added_at: TimestampDefault;
}

export interface ImportsTable {
  tenant_id: string;
  id: Generated<string>;
  file_name: string;
  file_size: Int8;
  file_sha256: string;
  file_format: string;
  storage_key: string;
  mapping: JsonNullable<JsonValue>;
  options: JsonDefault<JsonObject>;
  status: ColumnType<ImportStatus, ImportStatus | undefined, ImportStatus>;
  rows_total: number | null;
  rows_processed: Generated<number>;
  rows_created: Generated<number>;
  rows_updated: Generated<number>;
  rows_unchanged: Generated<number>;
  rows_skipped: Generated<number>;
  rows_rejected: Generated<number>;
  warnings: Generated<number>;
  checkpoint: JsonNullable<JsonValue>;
  error: JsonNullable<JsonValue>;
  created_by: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  rolled_back_at: Timestamp | null;
  /** Who started it: a user name, or the OS user for the CLI. */
  actor: string | null;
  segment_id: string | null;
  rows_duplicate_in_file: Generated<number>;
  possible_duplicates: Generated<number>;
  issue_counts: JsonDefault<Record<string, number>>;
  rollback: JsonNullable<JsonValue>;
  /** The upload it reads, when started over HTTP. */
  upload_id: string | null;
  /** The worker running it and until when its lease holds (renewed while it works). */
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
}

export interface ImportEventsTable {
  tenant_id: string;
  import_id: string;
  seq: number;
  row_number: number | null;
  contact_id: string;
  kind: ImportEventKind;
  /** Previous values of the changed fields; null for a created contact. */
  before: JsonNullable<JsonObject>;
  /** New values of the changed fields. */
  after: Json<JsonObject>;
  contact_version: number;
  created_at: TimestampDefault;
  /** How a rollback dealt with the event; null until then. */
  undone: ImportEventUndone | null;
  undone_at: Timestamp | null;
}

export interface ImportIssuesTable {
  tenant_id: string;
  import_id: string;
  id: Generated<number>;
  row_number: number | null;
  column_name: string | null;
  column_index: number | null;
  field: string | null;
  value: string | null;
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export interface ExportsTable {
  tenant_id: string;
  id: Generated<string>;
  format: ExportFormat;
  filter: string | null;
  segment_id: string | null;
  /** Field refs in output order (`email`, `custom:industry`). */
  fields: string[] | null;
  options: JsonDefault<JsonObject>;
  status: ColumnType<ExportStatus, ExportStatus | undefined, ExportStatus>;
  row_count: number | null;
  file_name: string | null;
  file_size: ColumnType<number | null, number | bigint | string | null | undefined, number | null>;
  storage_key: string | null;
  error: JsonNullable<JsonValue>;
  created_by: string | null;
  created_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  expires_at: Timestamp | null;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
}

export interface MappingPresetsTable {
  tenant_id: string;
  fingerprint: string;
  header: Json<string[]>;
  mapping: Json<JsonValue>;
  transforms: JsonDefault<JsonValue>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AuditEventsTable {
  tenant_id: string;
  id: Generated<string>;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: JsonDefault<JsonObject>;
  created_at: TimestampDefault;
}

export interface SessionsTable {
  tenant_id: string;
  id: Generated<string>;
  user_id: string;
  /** SHA-256 of the cookie's secret part. */
  secret_hash: string;
  created_at: TimestampDefault;
  last_seen_at: TimestampDefault;
  expires_at: Timestamp;
}

export interface UploadsTable {
  tenant_id: string;
  id: Generated<string>;
  file_name: string;
  content_type: string | null;
  file_size: Int8;
  file_sha256: string;
  storage_key: string;
  created_by: string | null;
  created_at: TimestampDefault;
}

export type NotificationLevel = 'info' | 'success' | 'warning' | 'error';

export interface NotificationsTable {
  tenant_id: string;
  id: Generated<string>;
  user_id: string | null;
  kind: string;
  level: ColumnType<NotificationLevel, NotificationLevel | undefined, NotificationLevel>;
  title: string;
  body: string | null;
  target_type: string | null;
  target_id: string | null;
  created_at: TimestampDefault;
  read_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  request_sha256: string;
  status_code: number | null;
  response: JsonNullable<JsonValue>;
  created_at: TimestampDefault;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  custom_fields: CustomFieldsTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  imports: ImportsTable;
  import_events: ImportEventsTable;
  import_issues: ImportIssuesTable;
  exports: ExportsTable;
  mapping_presets: MappingPresetsTable;
  audit_events: AuditEventsTable;
  sessions: SessionsTable;
  uploads: UploadsTable;
  notifications: NotificationsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type Tenant = Selectable<TenantsTable>;
export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type ContactUpdate = Updateable<ContactsTable>;
export type ImportRow = Selectable<ImportsTable>;
export type MappingPresetRow = Selectable<MappingPresetsTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
