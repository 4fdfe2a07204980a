import type { ContactDraft } from '../model/contact.ts';

/**
 * How rows (and contacts) are recognised as the same person, a tenant setting (DESIGN.md,
 * "Duplicate handling"):
 * - `email` (default): the same email address, compared case-insensitively.
 * - `phone_then_email`: the same phone number (E.164); a row without a phone, or whose phone was
 *   not seen before, is then compared by email. Either key repeating makes a duplicate, the phone
 *   being asked first, which is the order in which the match stage looks up existing contacts.
 * - `email_and_phone`: the same email AND the same phone. A blank part counts as a value, so
 *   "a@x.co without a phone" repeats only another "a@x.co without a phone".
 * A row with no key at all (no email, no phone) is never a duplicate: it has no identity to
 * repeat, and validation rejects it when identity is required.
 */
export type MatchKeys = 'email' | 'phone_then_email' | 'email_and_phone';

export const MATCH_KEYS: readonly MatchKeys[] = ['email', 'phone_then_email', 'email_and_phone'];

/** Separates the parts of a composite key; it cannot occur in a cleaned email or E.164 phone. */
const SEPARATOR = '\u001f';

/**
 * The email of a draft as a comparison key: trimmed, NFC, lower-cased; null when blank.
 * The whole address is lower-cased: mailbox names are case-sensitive in theory, but no mail
 * system in use treats `John@x.co` and `john@x.co` as two people.
 *
 * @example
 * emailKey({ fields: { email: ' John@Example.COM' }, custom: {} }) // 'john@example.com'
 */
export function emailKey(draft: ContactDraft): string | null {
  const value = draft.fields['email'];
  if (typeof value !== 'string') return null;
  const key = value.trim().normalize('NFC').toLowerCase();
  return key === '' ? null : key;
}

/**
 * The primary phone of a draft as a comparison key; null when blank. Transform has already
 * written it in E.164, so only stray whitespace is removed here.
 *
 * @example
 * phoneKey({ fields: { phone: '+14155550100' }, custom: {} }) // '+14155550100'
 */
export function phoneKey(draft: ContactDraft): string | null {
  const value = draft.fields['phone'];
  if (typeof value !== 'string') return null;
  const key = value.replace(/\s+/g, '');
  return key === '' ? null : key;
}

/**
 * The combined key of `email_and_phone`; null when both parts are blank.
 *
 * @example
 * emailAndPhoneKey({ fields: { email: 'a@x.co', phone: '+4930123456' }, custom: {} })
 * // 'a@x.co\u001f+4930123456'
 */
export function emailAndPhoneKey(draft: ContactDraft): string | null {
  const email = emailKey(draft);
  const phone = phoneKey(draft);
  if (email === null && phone === null) return null;
  return `${email ?? ''}${SEPARATOR}${phone ?? ''}`;
}
