/**
 * Contact values as the import pipeline carries them, after transformation: clean, typed, and
 * keyed by field. Only fields the file mapped are present, so "absent" (not in the file, never
 * touched) and `null` (present but blank) stay different things.
 */

/** One cleaned value. Dates are `YYYY-MM-DD`, timestamps ISO 8601 in UTC (`...Z`). */
export type FieldValue = string | number | boolean | readonly string[] | null;

export interface ContactDraft {
  /** Standard fields by key (`email`, `phone`, `tags`, `email_opt_in`, ...). */
  fields: Record<string, FieldValue>;
  /** Custom fields by key (without the `custom:` prefix). */
  custom: Record<string, FieldValue>;
}

/** Consent per channel, as stored. */
export type ConsentStatus = 'unknown' | 'opted_in' | 'opted_out';

/** A contact already in the database, as the merge stage sees it. */
export interface StoredContact extends ContactDraft {
  id: string;
  version: number;
  consent: { email: ConsentStatus; sms: ConsentStatus };
  updatedAt: string;
}
