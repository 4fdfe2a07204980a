import { createRequire } from 'node:module';

/**
 * Disposable (throw-away) mailbox domains, from the `disposable-email-domains` package: an exact
 * list and a wildcard list (every sub-domain of those is disposable too). Both are read on the
 * first check and kept as Sets for the life of the process (the exact list has ~120,000 entries:
 * reading it costs tens of milliseconds, which an import that never checks emails should not pay).
 */
let exact: ReadonlySet<string> | undefined;
let wildcard: ReadonlySet<string> | undefined;

function load(): void {
  // The package ships JSON only; createRequire loads it without import attributes, which the
  // TypeScript loaders used for tests and the CLI handle differently.
  const require = createRequire(import.meta.url);
  exact = new Set(require('disposable-email-domains') as string[]);
  wildcard = new Set(require('disposable-email-domains/wildcard.json') as string[]);
}

/**
 * True when mail to this (ASCII, lower-case) domain goes to a disposable mailbox service.
 *
 * @example
 * isDisposableDomain('mailinator.com') // true
 * isDisposableDomain('gmail.com')      // false
 */
export function isDisposableDomain(asciiDomain: string): boolean {
  if (!exact || !wildcard) load();
  const domain = asciiDomain.toLowerCase();
  if (exact!.has(domain)) return true;
  // Wildcard entries cover the domain itself and any sub-domain: check each parent in turn.
  for (let i = domain.indexOf('.'); i >= 0; i = domain.indexOf('.', i + 1)) {
    if (wildcard!.has(domain.slice(i + 1))) return true;
  }
  return wildcard!.has(domain);
}
