import { isDisposableDomain } from './disposable-domain.ts';
import { suggestDomain } from './domain-typo.ts';
import { parseEmail, type EmailSyntaxReason } from './email-syntax.ts';
import { isRoleLocalPart } from './role-address.ts';

/** What checkEmail found out about one address, without any network access. */
export type EmailCheck =
  | {
      valid: true;
      /** `local@domain`: local part as given, domain lower-cased (Unicode form for IDNs). */
      normalized: string;
      local: string;
      /** Lower-case ASCII (punycode) domain: use it for DNS and for comparisons. */
      asciiDomain: string;
      role: boolean;
      disposable: boolean;
      /** The address with the domain a popular provider's name probably should have been. */
      suggestion: string | null;
    }
  | { valid: false; reason: EmailSyntaxReason };

/**
 * Syntax, role, disposable and typo checks for one address.
 *
 * @example
 * checkEmail('Info@GMIAL.com')
 * // { valid: true, normalized: 'Info@gmial.com', role: true, disposable: false,
 * //   suggestion: 'Info@gmail.com', ... }
 */
export function checkEmail(address: string): EmailCheck {
  const parsed = parseEmail(address);
  if (!parsed.ok) return { valid: false, reason: parsed.reason };
  const { local, asciiDomain, unicodeDomain } = parsed;
  const { disposable, typo } = domainFlags(asciiDomain);
  return {
    valid: true,
    normalized: `${local}@${unicodeDomain}`,
    local,
    asciiDomain,
    role: isRoleLocalPart(local),
    disposable,
    suggestion: typo === null ? null : `${local}@${typo}`,
  };
}

interface DomainFlags {
  disposable: boolean;
  typo: string | null;
}

// The typo check compares against every popular domain; remember the flags per domain, since a
// list has far fewer domains than rows.
const FLAGS_MEMO_LIMIT = 20_000;
const flagsMemo = new Map<string, DomainFlags>();

function domainFlags(asciiDomain: string): DomainFlags {
  let flags = flagsMemo.get(asciiDomain);
  if (!flags) {
    flags = { disposable: isDisposableDomain(asciiDomain), typo: suggestDomain(asciiDomain) };
    if (flagsMemo.size >= FLAGS_MEMO_LIMIT) flagsMemo.clear();
    flagsMemo.set(asciiDomain, flags);
  }
  return flags;
}
