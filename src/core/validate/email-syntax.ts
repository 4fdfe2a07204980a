import { Buffer } from 'node:buffer';
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * Email syntax: a practical subset of RFC 5321/5322 (+ RFC 6531 for non-ASCII local parts).
 *
 * Accepted: dot-atom local parts (letters, digits, ``!#$%&'*+/=?^_`{|}~-`` and any Unicode
 * letter/digit/mark), `+` sub-addressing, and host names (IDN allowed, converted with
 * `node:url` domainToASCII). Refused on purpose, because mail providers and ESPs refuse them too
 * and a contact list is no place to keep them: quoted local parts (`"a b"@x.com`), comments,
 * domain literals (`a@[10.0.0.1]`), single-label domains (`a@localhost`) and a trailing dot.
 */

/** Why an address failed the syntax check (stable codes; tests and reports switch on them). */
export type EmailSyntaxReason =
  | 'empty'
  | 'whitespace'
  | 'no_at'
  | 'multiple_at'
  | 'quoted_local_part'
  | 'local_empty'
  | 'local_too_long'
  | 'local_dot'
  | 'local_invalid_char'
  | 'domain_empty'
  | 'domain_literal'
  | 'domain_trailing_dot'
  | 'domain_invalid'
  | 'domain_single_label'
  | 'domain_too_long'
  | 'too_long';

export type EmailSyntax =
  | {
      ok: true;
      /** The local part exactly as given (case is significant to the receiving server). */
      local: string;
      /** Domain in ASCII (punycode) and lower case: the form DNS look-ups and lists use. */
      asciiDomain: string;
      /** Domain in Unicode, lower case (IDNA-mapped), for people to read. */
      unicodeDomain: string;
    }
  | { ok: false; reason: EmailSyntaxReason };

/** RFC 5321 4.5.3.1.1: local part at most 64 octets. */
export const MAX_LOCAL_OCTETS = 64;
/** RFC 5321 4.5.3.1.3 (path 256 minus the angle brackets): address at most 254 octets. */
export const MAX_ADDRESS_OCTETS = 254;
const MAX_DOMAIN_OCTETS = 253;
const MAX_LABEL_OCTETS = 63;

// atext of RFC 5322 plus Unicode letters, digits and marks (RFC 6531 UTF8-non-ascii, restricted
// to characters that can be part of a name: no symbols, spaces or controls).
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\p{L}\p{N}\p{M}]+$/u;
const ASCII_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// Allows the whole Unicode white-space class, including no-break and zero-width spaces.
const HAS_SPACE = /[\s\u200B-\u200D\uFEFF]/u;

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Checks the syntax of one address and splits it into local part and domain.
 *
 * @example
 * parseEmail('Jo.Doe+news@Bücher.de')
 * // { ok: true, local: 'Jo.Doe+news', asciiDomain: 'xn--bcher-kva.de', unicodeDomain: 'bücher.de' }
 * parseEmail('a..b@x.com') // { ok: false, reason: 'local_dot' }
 */
export function parseEmail(address: string): EmailSyntax {
  if (address.length === 0) return fail('empty');
  if (HAS_SPACE.test(address)) return fail('whitespace');
  if (address.startsWith('"')) return fail('quoted_local_part');
  const at = address.lastIndexOf('@');
  if (at < 0) return fail('no_at');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.includes('@')) return fail(local.includes('"') ? 'quoted_local_part' : 'multiple_at');

  const localReason = checkLocal(local);
  if (localReason) return fail(localReason);

  const parsed = parseDomain(domain);
  if (typeof parsed === 'string') return fail(parsed);
  const { asciiDomain, unicodeDomain } = parsed;
  if (utf8Length(local) + 1 + asciiDomain.length > MAX_ADDRESS_OCTETS) return fail('too_long');

  return { ok: true, local, asciiDomain, unicodeDomain };
}

interface ParsedDomain {
  asciiDomain: string;
  unicodeDomain: string;
}

// Domains repeat across a contact list (a few thousand distinct in a million rows), and IDNA
// conversion is the costly part of the check: remember the verdict per domain as written.
const DOMAIN_MEMO_LIMIT = 20_000;
const domainMemo = new Map<string, ParsedDomain | EmailSyntaxReason>();

function parseDomain(domain: string): ParsedDomain | EmailSyntaxReason {
  let parsed = domainMemo.get(domain);
  if (parsed === undefined) {
    parsed = checkDomain(domain);
    // Cleared rather than LRU-evicted: cheap, and a list with this many domains gains little.
    if (domainMemo.size >= DOMAIN_MEMO_LIMIT) domainMemo.clear();
    domainMemo.set(domain, parsed);
  }
  return parsed;
}

function checkDomain(domain: string): ParsedDomain | EmailSyntaxReason {
  if (domain.length === 0) return 'domain_empty';
  if (domain.startsWith('[')) return 'domain_literal';
  if (domain.endsWith('.')) return 'domain_trailing_dot';
  // domainToASCII applies UTS #46 mapping (case folding, full-width dots) and punycode; it
  // returns '' for what it cannot convert. It lets some non-LDH ASCII through, so check after.
  const asciiDomain = domainToASCII(domain);
  if (asciiDomain === '') return 'domain_invalid';
  if (asciiDomain.length > MAX_DOMAIN_OCTETS) return 'domain_too_long';
  const labels = asciiDomain.split('.');
  if (labels.some((l) => l.length === 0 || l.length > MAX_LABEL_OCTETS || !LDH_LABEL.test(l))) {
    return 'domain_invalid';
  }
  if (labels.length < 2) return 'domain_single_label';
  // An all-numeric top label is an IP address (a@1.2.3.4), not a host name.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'domain_invalid';
  return { asciiDomain, unicodeDomain: domainToUnicode(asciiDomain) };
}

function checkLocal(local: string): EmailSyntaxReason | null {
  if (local.length === 0) return 'local_empty';
  if (local.includes('"')) return 'quoted_local_part';
  if (local.length > MAX_LOCAL_OCTETS || utf8Length(local) > MAX_LOCAL_OCTETS)
    return 'local_too_long';
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'local_dot';
  // Nearly every local part is plain ASCII: one linear regex, no split, no Unicode classes.
  if (ASCII_LOCAL.test(local)) return null;
  if (!local.split('.').every((atom) => LOCAL_ATOM.test(atom))) return 'local_invalid_char';
  return null;
}

function fail(reason: EmailSyntaxReason): EmailSyntax {
  return { ok: false, reason };
}
