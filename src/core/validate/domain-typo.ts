import { distance } from 'fastest-levenshtein';

/**
 * Popular mailbox providers, most used first (the first one wins a tie). Providers whose names are
 * one edit from another (ymail/gmail, mail/gmail, email/gmail) are listed so that they are never
 * "corrected" into each other.
 */
export const POPULAR_EMAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'icloud.com',
  'aol.com',
  'live.com',
  'msn.com',
  'me.com',
  'mac.com',
  'googlemail.com',
  'ymail.com',
  'rocketmail.com',
  'hotmail.co.uk',
  'yahoo.co.uk',
  'hotmail.fr',
  'yahoo.fr',
  'orange.fr',
  'free.fr',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  't-online.de',
  'mail.com',
  'email.com',
  'protonmail.com',
  'proton.me',
  'zoho.com',
  'yandex.ru',
  'mail.ru',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'btinternet.com',
  'qq.com',
  '163.com',
];

const KNOWN = new Set(POPULAR_EMAIL_DOMAINS);

/**
 * Suggests the popular provider a domain was probably meant to be, or null.
 *
 * Distance is plain Levenshtein: a swap of two letters (gmial) costs 2, so domains of 9 or more
 * characters allow 2 edits and shorter ones 1 (a 2-edit budget on `me.com` would match half the
 * internet). Domains shorter than 7 characters (mx.com, me.co) are never corrected.
 *
 * @example
 * suggestDomain('gmial.com') // 'gmail.com'
 * suggestDomain('gmail.co')  // 'gmail.com'
 * suggestDomain('acme.com')  // null
 */
export function suggestDomain(asciiDomain: string): string | null {
  const domain = asciiDomain.toLowerCase();
  if (KNOWN.has(domain) || domain.length < 7) return null;
  const budget = domain.length >= 9 ? 2 : 1;
  let best: string | null = null;
  let bestDistance = budget + 1;
  for (const candidate of POPULAR_EMAIL_DOMAINS) {
    if (Math.abs(candidate.length - domain.length) > budget) continue;
    const d = distance(domain, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
