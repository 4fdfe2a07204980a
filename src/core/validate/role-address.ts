/**
 * Role addresses reach a function or a team rather than a person (info@, support@). They are
 * accepted and flagged: marketing tools often send to them with care or not at all.
 */
const ROLE_LOCAL_PARTS = new Set([
  'abuse',
  'accounting',
  'accounts',
  'admin',
  'administrator',
  'billing',
  'careers',
  'contact',
  'customerservice',
  'do-not-reply',
  'donotreply',
  'enquiries',
  'feedback',
  'hello',
  'help',
  'helpdesk',
  'hostmaster',
  'hr',
  'info',
  'inquiries',
  'jobs',
  'legal',
  'mailer-daemon',
  'marketing',
  'media',
  'newsletter',
  'no-reply',
  'noc',
  'noreply',
  'office',
  'postmaster',
  'press',
  'privacy',
  'root',
  'sales',
  'security',
  'service',
  'support',
  'sysadmin',
  'team',
  'webmaster',
]);

/**
 * True when the local part names a role, ignoring case and a `+tag` (info+eu@ is still info@).
 *
 * @example
 * isRoleLocalPart('Support+tickets') // true
 * isRoleLocalPart('jane.doe')        // false
 */
export function isRoleLocalPart(local: string): boolean {
  const plus = local.indexOf('+');
  const base = (plus >= 0 ? local.slice(0, plus) : local).toLowerCase();
  return ROLE_LOCAL_PARTS.has(base);
}
