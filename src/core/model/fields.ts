/**
 * The standard contact fields: the one list that mapping, transformation, validation, storage
 * and export agree on. Field keys are snake_case and are also the column names in `contacts`
 * (except `full_name`, which is split into first and last name, and the consent fields, which
 * are stored as status/at/source per channel).
 */
export type FieldType =
  | 'text'
  | 'email'
  | 'phone'
  | 'url'
  | 'integer'
  | 'number'
  | 'date'
  | 'timestamp'
  | 'boolean'
  | 'country';

export type FieldGroup = 'standard' | 'engagement' | 'consent' | 'audit';

export interface StandardField {
  key: string;
  label: string;
  type: FieldType;
  /** Holds a list of values (stored as text[]). */
  multi: boolean;
  /** An import may write it. Engagement metrics and system timestamps it may not. */
  importable: boolean;
  group: FieldGroup;
  /** Only virtual during import: split into other fields, never stored. */
  virtual?: boolean;
  /** Maximum length of one text value. */
  maxLength?: number;
}

const f = (
  key: string,
  label: string,
  type: FieldType,
  extra: Partial<Omit<StandardField, 'key' | 'label' | 'type'>> = {},
): StandardField => ({
  key,
  label,
  type,
  multi: false,
  importable: true,
  group: 'standard',
  ...extra,
});

export const STANDARD_FIELDS: readonly StandardField[] = [
  f('email', 'Email', 'email', { maxLength: 254 }),
  f('email_additional', 'Email (additional)', 'email', { multi: true, maxLength: 254 }),
  f('first_name', 'First Name', 'text', { maxLength: 200 }),
  f('middle_name', 'Middle Name', 'text', { maxLength: 200 }),
  f('last_name', 'Last Name', 'text', { maxLength: 200 }),
  f('full_name', 'Full Name (split into first and last)', 'text', { virtual: true }),
  f('company', 'Company', 'text', { maxLength: 200 }),
  f('job_title', 'Job Title', 'text', { maxLength: 200 }),
  f('department', 'Department', 'text', { maxLength: 200 }),
  f('phone', 'Phone (primary)', 'phone', { maxLength: 64 }),
  f('phone_additional', 'Phone (additional)', 'phone', { multi: true, maxLength: 64 }),
  f('website', 'Website', 'url', { maxLength: 2048 }),
  f('linkedin_url', 'LinkedIn URL', 'url', { maxLength: 2048 }),
  f('street', 'Street', 'text', { maxLength: 500 }),
  f('street2', 'Street (line 2)', 'text', { maxLength: 500 }),
  f('city', 'City', 'text', { maxLength: 200 }),
  f('region', 'State / Region', 'text', { maxLength: 200 }),
  f('postal_code', 'Postal Code', 'text', { maxLength: 32 }),
  f('country', 'Country', 'country', { maxLength: 100 }),
  f('tags', 'Tags', 'text', { multi: true, maxLength: 100 }),
  f('lead_score', 'Lead Score', 'integer'),
  f('lifecycle_stage', 'Lifecycle Stage', 'text', { maxLength: 100 }),
  f('birthday', 'Birthday', 'date'),
  f('language', 'Language', 'text', { maxLength: 35 }),
  f('notes', 'Notes', 'text', { maxLength: 100_000 }),
  f('external_id', 'External ID', 'text', { maxLength: 255 }),
  f('email_opt_in', 'Email Opt-in', 'boolean', { group: 'consent' }),
  f('sms_opt_in', 'SMS Opt-in', 'boolean', { group: 'consent' }),
  f('bounced', 'Email Bounced', 'boolean', { group: 'consent', importable: false }),
  f('source', 'Source', 'text', { group: 'audit', maxLength: 200 }),
  f('owner', 'Owner', 'text', { group: 'audit', maxLength: 200 }),
  f('created_at', 'Created At', 'timestamp', { group: 'audit' }),
  f('updated_at', 'Updated At', 'timestamp', { group: 'audit', importable: false }),
  f('last_activity_at', 'Last Activity', 'timestamp', { group: 'audit' }),
  f('emails_sent', 'Total Emails Sent', 'integer', { group: 'engagement', importable: false }),
  f('emails_opened', 'Total Opens', 'integer', { group: 'engagement', importable: false }),
  f('emails_clicked', 'Total Clicks', 'integer', { group: 'engagement', importable: false }),
  f('last_opened_at', 'Last Opened', 'timestamp', { group: 'engagement', importable: false }),
];

const BY_KEY = new Map(STANDARD_FIELDS.map((fd) => [fd.key, fd]));

/** The standard field with this key, if any. */
export function standardField(key: string): StandardField | undefined {
  return BY_KEY.get(key);
}

/** Types a custom field can have (DESIGN.md: custom_fields). */
export type CustomFieldType = 'text' | 'number' | 'date' | 'boolean' | 'select' | 'multi_select';

export const CUSTOM_FIELD_TYPES: readonly CustomFieldType[] = [
  'text',
  'number',
  'date',
  'boolean',
  'select',
  'multi_select',
];

export interface CustomFieldDef {
  /** snake_case key, stored in `contacts.custom` under this name. */
  key: string;
  label: string;
  type: CustomFieldType;
  /** Options of select and multi_select fields, in their order (the order is meaningful). */
  options?: string[];
  required?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
}

/** How a mapped column refers to its target: `email`, or `custom:<key>`. */
export type FieldRef = string;

export const CUSTOM_PREFIX = 'custom:';

export function isCustomRef(ref: FieldRef): boolean {
  return ref.startsWith(CUSTOM_PREFIX);
}

export function customKeyOf(ref: FieldRef): string {
  return ref.slice(CUSTOM_PREFIX.length);
}
