/**
 * The shapes every export format shares. The store streams `ExportContact`s in pages; a format
 * writer turns them into bytes for the selected `ExportColumn`s. Writers never hold more than
 * the page they are given (principle 2: streaming end to end).
 */
import type { ConsentStatus, FieldValue } from '../model/contact.ts';
import type { CustomFieldDef } from '../model/fields.ts';

/** One contact as an export reads it. */
export interface ExportContact {
  id: string;
  /**
   * Standard fields by key (STANDARD_FIELDS, engagement and audit ones included): text, numbers,
   * booleans, lists (`tags`, `phone_additional`, ...), dates as `YYYY-MM-DD`, timestamps as ISO
   * 8601 UTC (`created_at`, `updated_at`, `last_activity_at`, `last_opened_at`). Blank is null.
   */
  fields: Record<string, FieldValue>;
  /** Custom field values by key (absent = blank). */
  custom: Record<string, FieldValue>;
  /** Consent per channel with when and how it was set. */
  consent: Record<
    'email' | 'sms',
    { status: ConsentStatus; at: string | null; source: string | null }
  >;
  /** Names of the segments the contact is in, sorted. */
  segments: string[];
}

/**
 * What a column holds:
 * - `field`: a standard field (`key` = field key, e.g. `email`, `emails_opened`);
 * - `custom`: a custom field (`key` = custom field key);
 * - `consent`: `email_opt_in` / `sms_opt_in` as `true` (opted in), `false` (opted out) or blank
 *   (unknown): the shape Roster's importer reads back;
 * - `segments`: the segment names.
 */
export type ExportColumnKind = 'field' | 'custom' | 'consent' | 'segments';

export interface ExportColumn {
  kind: ExportColumnKind;
  key: string;
  /** Header in CSV/XLSX: the field key (`email`), `custom_<key>` for custom fields, so that an
   *  export re-imports onto the same fields. */
  header: string;
  /** camelCase name in JSON/NDJSON (`firstName`; custom fields go under `customFields`). */
  jsonName: string;
  /** Value type, for XLSX cell types and JSON values. */
  type: 'text' | 'number' | 'integer' | 'boolean' | 'date' | 'timestamp' | 'list';
  /** For select / multi_select custom fields: the options (XLSX data validation). */
  options?: string[];
}

/** Everything a format writer needs besides the rows. */
export interface ExportLayout {
  columns: ExportColumn[];
  customFields: CustomFieldDef[];
  /** Segment definitions for XLSX's Segments sheet. */
  segments: { name: string; description: string | null; filter: string | null; contacts: number }[];
}

/** The byte sink a writer writes to (a file, stdout, an upload): Node's Writable fits. */
export interface ByteSink {
  write(chunk: Uint8Array | string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(callback?: () => void): unknown;
}

/** A format writer: called with pages in order, then `finish` once. */
export interface ExportWriter {
  writePage(contacts: readonly ExportContact[]): Promise<void>;
  /** Completes the file; resolves with the bytes written. */
  finish(): Promise<{ bytes: number }>;
}

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';
